import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useNavigate, useSearchParams } from "react-router";
import { useApi } from "../../api";
import type { PersonaQuery } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { labeller, personasKey, usePersonaSummary } from "./labels";

export const PAGE_SIZE = 50;
const GENDERS = ["male", "female"] as const;

export function OfflineBadge({ generatedBy }: { generatedBy: string }) {
  const { t } = useI18n();
  if (generatedBy !== "offline-engine") return <span className="muted">{generatedBy}</span>;
  return (
    <span className="badge not_configured" title={generatedBy}>
      {t("personas.offlineEngine")}
    </span>
  );
}

export function PersonasTable({ projectId }: { projectId: string }) {
  const { t } = useI18n();
  const api = useApi();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get("offset") ?? "0") || 0);
  const gender = params.get("gender") ?? "";
  const query: PersonaQuery = { limit: PAGE_SIZE, offset };
  if (gender !== "") query.gender = gender;
  const personas = useQuery({
    queryKey: [...personasKey(projectId), query],
    queryFn: () => api.listPersonas(projectId, query),
    placeholderData: keepPreviousData,
  });
  const label = labeller(usePersonaSummary(projectId).data);

  const update = (next: { offset?: number; gender?: string }) => {
    const search = new URLSearchParams(params);
    const nextGender = next.gender ?? gender;
    const nextOffset = next.offset ?? offset;
    if (nextGender === "") search.delete("gender");
    else search.set("gender", nextGender);
    if (nextOffset === 0) search.delete("offset");
    else search.set("offset", String(nextOffset));
    setParams(search, { replace: true, preventScrollReset: true });
  };

  const page = personas.data;
  const open = (id: string) => void navigate(`/personas/${id}`);

  return (
    <section className="panel" aria-labelledby="personas-title">
      <header className="panel-header">
        <h2 id="personas-title">{t("personas.title")}</h2>
        {page !== undefined && <span className="muted">{t("personas.count", { count: page.total })}</span>}
      </header>
      <div className="row">
        <label>
          <span>{t("personas.filter.gender")}</span>
          <select value={gender} onChange={(event) => update({ gender: event.target.value, offset: 0 })}>
            <option value="">{t("personas.filter.all")}</option>
            {GENDERS.map((value) => (
              <option key={value} value={value}>
                {t(`personas.gender.${value}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {personas.isPending && <Loading />}
      {personas.isError && <ErrorMessage error={personas.error} onRetry={() => void personas.refetch()} />}
      {page?.total === 0 && <p className="muted">{t("personas.empty")}</p>}
      {page !== undefined && page.items.length > 0 && (
        <>
          <div className="table-scroll">
            <table className="personas">
              <thead>
                <tr>
                  <th scope="col">{t("personas.column.name")}</th>
                  <th scope="col">{t("personas.column.age")}</th>
                  <th scope="col">{t("personas.column.gender")}</th>
                  <th scope="col">{t("personas.column.occupation")}</th>
                  <th scope="col">{t("personas.column.location")}</th>
                  <th scope="col">{t("personas.column.education")}</th>
                  <th scope="col">{t("personas.column.generatedBy")}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((persona) => (
                  <tr key={persona.id} className="clickable" onClick={() => open(persona.id)}>
                    <td>
                      <a
                        href={`/personas/${persona.id}`}
                        onClick={(event) => {
                          event.preventDefault();
                          event.stopPropagation();
                          open(persona.id);
                        }}
                      >
                        {persona.full_name}
                      </a>
                    </td>
                    <td className="num">{persona.age}</td>
                    <td>{label("gender", persona.gender)}</td>
                    <td>{persona.occupation}</td>
                    <td>{label("location", persona.location)}</td>
                    <td>{label("education", persona.education)}</td>
                    <td>
                      <OfflineBadge generatedBy={persona.generated_by} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <footer className="panel-footer">
            <span className="muted">
              {t("personas.page.range", {
                from: page.offset + 1,
                to: page.offset + page.items.length,
                total: page.total,
              })}
            </span>
            <button
              type="button"
              className="secondary"
              disabled={offset === 0}
              onClick={() => update({ offset: Math.max(0, offset - PAGE_SIZE) })}
            >
              {t("personas.page.previous")}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={offset + PAGE_SIZE >= page.total}
              onClick={() => update({ offset: offset + PAGE_SIZE })}
            >
              {t("personas.page.next")}
            </button>
          </footer>
        </>
      )}
    </section>
  );
}

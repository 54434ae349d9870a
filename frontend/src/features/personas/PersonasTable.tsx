import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useNavigate, useSearchParams } from "react-router";
import { ApiError, fieldName } from "../../api";
import { categoryLabel, dimensionLabel } from "../../components/demographicLabels";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { FILTERS, usePersonasApi } from "./api";
import type { Filter, PersonaFilters } from "./api";
import { personasKey, usePersonaSummary } from "./labels";

export const PAGE_SIZE = 50;

/** The summary's dimension for a filter (income is filtered by its band). */
const DIMENSION_OF: Record<Filter, string> = {
  age_group: "age_group",
  gender: "gender",
  location: "location",
  urban_rural: "urban_rural",
  education: "education",
  income_band: "income",
};

export function OfflineBadge({ generatedBy }: { generatedBy: string }) {
  const { t } = useI18n();
  if (generatedBy !== "offline-engine") return <span className="muted">{generatedBy}</span>;
  return (
    <span className="badge not_configured" title={generatedBy}>
      {t("personas.offlineEngine")}
    </span>
  );
}

/** A 422 for a filter value the project does not have: which filter, what it accepts. */
function FilterError({ error, onClear, country }: { error: unknown; onClear: () => void; country: string | undefined }) {
  const { t, locale } = useI18n();
  if (!(error instanceof ApiError) || error.status !== 422 || typeof error.detail === "string") {
    return <ErrorMessage error={error} />;
  }
  return (
    <div className="error" role="alert" data-testid="filter-error">
      <p>{t("personas.filter.invalid")}</p>
      <ul>
        {error.detail.map((issue, index) => {
          const filter = fieldName(issue);
          const dimension = (FILTERS as readonly string[]).includes(filter) ? DIMENSION_OF[filter as Filter] : filter;
          return (
            <li key={index}>
              <strong>{dimensionLabel(t, dimension, country)}</strong>: {issue.msg}
              {issue.allowed !== undefined && issue.allowed.length > 0 && (
                <>
                  {" "}
                  {t("personas.filter.allowedValues", {
                    values: issue.allowed.map((value) => categoryLabel(t, locale, dimension, value)).join(", "),
                  })}
                </>
              )}
            </li>
          );
        })}
      </ul>
      <button type="button" className="secondary" onClick={onClear}>
        {t("personas.filter.clear")}
      </button>
    </div>
  );
}

export function PersonasTable({ projectId, country }: { projectId: string; country?: string }) {
  const { t, locale, formatNumber } = useI18n();
  const personasApi = usePersonasApi();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get("offset") ?? "0") || 0);
  const filters: PersonaFilters = {};
  for (const filter of FILTERS) {
    const value = params.get(filter);
    if (value !== null && value !== "") filters[filter] = value;
  }
  const personas = useQuery({
    queryKey: [...personasKey(projectId), filters, offset],
    queryFn: () => personasApi.list(projectId, filters, PAGE_SIZE, offset),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const summary = usePersonaSummary(projectId).data;
  const label = (dimension: string, key: string) => categoryLabel(t, locale, dimension, key);

  const update = (next: { offset?: number; filter?: [Filter, string]; clear?: boolean }) => {
    const search = new URLSearchParams(params);
    if (next.clear === true) for (const filter of FILTERS) search.delete(filter);
    if (next.filter !== undefined) {
      const [name, value] = next.filter;
      if (value === "") search.delete(name);
      else search.set(name, value);
    }
    const nextOffset = next.offset ?? offset;
    if (nextOffset === 0) search.delete("offset");
    else search.set("offset", String(nextOffset));
    setParams(search, { replace: true, preventScrollReset: true });
  };

  const page = personas.isError ? undefined : personas.data;
  const open = (id: string) => void navigate(`/personas/${id}`);
  const filtered = Object.keys(filters).length > 0;

  return (
    <section className="panel" aria-labelledby="personas-title">
      <header className="panel-header">
        <h2 id="personas-title">{t("personas.title")}</h2>
        {page !== undefined && <span className="muted">{t("personas.count", { count: page.total })}</span>}
      </header>
      <fieldset className="filters">
        <legend>{t("personas.filter.title")}</legend>
        {FILTERS.map((filter) => {
          const dimension = DIMENSION_OF[filter];
          const options = summary?.distributions[dimension]?.map((row) => row.category) ?? [];
          const current = filters[filter] ?? "";
          const known = current === "" || options.includes(current);
          return (
            <label key={filter}>
              <span>
                {filter === "income_band" && (country === "pl" || country === "us")
                  ? t(`dem.income.short.${country}`)
                  : dimensionLabel(t, dimension, country)}
              </span>
              <select
                name={filter}
                value={current}
                onChange={(event) => update({ filter: [filter, event.target.value], offset: 0 })}
              >
                <option value="">{t("personas.filter.all")}</option>
                {!known && <option value={current}>{current}</option>}
                {options.map((value) => (
                  <option key={value} value={value}>
                    {label(dimension, value)}
                  </option>
                ))}
              </select>
            </label>
          );
        })}
        {filtered && (
          <button type="button" className="secondary" onClick={() => update({ clear: true, offset: 0 })}>
            {t("personas.filter.clear")}
          </button>
        )}
      </fieldset>
      {personas.isPending && <Loading />}
      {personas.isError && <FilterError error={personas.error} country={country} onClear={() => update({ clear: true, offset: 0 })} />}
      {page?.total === 0 && <p className="muted">{t(filtered ? "personas.filter.none" : "personas.empty")}</p>}
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
                  <th scope="col">
                    {country === "pl" ? t("dem.income.short.pl") : country === "us" ? t("dem.income.short.us") : t("personas.column.income")}
                  </th>
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
                    <td>
                      {label("location", persona.location)}
                      <span className="muted"> · {label("urban_rural", persona.urban_rural)}</span>
                    </td>
                    <td>{label("education", persona.education)}</td>
                    <td className="num">
                      {new Intl.NumberFormat(locale, {
                        style: "currency",
                        currency: persona.income_currency,
                        maximumFractionDigits: 0,
                      }).format(persona.income)}
                    </td>
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
                from: formatNumber(page.offset + 1),
                to: formatNumber(page.offset + page.items.length),
                total: formatNumber(page.total),
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

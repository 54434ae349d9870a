import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useApi } from "../../api";
import type { Persona } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n";
import { categoryLabel, segmentLabel, traitLabel } from "../../components/demographicLabels";
import { personasKey, summaryKey } from "./labels";
import { OfflineBadge } from "./PersonasTable";
import { InterviewPanel } from "../focus_groups/InterviewPanel";
import { ExportMenu } from "../exports/ExportMenu";

const LISTS = [
  ["values", "persona.values"],
  ["interests", "persona.interests"],
  ["needs", "persona.needs"],
  ["pain_points", "persona.painPoints"],
  ["media_habits", "persona.mediaHabits"],
  ["shopping_habits", "persona.shoppingHabits"],
] as const satisfies readonly (readonly [string, MessageKey])[];

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function scores(value: unknown): [string, number][] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === "number");
}

function Scores({ title, values }: { title: string; values: [string, number][] }) {
  const { t, formatNumber } = useI18n();
  if (values.length === 0) return null;
  return (
    <section className="panel">
      <h2>{title}</h2>
      <dl className="scores">
        {values.map(([name, score]) => (
          <div key={name} className="score">
            <dt>{traitLabel(t, name)}</dt>
            <dd>
              <span className="bars" aria-hidden="true">
                <span className="bar bar-share" style={{ width: `${Math.round(Math.min(1, Math.max(0, score)) * 100)}%` }} />
              </span>
              <span className="num">{formatNumber(score)}</span>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Citations({ persona }: { persona: Persona }) {
  const { t } = useI18n();
  return (
    <section className="panel">
      <h2>{t("persona.citations")}</h2>
      {persona.citations.length === 0 ? (
        <p className="muted">{t("persona.noCitations")}</p>
      ) : (
        <ol className="citations">
          {persona.citations.map((citation, index) => {
            const title = typeof citation["document_title"] === "string" ? citation["document_title"] : "";
            const page = typeof citation["page"] === "number" ? citation["page"] : null;
            const snippet = typeof citation["snippet"] === "string" ? citation["snippet"] : "";
            return (
              <li key={index}>
                <strong>{title}</strong>
                {page !== null && <span className="muted"> {t("persona.citationPage", { page })}</span>}
                {snippet !== "" && <p className="muted">{snippet}</p>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

export function PersonaPage() {
  const { personaId = "" } = useParams();
  const api = useApi();
  const { t, locale } = useI18n();
  const queryClient = useQueryClient();
  const key = ["personas", personaId] as const;
  const persona = useQuery({ queryKey: key, queryFn: () => api.getPersona(personaId) });
  const label = (dimension: string, key: string) => categoryLabel(t, locale, dimension, key);

  const change = useMutation({
    mutationFn: (action: "delete" | "restore") =>
      action === "delete" ? api.deletePersona(personaId) : api.restorePersona(personaId),
    onSuccess: (updated) => {
      queryClient.setQueryData(key, updated);
      void queryClient.invalidateQueries({ queryKey: personasKey(updated.project_id) });
      void queryClient.invalidateQueries({ queryKey: summaryKey(updated.project_id) });
    },
  });

  if (persona.isPending) return <Loading />;
  if (persona.isError) return <ErrorMessage error={persona.error} onRetry={() => void persona.refetch()} />;
  const data = persona.data;
  const profile = data.profile;
  const quote = typeof profile["quote"] === "string" ? profile["quote"] : "";
  const story = typeof profile["background_story"] === "string" ? profile["background_story"] : "";
  const deleted = data.deleted_at !== null;
  const facts: [MessageKey, string][] = [
    ["persona.age", String(data.age)],
    ["persona.gender", label("gender", data.gender)],
    ["persona.location", label("location", data.location)],
    ["persona.urbanRural", label("urban_rural", data.urban_rural)],
    ["persona.education", label("education", data.education)],
    [
      data.income_currency === "PLN" ? "dem.dimension.income.pl" : data.income_currency === "USD" ? "dem.dimension.income.us" : "persona.income",
      `${new Intl.NumberFormat(locale, { style: "currency", currency: data.income_currency, maximumFractionDigits: 0 }).format(data.income)} (${label("income", data.income_band)})`,
    ],
    ["persona.occupation", data.occupation],
    ["persona.segment", segmentLabel(t, locale, data.segment)],
  ];
  const translate = (messageKey: MessageKey) => (t as (k: MessageKey) => string)(messageKey);

  return (
    <article className="persona">
      <p>
        <Link to={`/projects/${data.project_id}`}>← {t("persona.back")}</Link>
      </p>
      <header className="persona-header">
        <h1>{data.full_name}</h1>
        <OfflineBadge generatedBy={data.generated_by} />
        <div className="persona-actions">
          <ExportMenu kind="persona" id={data.id} />
          {!deleted && (
            <button type="button" className="secondary" disabled={change.isPending} onClick={() => change.mutate("delete")}>
              {t(change.isPending ? "persona.deleting" : "persona.delete")}
            </button>
          )}
        </div>
      </header>
      {deleted && (
        <div className="notice" role="status">
          <span>{t("persona.deleted")}</span>{" "}
          <button type="button" disabled={change.isPending} onClick={() => change.mutate("restore")}>
            {t("persona.undo")}
          </button>
        </div>
      )}
      {change.isError && <ErrorMessage error={change.error} />}
      {quote !== "" && <blockquote className="quote">{quote}</blockquote>}
      <div className="columns">
        <section className="panel">
          <dl className="facts">
            {facts.map(([factKey, value]) => (
              <div key={factKey}>
                <dt>{translate(factKey)}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </section>
        {story !== "" && (
          <section className="panel">
            <h2>{t("persona.background")}</h2>
            <p>{story}</p>
          </section>
        )}
      </div>
      <div className="columns">
        {LISTS.map(([field, titleKey]) => {
          const items = strings(profile[field]);
          if (items.length === 0) return null;
          return (
            <section key={field} className="panel">
              <h2>{translate(titleKey)}</h2>
              <ul>
                {items.map((item, index) => (
                  <li key={index}>{item}</li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
      <div className="columns">
        <Scores title={t("persona.bigFive")} values={scores(profile["big_five"])} />
        <Scores title={t("persona.hofstede")} values={scores(profile["hofstede"])} />
      </div>
      <Citations persona={data} />
      {!deleted && <InterviewPanel personaId={data.id} personaName={data.full_name} />}
    </article>
  );
}

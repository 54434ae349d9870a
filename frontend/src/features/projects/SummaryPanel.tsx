import type { DistributionRow } from "../../api";
import { categoryLabel, dimensionLabel } from "../../components/demographicLabels";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import type { Translate } from "../../i18n";
import { usePersonaSummary } from "../personas/labels";
import { useCensus } from "./census";

type Verdict = "pass" | "fail" | "inconclusive";

interface DimensionVerdict {
  dimension: string;
  verdict: Verdict;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The fit report's per-dimension verdicts (src/sight/demographics/fit.py FitReport). */
export function readFit(fit: Record<string, unknown> | null | undefined): { verdict: Verdict | null; dimensions: DimensionVerdict[] } {
  const verdicts: readonly string[] = ["pass", "fail", "inconclusive"];
  const verdict = typeof fit?.["verdict"] === "string" && verdicts.includes(fit["verdict"]) ? (fit["verdict"] as Verdict) : null;
  const dimensions = Array.isArray(fit?.["dimensions"])
    ? (fit["dimensions"] as unknown[]).flatMap((entry) => {
        const row = record(entry);
        const name = row?.["dimension"];
        const value = row?.["verdict"];
        return typeof name === "string" && typeof value === "string" && verdicts.includes(value)
          ? [{ dimension: name, verdict: value as Verdict }]
          : [];
      })
    : [];
  return { verdict, dimensions };
}

/** One sentence in the screen's language, never the server's English summary. */
export function fitSentence(t: Translate, locale: string, country: string, fit: ReturnType<typeof readFit>): string | null {
  if (fit.verdict === null) return null;
  const list = new Intl.ListFormat(locale, { type: "conjunction" });
  const names = (verdict: Verdict) =>
    list.format(fit.dimensions.filter((d) => d.verdict === verdict).map((d) => dimensionLabel(t, d.dimension, country)));
  if (fit.verdict === "pass") return t("summary.fit.allMatch", { count: fit.dimensions.length });
  if (fit.verdict === "fail") return t("summary.fit.mismatch", { dimensions: names("fail") });
  return t("summary.fit.tooFew", { dimensions: names("inconclusive") });
}

function Bars({ row }: { row: DistributionRow }) {
  return (
    <span className="bars" aria-hidden="true">
      <span className="bar bar-share" style={{ width: `${Math.round(row.share * 100)}%` }} />
      <span className="bar bar-target" style={{ width: `${Math.round(row.target_share * 100)}%` }} />
    </span>
  );
}

export function SummaryPanel({ projectId, country = "pl" }: { projectId: string; country?: string }) {
  const { t, locale } = useI18n();
  const summary = usePersonaSummary(projectId);
  const census = useCensus(country, projectId);
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const fit = readFit(summary.data?.fit);
  const sentence = fitSentence(t, locale, country, fit);
  const statusOf = (dimension: string) => census.data?.dimensions.find((d) => d.key === dimension)?.status ?? null;
  const sourceOf = (dimension: string) => summary.data?.dimensions?.[dimension]?.census ?? null;
  const anyUnverified = Object.entries(summary.data?.distributions ?? {}).some(
    ([dimension, rows]) =>
      !(summary.data?.dimensions?.[dimension]?.target_origin === "target") && rows.some((row) => row.census_verified === false),
  );

  return (
    <section className="panel" aria-labelledby="summary-title">
      <header className="panel-header">
        <h2 id="summary-title">{t("summary.title")}</h2>
        {fit.verdict !== null && (
          <span className={`badge ${fit.verdict === "pass" ? "ok" : fit.verdict === "fail" ? "failed" : "not_configured"}`} data-testid="fit-verdict">
            {t("summary.fit", { verdict: t(`summary.verdict.${fit.verdict}`) })}
          </span>
        )}
      </header>
      {summary.isPending && <Loading />}
      {summary.isError && <ErrorMessage error={summary.error} onRetry={() => void summary.refetch()} />}
      {summary.data?.total === 0 && <p className="muted">{t("summary.empty")}</p>}
      {sentence !== null && (
        <p className="muted" data-testid="fit-summary">
          {sentence}
        </p>
      )}
      {summary.data !== undefined && summary.data.total > 0 && (
        <>
          <div className="legend" aria-label={t("summary.legend")} role="note">
            <span className="legend-item">
              <span className="swatch bar-share" aria-hidden="true" /> {t("summary.legend.generated")}
            </span>
            <span className="legend-item">
              <span className="swatch bar-target" aria-hidden="true" /> {t("summary.legend.target")}
            </span>
          </div>
          <div className="summary-grid">
            {Object.entries(summary.data.distributions).map(([dimension, rows]) => {
              const source = sourceOf(dimension);
              const status = source === null ? statusOf(dimension) : null;
              const origin = summary.data?.dimensions?.[dimension]?.target_origin;
              // Only a census figure can be unverified: the researcher's own shares are not.
              const fromCensus = origin === undefined || origin.startsWith("census");
              const verdict = fit.dimensions.find((d) => d.dimension === dimension)?.verdict;
              return (
                <div key={dimension} className="summary-card">
                  <table className="summary-table">
                    <caption>
                      {dimensionLabel(t, dimension, country)}
                      {verdict !== undefined && (
                        <span className={`badge small ${verdict === "pass" ? "ok" : verdict === "fail" ? "failed" : "not_configured"}`}>
                          {t(`summary.verdict.${verdict}`)}
                        </span>
                      )}
                      {source !== null && source.figures > 0 && (
                        <span className="caption-note muted">
                          {t("summary.source.count", { verified: source.verified, figures: source.figures, publisher: source.publisher })}
                        </span>
                      )}
                      {status === "recalled" && <span className="caption-note muted">{t("summary.source.recalled")}</span>}
                      {status === "verified" && <span className="caption-note muted">{t("summary.source.verified")}</span>}
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col">{t("summary.column.category")}</th>
                        <th scope="col" className="num">
                          {t("summary.column.share")}
                        </th>
                        <th scope="col" className="num">
                          {t("summary.column.target")}
                        </th>
                        <th scope="col" className="num">
                          {t("summary.column.count")}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((row) => (
                        <tr key={row.category}>
                          <th scope="row">
                            <span className="summary-label">{categoryLabel(t, locale, dimension, row.category)}</span>
                            <Bars row={row} />
                          </th>
                          <td className="num">{percent.format(row.share)}</td>
                          <td className="num muted">
                            {percent.format(row.target_share)}
                            {row.census_verified === false && fromCensus && (
                              <abbr className="unverified" title={t("summary.source.estimate")}>
                                *
                              </abbr>
                            )}
                          </td>
                          <td className="num">{row.count}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              );
            })}
          </div>
          {anyUnverified && <p className="muted small">{t("summary.source.marker")}</p>}
        </>
      )}
    </section>
  );
}

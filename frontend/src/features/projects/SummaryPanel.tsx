import type { DistributionRow } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n";
import { usePersonaSummary } from "../personas/labels";

const KNOWN_DIMENSIONS = ["age_group", "gender", "location", "urban_rural", "education", "income"] as const;
const VERDICTS = ["pass", "warn", "fail"] as const;

function dimensionKey(dimension: string): MessageKey | null {
  return (KNOWN_DIMENSIONS as readonly string[]).includes(dimension)
    ? (`summary.dimension.${dimension}` as MessageKey)
    : null;
}

function Bars({ row }: { row: DistributionRow }) {
  return (
    <div className="bars" aria-hidden="true">
      <div className="bar bar-share" style={{ width: `${Math.round(row.share * 100)}%` }} />
      <div className="bar bar-target" style={{ width: `${Math.round(row.target_share * 100)}%` }} />
    </div>
  );
}

export function SummaryPanel({ projectId }: { projectId: string }) {
  const { t, locale } = useI18n();
  const summary = usePersonaSummary(projectId);
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const fit = summary.data?.fit;
  const verdict = typeof fit?.["verdict"] === "string" ? fit["verdict"] : null;
  const fitSummary = typeof fit?.["summary"] === "string" ? fit["summary"] : null;
  const translate = (key: MessageKey) => (t as (key: MessageKey) => string)(key);

  return (
    <section className="panel" aria-labelledby="summary-title">
      <header className="panel-header">
        <h2 id="summary-title">{t("summary.title")}</h2>
        {verdict !== null && (
          <span className={`badge ${verdict === "pass" ? "ok" : "failed"}`} data-testid="fit-verdict">
            {t("summary.fit", {
              verdict: (VERDICTS as readonly string[]).includes(verdict)
                ? translate(`summary.verdict.${verdict}` as MessageKey)
                : verdict,
            })}
          </span>
        )}
      </header>
      {summary.isPending && <Loading />}
      {summary.isError && <ErrorMessage error={summary.error} onRetry={() => void summary.refetch()} />}
      {summary.data?.total === 0 && <p className="muted">{t("summary.empty")}</p>}
      {fitSummary !== null && <p className="muted">{fitSummary}</p>}
      {summary.data !== undefined && summary.data.total > 0 && (
        <div className="summary-grid">
          {Object.entries(summary.data.distributions).map(([dimension, rows]) => {
            const key = dimensionKey(dimension);
            return (
              <table key={dimension} className="summary-table">
                <caption>{key === null ? dimension : translate(key)}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("summary.column.category")}</th>
                    <th scope="col">{t("summary.column.count")}</th>
                    <th scope="col">{t("summary.column.share")}</th>
                    <th scope="col">{t("summary.column.target")}</th>
                    <th scope="col" aria-hidden="true" />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.category}>
                      <th scope="row">{row.label}</th>
                      <td className="num">{row.count}</td>
                      <td className="num">{percent.format(row.share)}</td>
                      <td className="num muted">{percent.format(row.target_share)}</td>
                      <td className="bars-cell">
                        <Bars row={row} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          })}
        </div>
      )}
    </section>
  );
}

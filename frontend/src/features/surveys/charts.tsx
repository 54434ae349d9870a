import { useI18n } from "../../i18n";
import type { HistogramBin, RankingRow, ShareRow } from "./types";

// Charts drawn with CSS (as the other features do): every chart is a table, so
// screen readers read the numbers and sighted users see the bars.

const pct = (value: number | null | undefined) => `${Math.max(0, Math.min(100, (value ?? 0) * 100))}%`;

/** Shares with their 95 % interval as a whisker and the uniform baseline as a tick. */
export function ShareBars({ rows, caption }: { rows: ShareRow[]; caption: string }) {
  const { t, formatNumber } = useI18n();
  const format = (v: number | null) => (v === null ? "–" : `${formatNumber(Math.round(v * 1000) / 10)} %`);
  return (
    <table className="sv-chart">
      <caption className="sr-only">{caption}</caption>
      <thead className="sr-only">
        <tr>
          <th scope="col">{t("sv.chart.answer")}</th>
          <th scope="col">{t("sv.chart.share")}</th>
          <th scope="col">{t("sv.chart.count")}</th>
          <th scope="col">{t("sv.chart.interval")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={String(row.option)}>
            <th scope="row">{row.option}</th>
            <td className="sv-bar-cell">
              <span className="sv-track" aria-hidden="true">
                <span className="sv-bar" style={{ width: pct(row.share) }} />
                {row.ci_low !== null && (
                  <span className="sv-whisker" style={{ left: pct(row.ci_low), width: `calc(${pct(row.ci_high)} - ${pct(row.ci_low)})` }} />
                )}
                {row.baseline !== null && <span className="sv-baseline" style={{ left: pct(row.baseline) }} title={t("sv.chart.baseline")} />}
              </span>
            </td>
            <td className="num">{format(row.share)}</td>
            <td className="num muted small">
              n={row.count} · {format(row.ci_low)}–{format(row.ci_high)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Histogram({ bins, unit, caption }: { bins: HistogramBin[]; unit?: string | null | undefined; caption: string }) {
  const { formatNumber } = useI18n();
  const top = Math.max(...bins.map((b) => b.share ?? 0), ...bins.map((b) => b.baseline ?? 0), 0.0001);
  return (
    <figure className="sv-histogram">
      <div className="sv-columns" aria-hidden="true">
        {bins.map((b) => (
          <span key={b.low} className="sv-column" style={{ height: `${((b.share ?? 0) / top) * 100}%` }} title={`${b.count}`} />
        ))}
        <span className="sv-column-baseline" style={{ bottom: `${((bins[0]?.baseline ?? 0) / top) * 100}%` }} />
      </div>
      <figcaption>
        <span className="sr-only">{caption}: </span>
        <span className="muted small">
          {formatNumber(bins[0]?.low ?? 0)} – {formatNumber(bins[bins.length - 1]?.high ?? 0)} {unit ?? ""}
        </span>
        <table className="sr-only">
          <tbody>
            {bins.map((b) => (
              <tr key={b.low}>
                <th scope="row">
                  {b.low}–{b.high}
                </th>
                <td>{b.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}

const RANK_COLOURS = ["#1b5e9b", "#3f83c4", "#76a9d8", "#a9c8e8", "#d2e2f2", "#e8eef5"];

/** Each option's ranks as a stacked bar: how often it came 1st, 2nd, … */
export function RankingStack({ rows, caption }: { rows: RankingRow[]; caption: string }) {
  const { t, formatNumber } = useI18n();
  return (
    <table className="sv-chart">
      <caption className="sr-only">{caption}</caption>
      <thead className="sr-only">
        <tr>
          <th scope="col">{t("sv.chart.answer")}</th>
          <th scope="col">{t("sv.chart.ranks")}</th>
          <th scope="col">{t("sv.chart.meanRank")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const total = row.rank_counts.reduce((a, b) => a + b, 0) || 1;
          return (
            <tr key={row.option}>
              <th scope="row">{row.option}</th>
              <td className="sv-bar-cell">
                <span className="sv-stack" aria-hidden="true">
                  {row.rank_counts.map((count, position) => (
                    <span
                      key={position}
                      style={{ width: `${(count / total) * 100}%`, background: RANK_COLOURS[Math.min(position, RANK_COLOURS.length - 1)] }}
                      title={`${position + 1}: ${count}`}
                    />
                  ))}
                </span>
              </td>
              <td className="num">
                {t("sv.chart.meanRankValue", { rank: formatNumber(row.mean_rank ?? 0) })}
                <span className="muted small">
                  {" "}
                  ({formatNumber(row.ci_low ?? 0)}–{formatNumber(row.ci_high ?? 0)})
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

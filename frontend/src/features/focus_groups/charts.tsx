import { useI18n } from "../../i18n";

// Sentiment as stacked bars. A table underneath the bars: screen readers read the
// numbers, sighted users see the proportions; both come from the same counts.

export interface SentimentRow {
  key: string;
  label: string;
  positive: number;
  neutral: number;
  negative: number;
  mean: number;
  note?: string;
}

const pct = (part: number, total: number) => (total === 0 ? 0 : (part / total) * 100);

export function SentimentBars({ rows, caption, labelHeader }: { rows: SentimentRow[]; caption: string; labelHeader: string }) {
  const { t, formatNumber } = useI18n();
  return (
    <div className="fg-table-scroll">
    <table className="fg-sentiment-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{labelHeader}</th>
          <th scope="col">{t("fg.sentiment.distribution")}</th>
          <th scope="col" className="num">{t("fg.sentiment.positive")}</th>
          <th scope="col" className="num">{t("fg.sentiment.neutral")}</th>
          <th scope="col" className="num">{t("fg.sentiment.negative")}</th>
          <th scope="col" className="num">{t("fg.sentiment.mean")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const total = row.positive + row.neutral + row.negative;
          return (
            <tr key={row.key}>
              <th scope="row">
                {row.label}
                {row.note !== undefined && <span className="muted small"> {row.note}</span>}
              </th>
              <td className="fg-stack-cell">
                <span className="fg-stack" aria-hidden="true">
                  <span className="fg-pos" style={{ width: `${pct(row.positive, total)}%` }} />
                  <span className="fg-neu" style={{ width: `${pct(row.neutral, total)}%` }} />
                  <span className="fg-neg" style={{ width: `${pct(row.negative, total)}%` }} />
                </span>
              </td>
              <td className="num">{row.positive}</td>
              <td className="num">{row.neutral}</td>
              <td className="num">{row.negative}</td>
              <td className="num">{formatNumber(Math.round(row.mean * 100) / 100)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </div>
  );
}

export interface CountRow {
  key: string;
  label: string;
  count: number;
  detail?: string;
}

export function CountBars({ rows, caption, labelHeader, countHeader }: { rows: CountRow[]; caption: string; labelHeader: string; countHeader: string }) {
  const most = Math.max(1, ...rows.map((r) => r.count));
  return (
    <table className="fg-count-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{labelHeader}</th>
          <th scope="col" className="num">{countHeader}</th>
          <th scope="col" aria-hidden="true" />
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">
              {row.label}
              {row.detail !== undefined && <span className="muted small"> {row.detail}</span>}
            </th>
            <td className="num">{row.count}</td>
            <td className="fg-stack-cell" aria-hidden="true">
              <span className="fg-count-bar" style={{ width: `${(row.count / most) * 100}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

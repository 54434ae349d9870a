import { useI18n } from "../../i18n";
import type { Weekly } from "./api";

// Charts drawn with CSS, as the survey charts are: each chart is a table, so a
// screen reader reads the numbers and sighted users see the bars.

const SERIES = ["personas", "focus_groups", "surveys", "insights"] as const;
type Series = (typeof SERIES)[number];

function useWeekLabel(): (start: string) => string {
  const { locale } = useI18n();
  const format = new Intl.DateTimeFormat(locale, { day: "numeric", month: "numeric", timeZone: "UTC" });
  return (start) => (start === "" ? "" : format.format(new Date(`${start}T12:00:00Z`)));
}

function Labels({ weekly }: { weekly: Weekly }) {
  const label = useWeekLabel();
  return (
    <div className="dash-labels" aria-hidden="true">
      {weekly.week_starts.map((start) => (
        <span key={start}>{label(start)}</span>
      ))}
    </div>
  );
}

/** Stacked columns per week: personas, focus groups, surveys and insights. */
export function WeeklyActivity({ weekly }: { weekly: Weekly }) {
  const { t } = useI18n();
  const totals = weekly.weeks.map((_, i) => SERIES.reduce((sum, s) => sum + (weekly[s][i] ?? 0), 0));
  const top = Math.max(1, ...totals);
  return (
    <figure className="dash-chart">
      <div className="dash-plot" aria-hidden="true">
        {weekly.weeks.map((week, i) => (
          <div key={week} className="dash-column" title={`${week}: ${totals[i] ?? 0}`}>
            <div className="dash-stack" style={{ height: `${((totals[i] ?? 0) / top) * 100}%` }}>
              {SERIES.map((s) => {
                const value = weekly[s][i] ?? 0;
                return value > 0 ? <span key={s} className={`dash-seg s-${s}`} style={{ flexGrow: value }} /> : null;
              })}
            </div>
          </div>
        ))}
      </div>
      <Labels weekly={weekly} />
      <figcaption className="dash-legend">
        {SERIES.map((s: Series) => (
          <span key={s}>
            <span className={`dash-swatch s-${s}`} aria-hidden="true" /> {t(`dash.weekly.${s}`)}
          </span>
        ))}
      </figcaption>
      <div className="dash-sr">
      <table>
        <caption>{t("dash.weekly.title")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("dash.weekly.week")}</th>
            {SERIES.map((s) => (
              <th key={s} scope="col">
                {t(`dash.weekly.${s}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weekly.weeks.map((week, i) => (
            <tr key={week}>
              <th scope="row">{week}</th>
              {SERIES.map((s) => (
                <td key={s}>{weekly[s][i] ?? 0}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}

/** Spend per week with the budget's weekly share as a dashed line. */
export function WeeklySpend({ weekly, weeklyBudget, money }: { weekly: Weekly; weeklyBudget: number; money: (usd: number) => string }) {
  const { t } = useI18n();
  const top = Math.max(0.0001, weeklyBudget, ...weekly.spend_usd);
  return (
    <figure className="dash-chart">
      <div className="dash-plot" aria-hidden="true">
        {weekly.spend_usd.map((usd, i) => (
          <div key={weekly.weeks[i]} className="dash-column" title={money(usd)}>
            <div className="dash-stack" style={{ height: `${(usd / top) * 100}%` }}>
              {usd > 0 && <span className="dash-seg s-spend" style={{ flexGrow: 1 }} />}
            </div>
          </div>
        ))}
        {weeklyBudget > 0 && <span className="dash-budget-line" style={{ bottom: `${(weeklyBudget / top) * 100}%` }} />}
      </div>
      <Labels weekly={weekly} />
      <div className="dash-sr">
      <table>
        <caption>{t("dash.spend.title")}</caption>
        <tbody>
          {weekly.weeks.map((week, i) => (
            <tr key={week}>
              <th scope="row">{week}</th>
              <td>{money(weekly.spend_usd[i] ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}

/** Horizontal bars: a share of a whole (sentiment, concepts). */
export function Bars({ rows, caption }: { rows: { label: string; value: number; note?: string; tone?: string }[]; caption: string }) {
  const top = Math.max(1, ...rows.map((r) => r.value));
  return (
    <table className="dash-bars">
      <caption className="dash-sr">{caption}</caption>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td className="dash-bar-cell">
              <span className="dash-track" aria-hidden="true">
                <span className={`dash-bar ${row.tone ?? ""}`} style={{ width: `${(row.value / top) * 100}%` }} />
              </span>
            </td>
            <td className="num">{row.note ?? row.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

import { Link } from "react-router";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import type { Translate } from "../../i18n/types";
import { useAdopt, useDashboard } from "./api";
import type { BlockerWithFix, Health, InsightAnalytics, InsightHighlight, MetricCard, Overview } from "./api";
import { Bars, WeeklyActivity, WeeklySpend } from "./charts";
import "./dashboard.css";

type CardName =
  | "active_research"
  | "pending_actions"
  | "insights_ready"
  | "this_week_activity"
  | "time_to_insight"
  | "insight_adoption_rate"
  | "persona_coverage"
  | "blockers_count";

const CARDS: CardName[] = [
  "active_research",
  "insights_ready",
  "this_week_activity",
  "time_to_insight",
  "insight_adoption_rate",
  "persona_coverage",
  "pending_actions",
  "blockers_count",
];

function useMoney() {
  const { locale } = useI18n();
  const format = new Intl.NumberFormat(locale, { style: "currency", currency: "USD", maximumFractionDigits: 2 });
  return (usd: number) => format.format(usd);
}

function Trend({ card }: { card: MetricCard }) {
  const { t, formatNumber } = useI18n();
  if (card.trend == null) return null;
  const { direction, change_percent: change } = card.trend;
  const arrow = direction === "up" ? "▲" : direction === "down" ? "▼" : "▬";
  const words = direction === "stable" ? t("dash.trend.stable") : t(`dash.trend.${direction}`, { value: formatNumber(Math.abs(change)) });
  return (
    <span className={`dash-trend ${direction}`} title={words}>
      <span aria-hidden="true">{arrow}</span> <span className="dash-sr">{words}</span>
      <span aria-hidden="true">{direction === "stable" ? "" : `${formatNumber(Math.abs(change))}%`}</span>
    </span>
  );
}

function hintFor(name: CardName, card: MetricCard, t: Translate, hours: (h: number | null | undefined) => string): string {
  const count = card.count ?? 0;
  const total = card.total ?? 0;
  switch (name) {
    case "pending_actions":
      return t("dash.card.pending_actions.hint", { drafts: total, unanalysed: count });
    case "time_to_insight":
      return card.raw_value == null ? t("dash.card.time_to_insight.none") : t("dash.card.time_to_insight.hint", { p90: hours(card.p90) });
    case "insight_adoption_rate":
      return t("dash.card.insight_adoption_rate.hint", { count, total });
    case "persona_coverage":
      return t("dash.card.persona_coverage.hint", { count, total });
    case "blockers_count":
      return t("dash.card.blockers_count.hint", { blocked: count, total });
    default:
      return t(`dash.card.${name}.hint`);
  }
}

function Card({ name, overview }: { name: CardName; overview: Overview }) {
  const { t, formatNumber } = useI18n();
  const card = overview[name];
  const raw = card.raw_value ?? null;
  const pct = (v: number | null) => (v === null ? "–" : `${formatNumber(Math.round(v * 100))}%`);
  const hours = (h: number | null | undefined) =>
    h == null
      ? "–"
      : h >= 48
        ? t("dash.days", { value: formatNumber(h / 24) })
        : h >= 1
          ? t("dash.hours", { value: formatNumber(h) })
          : t("dash.minutes", { value: Math.round(h * 60) });
  let value = raw === null ? "–" : formatNumber(raw);
  const hint = hintFor(name, card, t, hours);
  if (name === "time_to_insight") value = hours(raw);
  if (name === "insight_adoption_rate" || name === "persona_coverage") value = pct(raw);
  return (
    <div className={`dash-card card-${name}`} data-testid={`kpi-${name}`}>
      <span className="dash-card-label">{t(`dash.card.${name}`)}</span>
      <span className="dash-card-value">
        {value} <Trend card={card} />
      </span>
      <span className="dash-card-hint">{hint}</span>
    </div>
  );
}

function SpendCard({ overview }: { overview: Overview }) {
  const { t } = useI18n();
  const money = useMoney();
  const { spend } = overview;
  const level = spend.share >= spend.critical_threshold ? "critical" : spend.share >= spend.warning_threshold ? "warning" : "ok";
  return (
    <div className={`dash-card card-spend ${level}`} data-testid="kpi-spend">
      <span className="dash-card-label">{t("dash.card.spend")}</span>
      <span className="dash-card-value">{money(spend.spent_usd)}</span>
      <span className="dash-meter" aria-hidden="true">
        <span style={{ width: `${Math.min(100, spend.share * 100)}%` }} />
        <span className="forecast" style={{ left: `${Math.min(100, spend.forecast_share * 100)}%` }} />
      </span>
      <span className="dash-card-hint">{t("dash.card.spend.hint", { budget: money(spend.budget_usd), forecast: money(spend.forecast_usd) })}</span>
    </div>
  );
}

function blockerText(blocker: BlockerWithFix, t: Translate): string {
  if (blocker.type === "failed_job") {
    const reason = blocker.message.includes(": ") ? blocker.message.slice(blocker.message.indexOf(": ") + 2) : blocker.message;
    return t("dash.blocker.failed_job", { message: reason });
  }
  return t(`dash.blocker.${blocker.type}`);
}

function Blockers({ health }: { health: Health }) {
  const { t } = useI18n();
  const shown = health.blockers.slice(0, 8);
  return (
    <section className="panel dash-blockers" aria-labelledby="dash-blockers-title">
      <header className="panel-header">
        <h2 id="dash-blockers-title">{t("dash.blockers.title")}</h2>
        <span className="dash-health">
          {(["on_track", "at_risk", "blocked"] as const).map((state) => (
            <span key={state} className={`dash-chip ${state}`}>
              {t(`dash.health.${state}`)}: {health.summary[state] ?? 0}
            </span>
          ))}
        </span>
      </header>
      {shown.length === 0 ? (
        <p className="muted">{t("dash.blockers.none")}</p>
      ) : (
        <ul className="dash-list">
          {shown.map((b, i) => (
            <li key={`${b.project_id}-${b.type}-${i}`} className={`dash-blocker sev-${b.severity}`}>
              <span className={`dash-sev sev-${b.severity}`}>{t(`dash.severity.${b.severity}`)}</span>
              <span className="dash-blocker-text">
                <Link to={`/projects/${b.project_id}`} className="dash-project">
                  {b.project_name}
                </Link>
                <span>{blockerText(b, t)}</span>
                {b.fix_url != null && (
                  <Link className="dash-fix" to={b.fix_url}>
                    {t(`dash.fix.${b.type}`)} <span aria-hidden="true">→</span>
                  </Link>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Insights({ items }: { items: InsightHighlight[] }) {
  const { t, formatDate } = useI18n();
  const adopt = useAdopt();
  return (
    <section className="panel" aria-labelledby="dash-insights-title">
      <header className="panel-header">
        <h2 id="dash-insights-title">{t("dash.insights.title")}</h2>
      </header>
      {items.length === 0 ? (
        <p className="muted">{t("dash.insights.none")}</p>
      ) : (
        <ul className="dash-list">
          {items.map((insight) => (
            <li key={insight.id} className="dash-insight">
              <div className="dash-insight-head">
                <span className={`dash-type t-${insight.insight_type}`}>{t(`dash.type.${insight.insight_type}`)}</span>
                <Link to={insight.url} className="dash-insight-title">
                  {insight.title}
                </Link>
              </div>
              <p className="dash-insight-text">{insight.insight_text}</p>
              <div className="dash-insight-meta muted small">
                <span>
                  {insight.project_name} · {insight.focus_group_name} · {formatDate(insight.created_at)} ·{" "}
                  {t("dash.insights.evidence", { count: insight.evidence_count })}
                  {insight.generated_by === "offline-engine" && ` · ${t("dash.insights.offline")}`}
                </span>
                <button
                  type="button"
                  className={insight.is_adopted ? "secondary dash-adopted" : "secondary"}
                  aria-pressed={insight.is_adopted}
                  disabled={adopt.isPending}
                  onClick={() => adopt.mutate({ insight, adopted: !insight.is_adopted })}
                >
                  {insight.is_adopted ? `✓ ${t("dash.insights.adopted")}` : t("dash.insights.adopt")}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {adopt.isError && <ErrorMessage error={adopt.error} />}
    </section>
  );
}

function Concepts({ analytics }: { analytics: InsightAnalytics }) {
  const { t } = useI18n();
  const s = analytics.sentiment_distribution;
  const hasSentiment = s.positive + s.neutral + s.negative > 0;
  return (
    <section className="panel" aria-labelledby="dash-concepts-title">
      <header className="panel-header">
        <h2 id="dash-concepts-title">{t("dash.concepts.title")}</h2>
      </header>
      {analytics.top_concepts.length === 0 ? (
        <p className="muted">{t("dash.concepts.none")}</p>
      ) : (
        <Bars
          caption={t("dash.concepts.title")}
          rows={analytics.top_concepts.map((c) => ({
            label: c.concept,
            value: c.count,
            note: `${c.count}`,
          }))}
        />
      )}
      {hasSentiment && (
        <>
          <h3 className="dash-subtitle">{t("dash.sentiment.title")}</h3>
          <Bars
            caption={t("dash.sentiment.title")}
            rows={(["positive", "neutral", "negative"] as const).map((k) => ({
              label: t(`dash.sentiment.${k}`),
              value: s[k],
              tone: k,
            }))}
          />
        </>
      )}
    </section>
  );
}

/** The home page: KPI cards, weekly charts, blockers with fixes, latest insights. */
export function DashboardPage() {
  const { t, formatTime } = useI18n();
  const money = useMoney();
  const { overview, weekly, analytics, latest, health } = useDashboard();
  if (overview.isPending) return <Loading />;
  if (overview.isError) return <ErrorMessage error={overview.error} onRetry={() => void overview.refetch()} />;
  const data = overview.data;
  const weeklyBudget = (data.spend.budget_usd * 7) / 30.4;
  return (
    <div className="dashboard" data-testid="dashboard">
      <div className="dash-head">
        <h2>{t("dash.title")}</h2>
        <span className="muted small">{t("dash.updated", { time: formatTime(data.computed_at) })}</span>
      </div>
      {data.projects === 0 && <p className="muted">{t("dash.empty")}</p>}
      <div className="dash-cards">
        {CARDS.map((name) => (
          <Card key={name} name={name} overview={data} />
        ))}
        <SpendCard overview={data} />
      </div>
      <div className="dash-grid">
        <section className="panel" aria-labelledby="dash-weekly-title">
          <header className="panel-header">
            <h2 id="dash-weekly-title">{t("dash.weekly.title")}</h2>
          </header>
          {weekly.data !== undefined && <WeeklyActivity weekly={weekly.data} />}
        </section>
        <section className="panel" aria-labelledby="dash-spend-title">
          <header className="panel-header">
            <h2 id="dash-spend-title">{t("dash.spend.title")}</h2>
          </header>
          {weekly.data !== undefined && <WeeklySpend weekly={weekly.data} weeklyBudget={weeklyBudget} money={money} />}
          <p className="small">
            {t("dash.spend.budget", {
              spent: money(data.spend.spent_usd),
              budget: money(data.spend.budget_usd),
              share: Math.round(data.spend.share * 100),
            })}
            <br />
            {t("dash.spend.forecast", { forecast: money(data.spend.forecast_usd) })}
            <br />
            <span className="muted">
              {t("dash.spend.warning", {
                warning: Math.round(data.spend.warning_threshold * 100),
                critical: Math.round(data.spend.critical_threshold * 100),
              })}
            </span>
          </p>
        </section>
        {health.data !== undefined && <Blockers health={health.data} />}
        {latest.data !== undefined && <Insights items={latest.data} />}
        {analytics.data !== undefined && <Concepts analytics={analytics.data} />}
      </div>
    </div>
  );
}

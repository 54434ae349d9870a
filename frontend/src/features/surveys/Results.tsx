import { useI18n } from "../../i18n";
import { byKey } from "../focus_groups/text";
import { Histogram, RankingStack, ShareBars } from "./charts";
import type { HistogramBin, QuestionResult, RankingRow, ShareRow, SurveyResults } from "./types";

function SummaryLine({ q }: { q: QuestionResult }) {
  const { t, formatNumber } = useI18n();
  const s = q.summary;
  if (!s || s.n === 0 || s.mean == null) return null;
  const f = (v: number | null | undefined) => (v == null ? "–" : formatNumber(v));
  return (
    <p className="small">
      {t("sv.results.summary", {
        mean: f(s.mean),
        low: f(s.mean_ci_low),
        high: f(s.mean_ci_high),
        median: f(s.median),
        mode: f(s.mode),
        sd: f(s.sd),
      })}
      {q.baseline_mean != null && <span className="muted"> · {t("sv.results.baselineMean", { mean: f(q.baseline_mean) })}</span>}
    </p>
  );
}

function QuestionCard({ q }: { q: QuestionResult }) {
  const { t, formatNumber } = useI18n();
  const tk = byKey(t);
  const guards = q.guards;
  return (
    <article className="sv-result" aria-labelledby={`sv-q-${q.id}`}>
      <h3 id={`sv-q-${q.id}`}>
        <span className="sv-qid">{q.id}</span> {q.title}
      </h3>
      <p className="muted small">
        {tk(`sv.type.${q.type}`)} · {t("sv.results.answered", { n: q.n })}
        {q.skipped > 0 && <> · {t("sv.results.skipped", { n: q.skipped })}</>}
      </p>
      {(q.type === "single-choice" || q.type === "multiple-choice") && q.options && (
        <ShareBars rows={q.options as ShareRow[]} caption={q.title} />
      )}
      {q.type === "rating-scale" && q.distribution && (
        <>
          <ShareBars rows={q.distribution as ShareRow[]} caption={q.title} />
          <SummaryLine q={q} />
        </>
      )}
      {q.type === "numeric" && q.distribution && (
        <>
          <Histogram bins={q.distribution as HistogramBin[]} unit={q.unit} caption={q.title} />
          <SummaryLine q={q} />
        </>
      )}
      {q.type === "ranking" && q.options && (
        <>
          <RankingStack rows={q.options as RankingRow[]} caption={q.title} />
          <p className="muted small">{t("sv.results.rankBaseline", { rank: formatNumber(q.baseline_mean_rank ?? 0) })}</p>
        </>
      )}
      {q.type === "open-text" && q.themes_pending && (
        <p className="muted small" role="status">
          {t("sv.results.themesPending")}
        </p>
      )}
      {q.type === "open-text" && !q.themes_pending && (
        <ul className="sv-themes">
          {(q.themes ?? []).map((theme) => (
            <li key={theme.label}>
              <strong>{theme.label}</strong>{" "}
              <span className="muted small">
                {t("sv.results.themeCount", { count: theme.count, share: formatNumber(Math.round(theme.share * 100)) })}
              </span>
              {theme.quotes.map((quote, k) => (
                <blockquote key={k}>{quote}</blockquote>
              ))}
            </li>
          ))}
          {(q.themes ?? []).length === 0 && <li className="muted">{t("sv.results.noText")}</li>}
        </ul>
      )}
      {guards?.position_effect?.testable && (
        <p className={`small ${guards.position_effect.flagged ? "sv-warning" : "muted"}`}>
          {t("sv.guard.position", {
            first: formatNumber(Math.round((guards.position_effect.first_share ?? 0) * 100)),
            expected: formatNumber(Math.round((guards.position_effect.expected_share ?? 0) * 100)),
            p: formatNumber(Math.round((guards.position_effect.p ?? 1) * 1000) / 1000),
          })}
        </p>
      )}
      {guards?.rating_method && guards.rating_method.two_pass > 0 && (
        <p className="muted small">
          {t("sv.guard.twoPass", {
            count: guards.rating_method.two_pass,
            similarity: formatNumber(guards.rating_method.mean_similarity ?? 0),
          })}
        </p>
      )}
      {(guards?.flags ?? []).map((flag, k) => (
        <p key={k} className="sv-warning small" role="note">
          ⚠{" "}
          {flag.code === "ignores_demographic"
            ? t("sv.flag.ignores_demographic", {
                field: tk(`dem.dimension.${flag.field === "income_band" ? "income" : (flag.field ?? "")}`),
                v: formatNumber(flag.v ?? 0),
              })
            : flag.code === "uniform_spread"
              ? t("sv.flag.uniform_spread", { sd: formatNumber(flag.sd ?? 0) })
              : flag.code === "uniform_option"
                ? t("sv.flag.uniform_option", {
                    share: formatNumber(Math.round((flag.share ?? 0) * 100)),
                    option: flag.option ?? "",
                  })
                : t("sv.flag.uniform_same", { share: formatNumber(Math.round((flag.share ?? 0) * 100)) })}
        </p>
      ))}
    </article>
  );
}

export function Results({ results }: { results: SurveyResults }) {
  const { t } = useI18n();
  const tk = byKey(t);
  const g = results.guards;
  return (
    <section className="panel" aria-labelledby="sv-results-title">
      <header className="panel-header">
        <h2 id="sv-results-title">{t("sv.results.title")}</h2>
        <span className="muted small">{t("sv.results.respondents", { count: results.respondents })}</span>
      </header>
      <div className="sv-guard-notes" role="note">
        <strong>{t("sv.guard.title")}</strong>
        <ul>
          <li>{g.shuffle_options ? t("sv.guard.shuffleOn") : t("sv.guard.shuffleOff")}</li>
          <li>{t("sv.guard.ratingMode", { mode: tk(`sv.rating.${g.rating_mode}`) })}</li>
          <li>{t("sv.guard.baseline")}</li>
          <li>{g.warnings.length === 0 ? t("sv.guard.noWarnings") : t("sv.guard.warnings", { count: g.warnings.length })}</li>
        </ul>
      </div>
      <div className="sv-results">
        {results.questions.map((q) => (
          <QuestionCard key={q.id} q={q} />
        ))}
      </div>
    </section>
  );
}

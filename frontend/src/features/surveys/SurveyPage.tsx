import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { byKey } from "../focus_groups/text";
import { resultsKey, surveyKey, surveysKey, useSurveysApi } from "./api";
import { Crosstabs } from "./Crosstabs";
import { counts, EMPTY, reduce } from "./live";
import type { Live, LivePerson } from "./live";
import { Results } from "./Results";
import type { SurveyResults } from "./types";
import "./surveys.css";
import { ExportMenu } from "../exports/ExportMenu";

export function SurveyPage() {
  const { surveyId = "" } = useParams();
  const { t, formatDate } = useI18n();
  const tk = byKey(t);
  const surveys = useSurveysApi();
  const client = useQueryClient();
  const navigate = useNavigate();
  const survey = useQuery({ queryKey: surveyKey(surveyId), queryFn: () => surveys.get(surveyId) });
  const following = useRef(false);
  const abort = useRef<AbortController | null>(null);
  const status = survey.data?.status;
  const [live, setLive] = useState<Live>(EMPTY);
  const results = useQuery({
    queryKey: resultsKey(surveyId),
    queryFn: () => surveys.results(surveyId),
    // Also while the run adds the open answers' themes: the statistics are final.
    enabled: status === "completed" || status === "failed" || status === "cancelled" || live.resultsReady,
  });
  const resultsReady = live.resultsReady;
  useEffect(() => {
    if (resultsReady) void client.invalidateQueries({ queryKey: resultsKey(surveyId) });
  }, [resultsReady, surveyId, client]);

  // Follow the stream while a run is going (also after a reload).
  useEffect(() => {
    if (status !== "running" || following.current) return;
    const controller = new AbortController();
    abort.current = controller;
    following.current = true;
    // The stream replays the run from its start, so the state is rebuilt from it.
    surveys
      .follow(surveyId, (event) => setLive((l) => reduce(l, event)), controller.signal)
      .catch(() => {})
      .finally(() => {
        following.current = false;
        void client.invalidateQueries({ queryKey: surveyKey(surveyId) });
        void client.invalidateQueries({ queryKey: resultsKey(surveyId) });
      });
  }, [status, surveyId, surveys, client]);
  useEffect(() => () => abort.current?.abort(), []);

  const run = useMutation({
    mutationFn: () => surveys.run(surveyId),
    onSuccess: () => void client.invalidateQueries({ queryKey: surveyKey(surveyId) }),
  });
  const remove = useMutation({
    mutationFn: () => surveys.remove(surveyId),
    onSuccess: async () => {
      if (survey.data) await client.invalidateQueries({ queryKey: surveysKey(survey.data.project_id) });
      void navigate(survey.data ? `/projects/${survey.data.project_id}` : "/projects");
    },
  });
  const cancel = useMutation({
    mutationFn: (jobId: string) => surveys.cancel(jobId),
  });
  const download = useMutation({
    mutationFn: (format: "csv" | "xlsx" | "json") => surveys.download(surveyId, format, survey.data?.title ?? "survey"),
  });

  if (survey.isPending) return <Loading />;
  if (survey.isError) return <ErrorMessage error={survey.error} onRetry={() => void survey.refetch()} />;
  const s = survey.data;
  const running = s.status === "running";
  const fraction = live.total > 0 ? live.done / live.total : 0;
  const final = results.data && (!running || live.resultsReady) && results.data.respondents > 0 ? results.data : null;
  const partial: SurveyResults | null =
    running && live.partial && !final
      ? {
          respondents: live.done,
          questions: live.partial,
          guards: { shuffle_options: true, rating_mode: "", heterogeneous_sample: true, warnings: [] },
          status: "running",
          stale: true,
        }
      : null;

  return (
    <div className="sv-page">
      <p className="small">
        <Link to={`/projects/${s.project_id}`}>{t("sv.page.back")}</Link>
      </p>
      <header className="panel">
        <div className="panel-header">
          <h1>{s.title}</h1>
          <ExportMenu kind="survey" id={s.id} />
          <span className={`badge ${s.status === "completed" ? "ok" : s.status === "failed" ? "failed" : ""}`}>
            {tk(`sv.status.${s.status}`)}
          </span>
        </div>
        {s.description && <p>{s.description}</p>}
        <p className="muted small">
          {t("sv.page.meta", { questions: s.questions.length, answered: s.answered, target: s.target, date: formatDate(s.created_at) })}
        </p>
        <div className="sv-actions">
          {!(s.status === "completed" && s.answered >= s.target) && (
            <button type="button" disabled={running || run.isPending} onClick={() => run.mutate()}>
              {s.answered > 0 ? t("sv.page.runMissing") : t("sv.page.run")}
            </button>
          )}
          {running && s.job_id !== null && (
            <button type="button" className="secondary" disabled={cancel.isPending} onClick={() => cancel.mutate(s.job_id ?? "")}>
              {t("sv.page.cancel")}
            </button>
          )}
          {s.answered > 0 &&
            (["csv", "xlsx", "json"] as const).map((format) => (
              <button key={format} type="button" className="secondary" onClick={() => download.mutate(format)}>
                {t("sv.page.download", { format: format.toUpperCase() })}
              </button>
            ))}
          <button
            type="button"
            className="sv-remove"
            disabled={running}
            onClick={() => {
              if (window.confirm(t("sv.page.confirmDelete"))) remove.mutate();
            }}
          >
            {t("sv.page.delete")}
          </button>
        </div>
        {run.isError && <ErrorMessage error={run.error} />}
        {cancel.isError && <ErrorMessage error={cancel.error} />}
        {download.isError && <ErrorMessage error={download.error} />}
      </header>

      {(running || live.ended) && (
        <section className="panel" aria-labelledby="sv-live-title">
          <h2 id="sv-live-title">{t("sv.live.title")}</h2>
          <progress max={1} value={fraction} aria-label={t("sv.live.progress")} />
          <p aria-live="polite">{t("sv.live.count", { done: live.done, total: live.total })}</p>
          {live.people.length > 0 && <RespondentGrid people={live.people} />}
          {running && live.resultsReady && <p className="small">{t("sv.results.ready")}</p>}
          <ul className="sv-live">
            {live.recent.map((r, k) => (
              <li key={k}>
                {r.failed ? (
                  <span className="sv-warning">{t("sv.live.failed", { name: r.name, reason: r.failed })}</span>
                ) : (
                  <>
                    {t("sv.live.answered", { name: r.name })}
                    {r.repaired > 0 && <span className="muted small"> · {t("sv.live.repaired", { count: r.repaired })}</span>}
                    {r.unusable > 0 && <span className="sv-warning small"> · {t("sv.live.unusable", { count: r.unusable })}</span>}
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {partial && <Results results={partial} />}
      {results.isError && <ErrorMessage error={results.error} />}
      {final && (
        <>
          <Results results={final} />
          <Crosstabs surveyId={surveyId} questions={final.questions} />
        </>
      )}
      {s.status === "draft" && <p className="muted">{t("sv.page.notRun")}</p>}
    </div>
  );
}

/** One box per respondent: waiting, answering (its model call is under way),
 * answered or failed; the name and state on hover and for screen readers. */
export function RespondentGrid({ people }: { people: LivePerson[] }) {
  const { t } = useI18n();
  const tk = byKey(t);
  const c = counts(people);
  return (
    <div className="sv-grid-wrap">
      <ul className="sv-grid" aria-label={t("sv.live.respondents")}>
        {people.map((p) => {
          const label = t("sv.live.person", { name: p.name, state: tk(`sv.live.state.${p.state}`) });
          const title = p.reason ? `${label} (${p.reason})` : label;
          return (
            <li key={p.id} className={`sv-cell-${p.state}`} title={title} aria-label={title} data-state={p.state}>
              <span className="sv-cell-fill" />
            </li>
          );
        })}
      </ul>
      <p className="muted small" aria-live="polite">
        {t("sv.live.legend", { waiting: c.waiting, answering: c.answering, done: c.done, failed: c.failed })}
      </p>
    </div>
  );
}

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { useApi } from "../../api";
import type { Project } from "../../api";
import { describeError } from "../../components/describeError";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { applyJobEvent, startJob } from "./jobState";
import type { JobView } from "./jobState";
import { personasKey, summaryKey } from "../personas/labels";

export function GeneratePanel({ project }: { project: Project }) {
  const { t, formatNumber } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const [count, setCount] = useState(String(Math.min(project.target_sample_size, 1000)));
  const [job, setJob] = useState<JobView | null>(null);
  const [streamError, setStreamError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  const refreshResults = () => {
    void queryClient.invalidateQueries({ queryKey: personasKey(project.id) });
    void queryClient.invalidateQueries({ queryKey: summaryKey(project.id) });
  };

  const follow = (jobId: string, eventsUrl: string, total: number) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setJob(startJob(jobId, total));
    setStreamError(null);
    api
      .followJob(
        eventsUrl,
        (event) => {
          setJob((view) => (view === null ? view : applyJobEvent(view, event)));
          if (event.event === "item" && event.data.includes('"saved"')) refreshResults();
        },
        controller.signal,
      )
      .then(async (terminal) => {
        refreshResults();
        if (terminal === "failed") {
          // The event carries the error; the job record has it too (e.g. after a resume).
          const record = await api.getJob(jobId).catch(() => null);
          if (record?.error != null) setJob((view) => (view === null ? view : { ...view, error: record.error }));
        }
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setStreamError(error);
      });
  };

  const generate = useMutation({
    mutationFn: (numPersonas: number) => api.generatePersonas(project.id, numPersonas),
    onSuccess: (accepted) => follow(accepted.job_id, accepted.events_url, accepted.num_personas),
  });
  const cancel = useMutation({ mutationFn: (jobId: string) => api.cancelJob(jobId) });

  const running = job?.phase === "running" && streamError === null;
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    generate.mutate(Number(count));
  };
  const progress = job?.progress;
  const estimate = generate.data?.estimate;
  const calls = estimate?.["calls"];
  const usd = estimate?.["usd"];

  return (
    <section className="panel" aria-labelledby="generate-title">
      <header className="panel-header">
        <h2 id="generate-title">{t("project.generate.title")}</h2>
        {job !== null && (
          <span className={`badge ${job.phase === "completed" ? "ok" : job.phase === "running" ? "" : "failed"}`}>
            {t(`project.generate.phase.${job.phase}`)}
          </span>
        )}
      </header>
      <form className="row" onSubmit={onSubmit}>
        <label>
          <span>{t("project.generate.count")}</span>
          <input
            type="number"
            min={1}
            max={1000}
            required
            value={count}
            onChange={(event) => setCount(event.target.value)}
          />
        </label>
        <button type="submit" disabled={generate.isPending || running}>
          {t(generate.isPending ? "project.generate.starting" : "project.generate.submit")}
        </button>
        {running && (
          <button
            type="button"
            className="secondary"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate(job.jobId)}
          >
            {t("project.generate.cancel")}
          </button>
        )}
      </form>
      {generate.isError && <ErrorMessage error={generate.error} />}
      {cancel.isError && <ErrorMessage error={cancel.error} />}
      {typeof calls === "number" && typeof usd === "number" && (
        <p className="muted">{t("project.generate.estimate", { calls, usd: formatNumber(usd) })}</p>
      )}
      {job !== null && progress != null && (
        <div className="job">
          <div
            className="progress"
            role="progressbar"
            aria-label={t("project.generate.progressLabel")}
            aria-valuemin={0}
            aria-valuemax={progress.total}
            aria-valuenow={progress.done}
            aria-valuetext={t("project.generate.progress", { done: progress.done, total: progress.total })}
          >
            <div className="progress-fill" style={{ width: `${Math.round(Math.min(1, progress.fraction) * 100)}%` }} />
          </div>
          <p className="progress-text" aria-live="polite">
            <strong data-testid="job-progress">
              {t("project.generate.progress", { done: progress.done, total: progress.total })}
            </strong>{" "}
            {(progress.stage === "briefs" || progress.stage === "personas") && (
              <span className="muted">{t(`project.generate.progressStage.${progress.stage}`)}</span>
            )}
          </p>
          {job.phase === "failed" && (
            <p className="error" role="alert">
              {t("project.generate.failed", { error: job.error ?? "" })}
            </p>
          )}
          {job.items.length > 0 && (
            <ol className="job-items" aria-label={t("project.generate.title")}>
              {job.items.map((item) => (
                <li key={item.slot} className={`job-item stage-${item.stage}`}>
                  <span className="muted">{t("project.generate.slot", { slot: item.slot + 1 })}</span>{" "}
                  {item.personaId !== undefined ? (
                    <Link to={`/personas/${item.personaId}`}>{item.name ?? t("project.generate.unnamed")}</Link>
                  ) : (
                    <span>{item.name ?? t("project.generate.unnamed")}</span>
                  )}{" "}
                  <span className={`badge ${item.stage === "saved" ? "ok" : item.stage === "failed" ? "failed" : ""}`}>
                    {t(`project.generate.stage.${item.stage}`)}
                  </span>
                  {item.reason !== undefined && <span className="muted"> {item.reason}</span>}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
      {streamError !== null && (
        <p className="error" role="alert">
          {t("project.generate.streamLost", {
            error: describeError(streamError, t).join(" "),
          })}
        </p>
      )}
    </section>
  );
}

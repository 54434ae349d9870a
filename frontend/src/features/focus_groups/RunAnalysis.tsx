import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useApi } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { analysisKey, eventData, useFocusGroupsApi } from "./api";
import type { AnalysisStatus, FocusGroupDetail } from "./api";

interface Progress {
  stage: string;
  done: number;
  total: number;
}

const ACTIVE = new Set(["queued", "running"]);

/** Start the analysis (AI summary with its options) and follow its job live. */
export function RunAnalysis({ group, status }: { group: FocusGroupDetail; status: AnalysisStatus }) {
  const { t } = useI18n();
  const api = useApi();
  const fg = useFocusGroupsApi();
  const queryClient = useQueryClient();
  const [pro, setPro] = useState(true);
  const [recommendations, setRecommendations] = useState(true);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [following, setFollowing] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const follow = (jobId: string) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setFollowing(jobId);
    setFailure(null);
    api
      .followJob(
        `/api/v1/jobs/${jobId}/events`,
        (event) => {
          const data = eventData(event);
          if (data === null) return;
          if (event.event === "progress") {
            setProgress({
              stage: typeof data["stage"] === "string" ? data["stage"] : "",
              done: typeof data["done"] === "number" ? data["done"] : 0,
              total: typeof data["total"] === "number" ? data["total"] : 0,
            });
          }
          if (event.event === "failed") setFailure(typeof data["error"] === "string" ? data["error"] : "");
        },
        controller.signal,
      )
      .catch(() => undefined)
      .finally(() => {
        if (controller.signal.aborted) return;
        setFollowing(null);
        void queryClient.invalidateQueries({ queryKey: analysisKey(group.id) });
      });
  };

  // Reopening the page while an analysis runs: pick its progress up again.
  const runningJob = status.job_id !== null && status.status !== null && ACTIVE.has(status.status) ? status.job_id : null;
  useEffect(() => {
    // Subscribing to an external stream is what effects are for; the state it
    // sets arrives from the stream's callbacks.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (runningJob !== null && following === null) follow(runningJob);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runningJob]);

  const start = useMutation({
    mutationFn: () => fg.startSummary(group.id, { use_pro_model: pro, include_recommendations: recommendations }),
    onSuccess: (accepted) => follow(accepted.job_id),
  });
  const busy = following !== null || start.isPending;
  const runnable = group.status === "completed" || group.status === "cancelled" || group.status === "failed";
  const stageLabel = (stage: string) =>
    stage === "annotations" ? t("fg.analysis.stage.annotations") : stage === "reports" ? t("fg.analysis.stage.reports") : stage;

  return (
    <section className="panel fg-run-analysis" aria-labelledby="fg-run-analysis-title">
      <h2 id="fg-run-analysis-title">{t("fg.analysis.run.title")}</h2>
      <div className="row">
        <label className="fg-check">
          <input type="checkbox" checked={pro} onChange={(event) => setPro(event.target.checked)} />
          <span>{t("fg.analysis.run.pro")}</span>
        </label>
        <label className="fg-check">
          <input type="checkbox" checked={recommendations} onChange={(event) => setRecommendations(event.target.checked)} />
          <span>{t("fg.analysis.run.recommendations")}</span>
        </label>
        <button type="button" disabled={busy || !runnable} onClick={() => start.mutate()}>
          {t(busy ? "fg.analysis.run.running" : status.has_summary ? "fg.analysis.run.again" : "fg.analysis.run.start")}
        </button>
      </div>
      {!runnable && <p className="muted">{t("fg.analysis.run.notYet")}</p>}
      {start.isError && <ErrorMessage error={start.error} />}
      {busy && progress !== null && (
        <p className="fg-progress-line" aria-live="polite" data-testid="analysis-progress">
          {t("fg.analysis.run.progress", { stage: stageLabel(progress.stage), done: progress.done, total: progress.total })}
        </p>
      )}
      {failure !== null && (
        <p className="error" role="alert">
          {t("fg.analysis.run.failed", { error: failure })}
        </p>
      )}
    </section>
  );
}

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { DragEvent } from "react";
import { describeError } from "../../components/describeError";
import { useI18n } from "../../i18n";
import { documentsKey, graphKey, useKnowledgeApi } from "./api";
import type { KnowledgeDocument } from "./api";
import { applyUploadEvent, FINISHED, newUpload } from "./uploads";
import type { UploadItem } from "./uploads";

let sequence = 0;

export function UploadPanel({ projectId }: { projectId: string }) {
  const { t, formatNumber } = useI18n();
  const knowledge = useKnowledgeApi();
  const queryClient = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const controllers = useRef(new Set<AbortController>());

  useEffect(() => {
    const open = controllers.current;
    return () => open.forEach((controller) => controller.abort());
  }, []);

  const update = (key: string, change: (item: UploadItem) => UploadItem) =>
    setItems((list) => list.map((item) => (item.key === key ? change(item) : item)));
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: documentsKey(projectId) });
    void queryClient.invalidateQueries({ queryKey: graphKey(projectId) });
  };

  const follow = async (key: string, jobId: string, documentId: string, controller: AbortController) => {
    let lastRefresh = 0;
    try {
      await knowledge.followJob(
        jobId,
        (event) => {
          update(key, (item) => applyUploadEvent(item, event));
          // The list shows the stage and counts; refresh it now and then, not per event.
          if (event.event === "progress" && Date.now() - lastRefresh > 1000) {
            lastRefresh = Date.now();
            refresh();
          }
        },
        controller.signal,
      );
    } catch {
      if (controller.signal.aborted) return;
      update(key, (item) => ({ ...item, streamLost: true }));
    }
    // The document row is the truth: a job can finish with the document failed.
    const page = await queryClient.fetchQuery({
      queryKey: documentsKey(projectId),
      queryFn: () => knowledge.listDocuments(projectId),
      staleTime: 0,
    });
    refresh();
    const document: KnowledgeDocument | undefined = page.items.find((row) => row.id === documentId);
    if (document?.status === "failed") {
      update(key, (item) => ({ ...item, phase: "failed", error: document.error ?? item.error }));
    } else if (document?.status === "ready") {
      update(key, (item) => ({ ...item, phase: "ready", fraction: 1 }));
    }
  };

  const start = async (file: File) => {
    sequence += 1;
    const key = `${sequence}`;
    setItems((list) => [...list, newUpload(key, file)]);
    const controller = new AbortController();
    controllers.current.add(controller);
    try {
      const result = await knowledge.upload(projectId, file, controller.signal);
      refresh();
      if (result.duplicate || result.job_id === null) {
        update(key, (item) => ({
          ...item,
          phase: result.duplicate ? "duplicate" : result.document.status === "failed" ? "failed" : "ready",
          fraction: 1,
          documentId: result.document.id,
          error: result.document.error,
        }));
        return;
      }
      update(key, (item) => ({ ...item, phase: "queued", documentId: result.document.id, jobId: result.job_id }));
      await follow(key, result.job_id, result.document.id, controller);
    } catch (error) {
      if (controller.signal.aborted) return;
      update(key, (item) => ({ ...item, phase: "failed", error: describeError(error, t).join(" ") }));
    } finally {
      controllers.current.delete(controller);
    }
  };

  const add = (files: FileList | null) => {
    if (files === null) return;
    // Sequentially started, concurrently followed: each file gets its own job.
    for (const file of Array.from(files)) void start(file);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    add(event.dataTransfer.files);
  };

  const finished = items.filter((item) => FINISHED.has(item.phase));

  return (
    <section className="panel" aria-labelledby="upload-title">
      <header className="panel-header">
        <h2 id="upload-title">{t("knowledge.upload.title")}</h2>
      </header>
      <div
        className={`dropzone${dragging ? " dragging" : ""}`}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          <strong>{t("knowledge.upload.drop")}</strong> <span className="muted">{t("knowledge.upload.or")}</span>{" "}
          <button type="button" onClick={() => input.current?.click()}>
            {t("knowledge.upload.choose")}
          </button>
        </p>
        <p className="muted">{t("knowledge.upload.hint")}</p>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label={t("knowledge.upload.choose")}
          accept=".pdf,.docx,.md,.markdown,.html,.htm,.txt,text/plain,application/pdf"
          onChange={(event) => {
            add(event.target.files);
            event.target.value = "";
          }}
        />
      </div>
      {items.length > 0 && (
        <>
          <ul className="uploads" aria-label={t("knowledge.upload.queue")}>
            {items.map((item) => {
              const percent = Math.round(item.fraction * 100);
              return (
                <li key={item.key} className={`upload upload-${item.phase}`} data-testid="upload-item">
                  <div className="upload-head">
                    <span className="upload-name" title={item.name}>
                      {item.name}
                    </span>
                    <span
                      className={`badge ${item.phase === "ready" || item.phase === "duplicate" ? "ok" : item.phase === "failed" ? "failed" : ""}`}
                    >
                      {t(`knowledge.upload.phase.${item.phase}`)}
                    </span>
                  </div>
                  <div
                    className="progress"
                    role="progressbar"
                    aria-label={t("knowledge.upload.progressLabel", { name: item.name })}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={percent}
                  >
                    <div className="progress-fill" style={{ width: `${percent}%` }} />
                  </div>
                  <span className="muted">
                    {t("knowledge.documents.size", { size: formatNumber(item.size / 1024) })} ·{" "}
                    {t("knowledge.upload.percent", { percent })}
                  </span>
                  {item.error !== null && item.phase === "failed" && (
                    <p className="error" role="alert">
                      {item.error}
                    </p>
                  )}
                  {item.streamLost && <p className="muted">{t("knowledge.upload.streamLost")}</p>}
                </li>
              );
            })}
          </ul>
          {finished.length > 0 && (
            <button
              type="button"
              className="secondary"
              onClick={() => setItems((list) => list.filter((item) => !FINISHED.has(item.phase)))}
            >
              {t("knowledge.upload.clear")}
            </button>
          )}
        </>
      )}
    </section>
  );
}

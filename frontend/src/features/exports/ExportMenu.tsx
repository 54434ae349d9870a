import { useEffect, useMemo, useRef, useState } from "react";
import { useApi } from "../../api";
import { describeError } from "../../components/describeError";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n";
import { AS_JOB, createExportsApi, exportUrl, FORMATS, saveFile } from "./api";
import type { ExportFormat, ExportKind } from "./api";
import "./exports.css";

type State =
  | { phase: "idle" }
  | { phase: "working"; format: ExportFormat; percent: number | null; jobId?: string }
  | { phase: "done"; file: string }
  | { phase: "failed"; reason: string };

const POLL_MS = 800;

/** The export menu of a project, focus group, survey or persona page. A project
 * report (PDF, DOCX, Markdown) is built as a job with progress, then downloaded;
 * everything else downloads at once. */
export function ExportMenu({ kind, id }: { kind: ExportKind; id: string }) {
  const { t } = useI18n();
  const api = useApi();
  const exportsApi = useMemo(() => createExportsApi(api), [api]);
  const [state, setState] = useState<State>({ phase: "idle" });
  const [full, setFull] = useState(false);
  const menu = useRef<HTMLDetailsElement>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const failed = (error: unknown) => {
    if (alive.current) setState({ phase: "failed", reason: describeError(error, t).join(" ") });
  };

  async function viaJob(format: ExportFormat) {
    const { job_id } = await exportsApi.startProjectReport(id, format, full);
    setState({ phase: "working", format, percent: 0, jobId: job_id });
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!alive.current) return;
      const job = await exportsApi.job(job_id);
      if (job.status === "succeeded" && job.result?.download_url) {
        const { blob, filename } = await exportsApi.download(job.result.download_url, `report.${format}`);
        saveFile(blob, filename);
        if (alive.current) setState({ phase: "done", file: filename });
        return;
      }
      if (job.status === "failed" || job.status === "cancelled") {
        if (alive.current) setState({ phase: "failed", reason: job.error ?? job.status });
        return;
      }
      if (alive.current) setState({ phase: "working", format, percent: Math.round(job.progress * 100), jobId: job_id });
    }
  }

  async function choose(format: ExportFormat) {
    if (menu.current) menu.current.open = false;
    setState({ phase: "working", format, percent: null });
    try {
      if (kind === "project" && AS_JOB.has(format)) {
        await viaJob(format);
        return;
      }
      const { blob, filename } = await exportsApi.download(exportUrl(kind, id, format, full), `export.${format}`);
      saveFile(blob, filename);
      if (alive.current) setState({ phase: "done", file: filename });
    } catch (error) {
      failed(error);
    }
  }

  const working = state.phase === "working";
  return (
    <div className="ex-menu">
      <details ref={menu} className="ex-dropdown">
        <summary className="button secondary" aria-disabled={working} title={t("ex.menu.hint")}>
          {t("ex.menu")}
        </summary>
        <div className="ex-panel" role="menu">
          {FORMATS[kind].map((format) => (
            <button
              key={format}
              type="button"
              role="menuitem"
              className="ex-item"
              disabled={working}
              onClick={() => void choose(format)}
            >
              {t(`ex.format.${format}` as MessageKey & `ex.format.${string}`)}
            </button>
          ))}
          {kind === "project" && (
            <label className="ex-check">
              <input type="checkbox" checked={full} onChange={(event) => setFull(event.target.checked)} />
              {t("ex.fullPersonas")}
            </label>
          )}
        </div>
      </details>
      <p className="ex-status" role="status" aria-live="polite">
        {state.phase === "working" &&
          (state.percent === null || state.jobId === undefined
            ? t("ex.preparing", { format: state.format.toUpperCase() })
            : t("ex.progress", { percent: state.percent }))}
        {state.phase === "working" && state.jobId !== undefined && (
          <>
            {" "}
            <progress max={100} value={state.percent ?? 0} />{" "}
            <button
              type="button"
              className="link"
              onClick={() => {
                const jobId = state.jobId;
                if (jobId !== undefined) void exportsApi.cancel(jobId);
              }}
            >
              {t("ex.cancel")}
            </button>
          </>
        )}
        {state.phase === "done" && t("ex.ready", { file: state.file })}
        {state.phase === "failed" && <span className="error">{t("ex.failed", { reason: state.reason })}</span>}
      </p>
    </div>
  );
}

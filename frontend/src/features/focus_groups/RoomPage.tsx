import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { describeError } from "../../components/describeError";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { byKey } from "./text";
import { groupKey, groupsKey, transcriptKey, useFocusGroupsApi } from "./api";
import type { FocusGroupDetail } from "./api";
import { StimulusView } from "./StimulusView";
import { GeneratedBy } from "./GeneratedBy";
import { applyRoomEvent, emptyRoom, roomFromTranscript } from "./room";
import type { RoomPhase, RoomState } from "./room";
import { QuestionBlock } from "./Transcript";
import "./focusGroups.css";
import { ExportMenu } from "../exports/ExportMenu";

const LIVE = new Set(["queued", "running"]);

function phaseOf(status: FocusGroupDetail["status"]): RoomPhase {
  return status === "queued" ? "running" : status;
}

/** The live room: the transcript as it is spoken, progress per question, cancel. */
export function RoomPage() {
  const { focusGroupId = "" } = useParams();
  const fg = useFocusGroupsApi();
  const { t, formatNumber } = useI18n();
  const tk = byKey(t);
  const queryClient = useQueryClient();
  const group = useQuery({ queryKey: groupKey(focusGroupId), queryFn: () => fg.get(focusGroupId) });
  const [room, setRoom] = useState<RoomState | null>(null);
  const [streamError, setStreamError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const live = group.data !== undefined && LIVE.has(group.data.status);
  const groupId = group.data?.id;

  useEffect(() => {
    if (group.data === undefined) return;
    const data = group.data;
    const controller = new AbortController();
    abort.current?.abort();
    abort.current = controller;
    // What was said so far, then every event from the start of the stream:
    // applying a replayed event twice changes nothing (see room.ts).
    void fg
      .transcript(data.id)
      .then((transcript) => {
        if (controller.signal.aborted) return;
        setRoom(roomFromTranscript(transcript, phaseOf(data.status)));
        if (!LIVE.has(data.status)) return;
        return fg
          .followRoom(data.id, (event) => setRoom((current) => applyRoomEvent(current ?? emptyRoom(data.questions.map((q) => q.text)), event)), controller.signal)
          .then(() => {
            void queryClient.invalidateQueries({ queryKey: groupKey(data.id) });
            void queryClient.invalidateQueries({ queryKey: transcriptKey(data.id) });
            void queryClient.invalidateQueries({ queryKey: groupsKey(data.project_id) });
          });
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setStreamError(error);
      });
    return () => controller.abort();
    // Restart only when the group changes or starts/stops being live.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [groupId, live]);

  const cancel = useMutation({
    mutationFn: () => fg.cancel(focusGroupId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: groupKey(focusGroupId) }),
  });

  if (group.isPending) return <Loading />;
  if (group.isError) return <ErrorMessage error={group.error} onRetry={() => void group.refetch()} />;
  const data = group.data;
  const phase = room?.phase ?? phaseOf(data.status);
  const running = phase === "running";
  const total = room !== null && room.total > 0 ? room.total : data.timings.answers_expected;
  const done = room !== null && room.total > 0 ? room.done : data.timings.answers_done;
  const generators = new Set((room?.questions ?? []).flatMap((q) => q.turns.map((turn) => turn.generatedBy ?? "")));
  generators.delete("");

  return (
    <div className="fg-room">
      <p>
        <Link to={`/projects/${data.project_id}`}>← {t("fg.room.back")}</Link>
      </p>
      <header className="fg-room-header">
        <h1>{data.name}</h1>
        <ExportMenu kind="focusGroup" id={data.id} />
        <span className={`badge ${phase === "completed" ? "ok" : phase === "failed" ? "failed" : ""}`} data-testid="room-phase">
          {tk(`fg.status.${phase}`)}
        </span>
        <span className="muted">{tk(`fg.mode.${data.mode}`)}</span>
        {[...generators].map((by) => (
          <GeneratedBy key={by} by={by} />
        ))}
      </header>
      {data.stimulus !== null && <StimulusView stimulus={data.stimulus} />}
      <div className="row">
        <div
          className="progress fg-room-progress"
          role="progressbar"
          aria-label={t("fg.room.progressLabel")}
          aria-valuemin={0}
          aria-valuemax={total}
          aria-valuenow={done}
        >
          <div className="progress-fill" style={{ width: `${total > 0 ? Math.round((done / total) * 100) : 0}%` }} />
        </div>
        <span data-testid="room-progress">{t("fg.room.progress", { done, total })}</span>
        {running && (
          <button type="button" className="secondary" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            {t("fg.room.cancel")}
          </button>
        )}
        {!running && data.status !== "pending" && (
          <Link className="button" to={`/focus-groups/${data.id}/analysis`}>
            {t("fg.room.toAnalysis")}
          </Link>
        )}
      </div>
      {data.timings.median_latency_ms !== null && (
        <p className="muted small">
          {t("fg.room.timings", { median: formatNumber(Math.round(data.timings.median_latency_ms)) })}
        </p>
      )}
      {cancel.isError && <ErrorMessage error={cancel.error} />}
      {room?.error != null && (
        <p className="error" role="alert">
          {t("fg.room.failed", { error: room.error })}
        </p>
      )}
      {data.error !== null && room?.error == null && (
        <p className="error" role="alert">
          {t("fg.room.failed", { error: data.error })}
        </p>
      )}
      {streamError !== null && (
        <p className="error" role="alert">
          {t("fg.room.streamLost", { error: describeError(streamError, t).join(" ") })}
        </p>
      )}
      {room === null ? (
        <Loading />
      ) : (
        room.questions.map((q) => <QuestionBlock key={q.index} question={q} highlight={null} live />)
      )}
    </div>
  );
}

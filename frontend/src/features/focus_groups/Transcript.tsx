import { useEffect, useRef } from "react";
import { useI18n } from "../../i18n";
import { segmentLabel } from "./text";
import type { QuestionView, Turn } from "./room";

export interface Highlight {
  responseId: string;
  start: number;
  end: number;
}

function Text({ turn, highlight }: { turn: Turn; highlight: Highlight | null }) {
  if (highlight === null || highlight.responseId !== turn.responseId) return <>{turn.text}</>;
  const { start, end } = highlight;
  return (
    <>
      {turn.text.slice(0, start)}
      <mark>{turn.text.slice(start, end)}</mark>
      {turn.text.slice(end)}
    </>
  );
}

export function TurnView({ turn, highlight }: { turn: Turn; highlight: Highlight | null }) {
  const { t, locale } = useI18n();
  const ref = useRef<HTMLLIElement>(null);
  const lit = highlight !== null && highlight.responseId === turn.responseId;
  useEffect(() => {
    if (lit) ref.current?.scrollIntoView?.({ block: "center", behavior: "smooth" });
  }, [lit]);
  const moderator = turn.role === "moderator";
  return (
    <li
      ref={ref}
      id={turn.responseId !== null ? `turn-${turn.responseId}` : undefined}
      className={`fg-turn${moderator ? " moderator" : ""}${lit ? " lit" : ""}${turn.status === "failed" ? " failed" : ""}`}
      data-status={turn.status}
    >
      <div className="fg-turn-head">
        <strong>{moderator ? t("fg.room.moderator") : (turn.personaName ?? t("fg.room.participant"))}</strong>
        {turn.segment !== null && !moderator && (
          <span className="muted small">{segmentLabel(t, locale, turn.segment)}</span>
        )}
        {turn.probe && <span className="badge fg-probe">{t("fg.room.probe")}</span>}
        {turn.round > 0 && !moderator && <span className="muted small">{t("fg.room.followUp")}</span>}
        {turn.status === "speaking" && <span className="fg-speaking">{t("fg.room.speaking")}</span>}
      </div>
      <p className="fg-turn-text">
        {turn.status === "failed" ? (
          <span className="error-text">{t("fg.room.failedTurn", { error: turn.error ?? "" })}</span>
        ) : (
          <Text turn={turn} highlight={highlight} />
        )}
        {turn.status === "speaking" && <span className="fg-caret" aria-hidden="true" />}
      </p>
    </li>
  );
}

export function QuestionBlock({ question, highlight, live }: { question: QuestionView; highlight: Highlight | null; live: boolean }) {
  const { t } = useI18n();
  const planned = Math.max(question.planned, question.answered + question.failed);
  return (
    <section className="fg-question" aria-labelledby={`q-${question.index}`}>
      <h3 id={`q-${question.index}`}>
        <span className="muted">{t("fg.room.question", { n: question.index + 1 })}</span> {question.text}
      </h3>
      {live && (
        <p className="fg-question-progress" data-testid={`question-progress-${question.index}`}>
          {question.done
            ? t("fg.room.questionDone", { answered: question.answered, failed: question.failed })
            : planned > 0
              ? t("fg.room.questionProgress", { answered: question.answered, planned })
              : t("fg.room.questionWaiting")}
        </p>
      )}
      <ol className="fg-turns" aria-live={live ? "polite" : "off"}>
        {question.turns.map((turn) => (
          <TurnView key={turn.key} turn={turn} highlight={highlight} />
        ))}
      </ol>
    </section>
  );
}

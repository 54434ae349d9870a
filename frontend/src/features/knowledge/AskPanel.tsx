import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { useKnowledgeApi } from "./api";
import type { Citation } from "./api";
import { PageLabel } from "./PassageDialog";
import type { PassageRef } from "./PassageDialog";
import { Snippet } from "./snippet";

/** "… fee. [2] You may …" → text and citation markers, in order. */
export function splitAnswer(answer: string): (string | number)[] {
  const parts: (string | number)[] = [];
  let last = 0;
  for (const match of answer.matchAll(/\[(\d+)\]/g)) {
    if (match.index > last) parts.push(answer.slice(last, match.index));
    parts.push(Number(match[1]));
    last = match.index + match[0].length;
  }
  if (last < answer.length) parts.push(answer.slice(last));
  return parts;
}

const toPassage = (citation: Citation): PassageRef => ({
  documentId: citation.document_id,
  chunkId: citation.chunk_id,
  title: citation.document_title,
  page: citation.page,
  pageEnd: citation.page_end,
});

export function AskPanel({ projectId, onOpen }: { projectId: string; onOpen: (passage: PassageRef) => void }) {
  const { t } = useI18n();
  const knowledge = useKnowledgeApi();
  const [question, setQuestion] = useState("");
  const ask = useMutation({ mutationFn: (text: string) => knowledge.ask(projectId, text) });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (question.trim() !== "") ask.mutate(question.trim());
  };
  const data = ask.data;
  const byNumber = new Map((data?.citations ?? []).map((citation) => [citation.number, citation]));

  return (
    <section className="panel" aria-labelledby="ask-title">
      <header className="panel-header">
        <h2 id="ask-title">{t("knowledge.ask.title")}</h2>
      </header>
      <form className="stack" onSubmit={onSubmit}>
        <label>
          <span>{t("knowledge.ask.question")}</span>
          <textarea
            rows={2}
            value={question}
            maxLength={2000}
            placeholder={t("knowledge.ask.placeholder")}
            onChange={(event) => setQuestion(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
        </label>
        <div className="row">
          <button type="submit" disabled={ask.isPending || question.trim() === ""}>
            {t(ask.isPending ? "knowledge.ask.asking" : "knowledge.ask.submit")}
          </button>
        </div>
      </form>
      {ask.isError && <ErrorMessage error={ask.error} />}
      {data !== undefined && (
        <article className="answer" aria-live="polite" data-testid="answer" data-found={String(data.found)}>
          <h3>{data.found ? t("knowledge.ask.answer") : t("knowledge.ask.notFound")}</h3>
          <p className="answer-text">
            {splitAnswer(data.answer).map((part, index) => {
              if (typeof part === "string") return <span key={index}>{part}</span>;
              const citation = byNumber.get(part);
              if (citation === undefined) return <span key={index}>[{part}]</span>;
              return (
                <button
                  key={index}
                  type="button"
                  className="cite"
                  aria-label={t("knowledge.ask.citation", { number: part })}
                  onClick={() => onOpen(toPassage(citation))}
                >
                  {part}
                </button>
              );
            })}
          </p>
          {data.generated_by === "offline-engine" && <p className="muted small">{t("knowledge.ask.offline")}</p>}
          {data.citations.length > 0 && (
            <>
              <h3>{t("knowledge.ask.sources")}</h3>
              <ol className="citations">
                {data.citations.map((citation) => (
                  <li key={citation.number} value={citation.number} data-testid="citation">
                    <div className="result-head">
                      <strong>{citation.document_title}</strong>
                      <PageLabel page={citation.page} pageEnd={citation.page_end} />
                    </div>
                    <Snippet html={citation.snippet} />
                    <button type="button" className="link-button" onClick={() => onOpen(toPassage(citation))}>
                      {t("knowledge.openPassage")}
                    </button>
                  </li>
                ))}
              </ol>
            </>
          )}
        </article>
      )}
    </section>
  );
}

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import { describeError } from "../../components/describeError";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { chatKey, eventData, useFocusGroupsApi } from "./api";
import type { ChatMessage } from "./api";
import { GeneratedBy } from "./GeneratedBy";
import "./focusGroups.css";

/** Interview a participant after the groups: its reply streams in, in character,
 *  consistent with what it said; the conversation is kept. */
export function InterviewPanel({ personaId, personaName }: { personaId: string; personaName: string }) {
  const { t } = useI18n();
  const fg = useFocusGroupsApi();
  const queryClient = useQueryClient();
  const history = useQuery({ queryKey: chatKey(personaId), queryFn: () => fg.chatHistory(personaId) });
  const [draft, setDraft] = useState("");
  const [pending, setPending] = useState<ChatMessage | null>(null);
  const [reply, setReply] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const send = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const message = draft.trim();
    if (message === "" || reply !== null) return;
    const controller = new AbortController();
    abort.current = controller;
    setError(null);
    setReply("");
    setDraft("");
    void fg
      .chat(
        personaId,
        message,
        (sse) => {
          const data = eventData(sse);
          if (data === null) return;
          if (sse.event === "message") setPending(data["message"] as ChatMessage);
          if (sse.event === "text_delta" && typeof data["text"] === "string") {
            const text = data["text"];
            setReply((current) => (current ?? "") + text);
          }
          if (sse.event === "error" && typeof data["detail"] === "string") setError(new Error(data["detail"]));
        },
        controller.signal,
      )
      .catch((caught: unknown) => {
        if (!controller.signal.aborted) setError(caught);
      })
      .finally(() => {
        void queryClient.invalidateQueries({ queryKey: chatKey(personaId) }).then(() => {
          setPending(null);
          setReply(null);
        });
      });
  };

  const messages = history.data?.messages ?? [];
  const shown = pending !== null && !messages.some((m) => m.id === pending.id) ? [...messages, pending] : messages;
  return (
    <section className="panel fg-interview" aria-labelledby="fg-interview-title">
      <h2 id="fg-interview-title">{t("fg.interview.title", { name: personaName })}</h2>
      <p className="muted small">{t("fg.interview.hint")}</p>
      {history.isError && <ErrorMessage error={history.error} />}
      <ol className="fg-chat" aria-live="polite">
        {shown.map((m) => (
          <li key={m.id} className={`fg-chat-message ${m.role}`}>
            <strong>{m.role === "user" ? t("fg.interview.you") : personaName}</strong> <GeneratedBy by={m.generated_by} />
            <p>{m.content}</p>
          </li>
        ))}
        {reply !== null && (
          <li className="fg-chat-message persona" data-testid="fg-reply">
            <strong>{personaName}</strong>
            <p>
              {reply}
              <span className="fg-caret" aria-hidden="true" />
            </p>
          </li>
        )}
      </ol>
      {error !== null && (
        <p className="error" role="alert">
          {describeError(error, t).join(" ")}
        </p>
      )}
      <form className="row" onSubmit={send}>
        <label className="fg-grow">
          <span className="visually-hidden">{t("fg.interview.label")}</span>
          <input
            value={draft}
            maxLength={4000}
            placeholder={t("fg.interview.placeholder")}
            onChange={(event) => setDraft(event.target.value)}
          />
        </label>
        <button type="submit" disabled={reply !== null || draft.trim() === ""}>
          {t(reply !== null ? "fg.interview.answering" : "fg.interview.send")}
        </button>
      </form>
    </section>
  );
}

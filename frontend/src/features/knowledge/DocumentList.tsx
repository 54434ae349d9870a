import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n";
import { documentsKey, graphKey, useKnowledgeApi } from "./api";
import type { KnowledgeDocument } from "./api";

const STATUSES = ["queued", "processing", "ready", "failed", "waiting"];
const MEDIA = ["pdf", "docx", "markdown", "html", "text"];
const BUSY = new Set(["queued", "processing", "waiting"]);

export function useDocuments(projectId: string) {
  const knowledge = useKnowledgeApi();
  return useQuery({
    queryKey: documentsKey(projectId),
    queryFn: () => knowledge.listDocuments(projectId),
    // Documents being read change on their own: look again while any is busy.
    refetchInterval: (query) => (query.state.data?.items.some((d) => BUSY.has(d.status)) === true ? 2000 : false),
  });
}

function ConfirmDelete({
  document,
  onConfirm,
  onCancel,
  pending,
}: {
  document: KnowledgeDocument;
  onConfirm: () => void;
  onCancel: () => void;
  pending: boolean;
}) {
  const { t } = useI18n();
  const titleId = `confirm-${document.id}`;
  return (
    <div className="confirm" role="alertdialog" aria-labelledby={titleId} aria-describedby={`${titleId}-text`}>
      <p id={titleId}>
        <strong>{t("knowledge.documents.confirmTitle", { title: document.title })}</strong>
      </p>
      <p id={`${titleId}-text`} className="muted">
        {t("knowledge.documents.confirmText")}
      </p>
      <div className="row">
        <button type="button" className="danger" disabled={pending} onClick={onConfirm}>
          {t(pending ? "knowledge.documents.deleting" : "knowledge.documents.confirm")}
        </button>
        <button type="button" className="secondary" disabled={pending} onClick={onCancel} autoFocus>
          {t("knowledge.documents.keep")}
        </button>
      </div>
    </div>
  );
}

export function DocumentList({ projectId }: { projectId: string }) {
  const { t, formatNumber } = useI18n();
  const knowledge = useKnowledgeApi();
  const queryClient = useQueryClient();
  const documents = useDocuments(projectId);
  const [confirming, setConfirming] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (documentId: string) => knowledge.deleteDocument(projectId, documentId),
    onSuccess: () => {
      setConfirming(null);
      void queryClient.invalidateQueries({ queryKey: documentsKey(projectId) });
      void queryClient.invalidateQueries({ queryKey: graphKey(projectId) });
    },
  });
  const translate = (key: string) => (t as (k: MessageKey) => string)(key as MessageKey);
  const statusLabel = (status: string) => (STATUSES.includes(status) ? translate(`knowledge.status.${status}`) : status);
  const mediaLabel = (media: string) => (MEDIA.includes(media) ? translate(`knowledge.media.${media}`) : media);
  const stageLabel = (stage: string | null) =>
    stage === "parsing" || stage === "embedding" || stage === "extracting" ? t(`knowledge.stage.${stage}`) : null;

  const page = documents.data;
  return (
    <section className="panel" aria-labelledby="documents-title">
      <header className="panel-header">
        <h2 id="documents-title">{t("knowledge.documents.title")}</h2>
        {page !== undefined && <span className="muted">{t("knowledge.documents.count", { count: page.total })}</span>}
      </header>
      {documents.isPending && <Loading />}
      {documents.isError && <ErrorMessage error={documents.error} onRetry={() => void documents.refetch()} />}
      {page?.total === 0 && <p className="muted">{t("knowledge.documents.empty")}</p>}
      {page !== undefined && page.items.length > 0 && (
        <ul className="documents">
          {page.items.map((document) => {
            const stage = stageLabel(document.stage);
            return (
              <li key={document.id} className="document" data-testid="document-row" data-status={document.status}>
                <div className="document-main">
                  <strong className="document-title" title={document.filename}>
                    {document.title}
                  </strong>
                  <span className="muted">
                    {mediaLabel(document.media_type)} ·{" "}
                    {t("knowledge.documents.size", { size: formatNumber(document.size_bytes / 1024) })}
                    {document.language !== null && <> · {t("knowledge.documents.language", { language: document.language })}</>}
                  </span>
                </div>
                <dl className="document-facts">
                  <div>
                    <dt>{t("knowledge.column.status")}</dt>
                    <dd>
                      <span
                        className={`badge ${document.status === "ready" ? "ok" : document.status === "failed" ? "failed" : ""}`}
                        data-testid="document-status"
                      >
                        {statusLabel(document.status)}
                      </span>
                      {stage !== null && document.status === "processing" && <span className="muted"> {stage}</span>}
                    </dd>
                  </div>
                  <div>
                    <dt>{t("knowledge.column.pages")}</dt>
                    <dd className="num">{document.pages ?? t("knowledge.documents.noPages")}</dd>
                  </div>
                  <div>
                    <dt>{t("knowledge.column.chunks")}</dt>
                    <dd className="num" data-testid="document-chunks">
                      {document.chunk_count}
                    </dd>
                  </div>
                  <div>
                    <dt>{t("knowledge.column.entities")}</dt>
                    <dd className="num">{document.entity_count}</dd>
                  </div>
                </dl>
                <div className="document-actions">
                  {confirming !== document.id && (
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`${t("knowledge.documents.delete")}: ${document.title}`}
                      onClick={() => {
                        remove.reset();
                        setConfirming(document.id);
                      }}
                    >
                      {t("knowledge.documents.delete")}
                    </button>
                  )}
                </div>
                {document.error !== null && document.error !== "" && (
                  <p className={document.status === "failed" ? "error" : "muted"} role={document.status === "failed" ? "alert" : undefined}>
                    {document.error}
                  </p>
                )}
                {confirming === document.id && (
                  <ConfirmDelete
                    document={document}
                    pending={remove.isPending}
                    onConfirm={() => remove.mutate(document.id)}
                    onCancel={() => setConfirming(null)}
                  />
                )}
                {confirming === document.id && remove.isError && <ErrorMessage error={remove.error} />}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

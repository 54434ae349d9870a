import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { useKnowledgeApi } from "./api";
import { useDocuments } from "./DocumentList";

export interface PassageRef {
  documentId: string;
  chunkId: string;
  title: string;
  page: number | null;
  pageEnd: number | null;
}

export function PageLabel({ page, pageEnd }: { page: number | null; pageEnd: number | null }) {
  const { t } = useI18n();
  if (page === null) return null;
  return (
    <span className="muted page-ref">
      {pageEnd !== null && pageEnd !== page ? t("knowledge.pages", { from: page, to: pageEnd }) : t("knowledge.page", { page })}
    </span>
  );
}

/** The cited chunk with one neighbour either side, over the page. */
export function PassageDialog({
  projectId,
  passage,
  onClose,
}: {
  projectId: string;
  passage: PassageRef;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const knowledge = useKnowledgeApi();
  const documents = useDocuments(projectId);
  const chunkCount = documents.data?.items.find((d) => d.id === passage.documentId)?.chunk_count;
  const close = useRef<HTMLButtonElement>(null);
  const target = useRef<HTMLDivElement>(null);
  const found = useQuery({
    queryKey: ["projects", projectId, "passage", passage.chunkId],
    queryFn: () => knowledge.passage(projectId, passage.documentId, passage.chunkId, chunkCount ?? 0),
    enabled: documents.data !== undefined,
    staleTime: 60_000,
  });

  useEffect(() => {
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  useEffect(() => {
    target.current?.scrollIntoView({ block: "nearest" });
  }, [found.data]);

  return (
    <div className="overlay" onClick={onClose}>
      <div
        className="dialog panel"
        role="dialog"
        aria-modal="true"
        aria-labelledby="passage-title"
        onClick={(event) => event.stopPropagation()}
      >
        <header className="panel-header">
          <h2 id="passage-title">{t("knowledge.passage.title", { title: passage.title })}</h2>
          <button ref={close} type="button" className="secondary" onClick={onClose}>
            {t("knowledge.passage.close")}
          </button>
        </header>
        <PageLabel page={passage.page} pageEnd={passage.pageEnd} />
        {(found.isPending || documents.isPending) && <p className="muted">{t("knowledge.passage.loading")}</p>}
        {found.isError && <ErrorMessage error={found.error} onRetry={() => void found.refetch()} />}
        {found.data === null && <p className="muted">{t("knowledge.passage.missing")}</p>}
        {found.data != null && (
          <div className="passage" data-testid="passage">
            {found.data.chunks.map((chunk, index) => (
              <div
                key={chunk.chunk_id}
                ref={index === found.data?.target ? target : undefined}
                className={index === found.data?.target ? "passage-chunk cited" : "passage-chunk"}
                aria-current={index === found.data?.target ? "true" : undefined}
              >
                {index === found.data?.target && <span className="badge">{t("knowledge.passage.cited")}</span>}
                {chunk.heading !== "" && <h3>{chunk.heading}</h3>}
                <PageLabel page={chunk.page} pageEnd={chunk.page_end} />
                {chunk.text.split(/\n{2,}/).map((paragraph, p) => (
                  <p key={p}>{paragraph}</p>
                ))}
              </div>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

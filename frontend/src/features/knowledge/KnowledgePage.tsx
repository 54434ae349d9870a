import { useQuery } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useApi } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { AskPanel } from "./AskPanel";
import { DocumentList, useDocuments } from "./DocumentList";
import { GraphPanel } from "./GraphPanel";
import { PassageDialog } from "./PassageDialog";
import type { PassageRef } from "./PassageDialog";
import { SearchPanel } from "./SearchPanel";
import { UploadPanel } from "./UploadPanel";

const TABS = ["documents", "search", "ask", "graph"] as const;
type Tab = (typeof TABS)[number];

const isTab = (value: string | null): value is Tab => value !== null && (TABS as readonly string[]).includes(value);

/** /projects/:projectId/knowledge?tab=documents|search|ask|graph */
export function KnowledgePage() {
  const { projectId = "" } = useParams();
  const { t } = useI18n();
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const tabParam = params.get("tab");
  const tab: Tab = isTab(tabParam) ? tabParam : "documents";
  const [passage, setPassage] = useState<PassageRef | null>(null);
  const closePassage = useCallback(() => setPassage(null), []);
  const project = useQuery({ queryKey: ["projects", projectId], queryFn: () => api.getProject(projectId) });

  if (project.isPending) return <Loading />;
  if (project.isError) return <ErrorMessage error={project.error} onRetry={() => void project.refetch()} />;

  const select = (next: Tab) => {
    const search = new URLSearchParams(params);
    if (next === "documents") search.delete("tab");
    else search.set("tab", next);
    setParams(search, { replace: true });
  };

  return (
    <div className="knowledge">
      <p>
        <Link to={`/projects/${projectId}`}>← {t("knowledge.back")}</Link>
      </p>
      <h1>
        {t("knowledge.title")} <span className="muted title-sub">· {project.data.name}</span>
      </h1>
      <nav className="tabs" aria-label={t("knowledge.tabs")}>
        {TABS.map((value) => (
          <button
            key={value}
            type="button"
            className={value === tab ? "tab active" : "tab"}
            aria-current={value === tab ? "page" : undefined}
            onClick={() => select(value)}
          >
            {t(`knowledge.tab.${value}`)}
          </button>
        ))}
      </nav>
      <div className="stack">
        {tab === "documents" && (
          <>
            <UploadPanel projectId={projectId} />
            <DocumentList projectId={projectId} />
          </>
        )}
        {tab === "search" && <SearchPanel projectId={projectId} onOpen={setPassage} />}
        {tab === "ask" && <AskPanel projectId={projectId} onOpen={setPassage} />}
        {tab === "graph" && <GraphPanel projectId={projectId} onOpen={setPassage} />}
      </div>
      {passage !== null && <PassageDialog projectId={projectId} passage={passage} onClose={closePassage} />}
    </div>
  );
}

/** The project page's entry to the knowledge base. */
export function KnowledgeProjectPanel({ projectId }: { projectId: string }) {
  const { t } = useI18n();
  const documents = useDocuments(projectId);
  return (
    <section className="panel" aria-labelledby="knowledge-panel-title">
      <header className="panel-header">
        <h2 id="knowledge-panel-title">{t("knowledge.title")}</h2>
        <Link to={`/projects/${projectId}/knowledge`} className="button-link">
          {t("knowledge.open")}
        </Link>
      </header>
      {documents.isError && <ErrorMessage error={documents.error} />}
      {documents.data !== undefined && (
        <p className="muted">{t("knowledge.projectPanel", { count: documents.data.total })}</p>
      )}
    </section>
  );
}

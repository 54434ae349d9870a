import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api";
import { useI18n } from "../i18n";
import { ErrorMessage } from "./ErrorMessage";
import { Loading } from "./Loading";

export const PROJECTS_QUERY_KEY = ["projects", "list"] as const;

export function ProjectList() {
  const api = useApi();
  const { t, formatDate } = useI18n();
  const projects = useQuery({ queryKey: PROJECTS_QUERY_KEY, queryFn: api.listProjects });

  return (
    <section className="panel" aria-labelledby="projects-title">
      <header className="panel-header">
        <h2 id="projects-title">{t("home.projects.title")}</h2>
        {projects.data !== undefined && projects.data.length > 0 && (
          <span className="muted">{t("home.projects.count", { count: projects.data.length })}</span>
        )}
      </header>
      {projects.isPending && <Loading />}
      {projects.isError && <ErrorMessage error={projects.error} onRetry={() => void projects.refetch()} />}
      {projects.data?.length === 0 && (
        <div className="empty">
          <p>{t("home.projects.empty")}</p>
          <p className="muted">{t("home.projects.emptyHint")}</p>
        </div>
      )}
      {projects.data !== undefined && projects.data.length > 0 && (
        <ul className="projects">
          {projects.data.map((project) => (
            <li key={project.id}>
              <strong>{project.name}</strong>
              {project.description != null && project.description !== "" && <p>{project.description}</p>}
              <span className="muted">{t("home.projects.created", { date: formatDate(project.created_at) })}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

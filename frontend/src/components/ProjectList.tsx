import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useApi } from "../api";
import { useI18n } from "../i18n";
import { ErrorMessage } from "./ErrorMessage";
import { Loading } from "./Loading";

export const PROJECTS_QUERY_KEY = ["projects", "list"] as const;

export function ProjectList({ title, footer }: { title?: string; footer?: ReactNode }) {
  const api = useApi();
  const { t, formatDate } = useI18n();
  const projects = useQuery({ queryKey: PROJECTS_QUERY_KEY, queryFn: () => api.listProjects() });
  const items = projects.data?.items;

  return (
    <section className="panel" aria-labelledby="projects-title">
      <header className="panel-header">
        <h2 id="projects-title">{title ?? t("home.projects.title")}</h2>
        {projects.data !== undefined && projects.data.total > 0 && (
          <span className="muted">{t("home.projects.count", { count: projects.data.total })}</span>
        )}
      </header>
      {projects.isPending && <Loading />}
      {projects.isError && <ErrorMessage error={projects.error} onRetry={() => void projects.refetch()} />}
      {items?.length === 0 && (
        <div className="empty">
          <p>{t("home.projects.empty")}</p>
          <p className="muted">{t("home.projects.emptyHint")}</p>
        </div>
      )}
      {items !== undefined && items.length > 0 && (
        <ul className="projects">
          {items.map((project) => (
            <li key={project.id}>
              <Link to={`/projects/${project.id}`}>
                <strong>{project.name}</strong>
              </Link>
              {project.team_id != null && <span className="badge small role-member">{t("teams.badge.shared")}</span>}
              {project.access === "read" && <span className="badge small role-viewer">{t("teams.badge.readOnly")}</span>}
              {project.research_goal !== "" && <p>{project.research_goal}</p>}
              {project.research_goal === "" && project.description !== "" && <p>{project.description}</p>}
              <span className="muted">
                {t("home.projects.created", { date: formatDate(project.created_at) })} ·{" "}
                {t("projects.sampleSize", { count: project.target_sample_size })}
              </span>
            </li>
          ))}
        </ul>
      )}
      {footer}
    </section>
  );
}

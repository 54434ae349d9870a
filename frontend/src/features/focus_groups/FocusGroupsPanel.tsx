import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { Project } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { byKey } from "./text";
import { groupsKey, useFocusGroupsApi } from "./api";
import { Builder } from "./Builder";
import "./focusGroups.css";

/** The project page's focus groups: the list, and the builder for a new one. */
export function FocusGroupsPanel({ project }: { project: Project }) {
  const { t, formatDate } = useI18n();
  const tk = byKey(t);
  const fg = useFocusGroupsApi();
  const [building, setBuilding] = useState(false);
  const groups = useQuery({ queryKey: groupsKey(project.id), queryFn: () => fg.list(project.id) });

  return (
    <section className="panel" aria-labelledby="fg-panel-title">
      <header className="panel-header">
        <h2 id="fg-panel-title">{t("fg.panel.title")}</h2>
        {!building && (
          <button type="button" onClick={() => setBuilding(true)}>
            {t("fg.panel.new")}
          </button>
        )}
      </header>
      {building && <Builder project={project} onClose={() => setBuilding(false)} />}
      {groups.isError && <ErrorMessage error={groups.error} onRetry={() => void groups.refetch()} />}
      {groups.data !== undefined && groups.data.items.length === 0 && !building && (
        <p className="muted">{t("fg.panel.empty")}</p>
      )}
      {groups.data !== undefined && groups.data.items.length > 0 && (
        <ul className="fg-list">
          {groups.data.items.map((group) => (
            <li key={group.id}>
              <Link to={`/focus-groups/${group.id}`}>{group.name}</Link>{" "}
              <span className={`badge ${group.status === "completed" ? "ok" : group.status === "failed" ? "failed" : ""}`}>
                {tk(`fg.status.${group.status === "queued" ? "running" : group.status}`)}
              </span>{" "}
              <span className="muted small">
                {t("fg.panel.meta", {
                  personas: group.persona_ids.length,
                  questions: group.questions.length,
                  mode: tk(`fg.mode.${group.mode}`),
                  date: formatDate(group.created_at),
                })}
              </span>
              {group.status === "completed" && (
                <>
                  {" · "}
                  <Link to={`/focus-groups/${group.id}/analysis`}>{t("fg.panel.analysis")}</Link>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { Project } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { byKey } from "../focus_groups/text";
import { surveysKey, useSurveysApi } from "./api";
import { Builder } from "./Builder";
import "./surveys.css";

/** The project page's surveys: the list, and the builder for a new one. */
export function SurveysPanel({ project }: { project: Project }) {
  const { t, formatDate } = useI18n();
  const tk = byKey(t);
  const surveys = useSurveysApi();
  const [building, setBuilding] = useState(false);
  const list = useQuery({ queryKey: surveysKey(project.id), queryFn: () => surveys.list(project.id) });

  return (
    <section className="panel" aria-labelledby="sv-panel-title">
      <header className="panel-header">
        <h2 id="sv-panel-title">{t("sv.panel.title")}</h2>
        {!building && (
          <button type="button" onClick={() => setBuilding(true)}>
            {t("sv.panel.new")}
          </button>
        )}
      </header>
      {building && <Builder project={project} onClose={() => setBuilding(false)} />}
      {list.isError && <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />}
      {list.data !== undefined && list.data.items.length === 0 && !building && <p className="muted">{t("sv.panel.empty")}</p>}
      {list.data !== undefined && list.data.items.length > 0 && (
        <ul className="sv-list">
          {list.data.items.map((s) => (
            <li key={s.id}>
              <Link to={`/surveys/${s.id}`}>{s.title}</Link>{" "}
              <span className={`badge ${s.status === "completed" ? "ok" : s.status === "failed" ? "failed" : ""}`}>
                {tk(`sv.status.${s.status}`)}
              </span>{" "}
              <span className="muted small">
                {t("sv.panel.meta", { questions: s.questions.length, answered: s.answered, date: formatDate(s.created_at) })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

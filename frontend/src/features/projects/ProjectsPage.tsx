import { useNavigate } from "react-router";
import { ProjectList } from "../../components/ProjectList";
import { useI18n } from "../../i18n";
import { ProjectForm } from "./ProjectForm";

export function CreateProjectForm() {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <section className="panel" aria-labelledby="new-project" id="new-project-panel">
      <header className="panel-header">
        <h2 id="new-project">{t("projects.create.title")}</h2>
      </header>
      <ProjectForm onSaved={(project) => void navigate(`/projects/${project.id}`)} />
    </section>
  );
}

export function ProjectsPage() {
  const { t } = useI18n();
  return (
    <div>
      <h1>{t("projects.title")}</h1>
      <div className="columns">
        <ProjectList title={t("projects.list.title")} />
        <CreateProjectForm />
      </div>
    </div>
  );
}

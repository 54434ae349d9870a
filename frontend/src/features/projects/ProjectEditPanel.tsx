import { useState } from "react";
import type { Project } from "../../api";
import { useI18n } from "../../i18n";
import { ProjectForm } from "./ProjectForm";

/** The project's description, goal and target audience, editable in place. */
export function ProjectEditPanel({ project }: { project: Project }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <section className="panel" aria-labelledby="edit-project-title">
      <header className="panel-header">
        <h2 id="edit-project-title">{t("projectEdit.title")}</h2>
        <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen((value) => !value)}>
          {t(open ? "projectEdit.cancel" : "projectEdit.open")}
        </button>
      </header>
      {open && (
        <>
          <p className="muted">{t("projectEdit.noteExisting")}</p>
          <ProjectForm project={project} onSaved={() => {}} />
        </>
      )}
    </section>
  );
}

import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useApi } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { KnowledgeProjectPanel } from "../knowledge/KnowledgePage";
import { GeneratePanel } from "./GeneratePanel";
import { ProjectEditPanel } from "./ProjectEditPanel";
import { PersonasTable } from "../personas/PersonasTable";
import { SummaryPanel } from "./SummaryPanel";
import { SurveysPanel } from "../surveys/SurveysPanel";
import { FocusGroupsPanel } from "../focus_groups/FocusGroupsPanel";
import { FidelityPanel } from "../fidelity/FidelityPanel";
import { ExportMenu } from "../exports/ExportMenu";

export function ProjectPage() {
  const { projectId = "" } = useParams();
  const api = useApi();
  const { t, formatDate } = useI18n();
  const project = useQuery({ queryKey: ["projects", projectId], queryFn: () => api.getProject(projectId) });

  if (project.isPending) return <Loading />;
  if (project.isError) return <ErrorMessage error={project.error} onRetry={() => void project.refetch()} />;
  const data = project.data;
  const language = data.language === "en" || data.language === "pl" ? t(`projects.language.${data.language}`) : data.language;
  const country = data.country === "us" || data.country === "pl" ? t(`projects.country.${data.country}`) : data.country;

  return (
    <div className="project">
      <p>
        <Link to="/projects">← {t("project.back")}</Link>
      </p>
      <h1>{data.name}</h1>
      <ExportMenu kind="project" id={data.id} />
      <p className="muted">{t("project.meta", { language, country, date: formatDate(data.created_at) })}</p>
      {data.description !== "" && <p className="project-description">{data.description}</p>}
      {data.research_goal !== "" && (
        <p>
          <strong>{t("project.researchGoal")}:</strong> {data.research_goal}
        </p>
      )}
      <div className="stack">
        <ProjectEditPanel project={data} />
        <KnowledgeProjectPanel projectId={data.id} />
        <GeneratePanel key={data.id} project={data} />
        <PersonasTable projectId={data.id} country={data.country} />
        <SummaryPanel projectId={data.id} country={data.country} />
        <SurveysPanel project={data} />
        <FocusGroupsPanel project={data} />
        <FidelityPanel project={data} />
      </div>
    </div>
  );
}

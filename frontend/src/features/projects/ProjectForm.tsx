import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import createClient from "openapi-fetch";
import { toApiError, useApi } from "../../api";
import type { Project, ValidationIssue } from "../../api";
import type { paths } from "../../api/schema";
import type { Dimension } from "../../components/demographicLabels";
import { ErrorMessage } from "../../components/ErrorMessage";
import { PROJECTS_QUERY_KEY } from "../../components/ProjectList";
import { useI18n } from "../../i18n";
import { TeamPicker } from "../teams/TeamPicker";
import { useCensus } from "./census";
import { issuesByField } from "./fieldErrors";
import { CensusPresets, TargetEditor } from "./TargetEditor";
import { emptyTarget, fromProject, toPayload } from "./targetModel";
import type { TargetState } from "./targetModel";

const FIELDS = [
  "name",
  "description",
  "research_goal",
  "language",
  "country",
  "target_sample_size",
  "target_demographics.age_group",
  "target_demographics.gender",
  "target_demographics.location",
  "target_demographics.urban_rural",
  "target_demographics.education",
  "target_demographics.income",
  "target_demographics",
  "team_id",
] as const;
type Field = (typeof FIELDS)[number];

interface Values {
  name: string;
  description: string;
  research_goal: string;
  language: "pl" | "en";
  country: "pl" | "us";
  target_sample_size: string;
}

function FieldIssues({ id, issues }: { id: string; issues: ValidationIssue[] | undefined }) {
  const { t } = useI18n();
  if (issues === undefined || issues.length === 0) return null;
  return (
    <ul id={id} className="field-error" role="alert">
      {issues.map((issue, index) => (
        <li key={index}>
          {issue.msg}
          {issue.allowed !== undefined && issue.allowed.length > 0 && (
            <span className="muted"> {t("projects.create.allowed", { values: issue.allowed.join(", ") })}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

function useProjectWrite() {
  const api = useApi();
  const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
  return {
    create: api.createProject,
    async update(projectId: string, body: paths["/api/v1/projects/{project_id}"]["patch"]["requestBody"]["content"]["application/json"]) {
      const { data, error, response } = await client.PATCH("/api/v1/projects/{project_id}", {
        params: { path: { project_id: projectId } },
        body,
      });
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
  };
}

/**
 * Creates a project, or edits one (`project` given): name, description, research goal,
 * language, country, sample size and the whole target audience.
 */
export function ProjectForm({ project, onSaved }: { project?: Project; onSaved: (project: Project) => void }) {
  const { t } = useI18n();
  const write = useProjectWrite();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>({
    name: project?.name ?? "",
    description: project?.description ?? "",
    research_goal: project?.research_goal ?? "",
    language: project?.language === "en" ? "en" : "pl",
    country: project?.country === "us" ? "us" : "pl",
    target_sample_size: String(project?.target_sample_size ?? 20),
  });
  const census = useCensus(values.country, project !== undefined && project.country === values.country ? project.id : undefined);
  const [target, setTarget] = useState<TargetState | null>(null);
  const [teamId, setTeamId] = useState<string | null>(project?.team_id ?? null);
  // Moving a project between teams needs the admin right on it (owner, team owner).
  const canMove = project === undefined || project.access === "admin";
  const loadedTarget =
    target ??
    (project !== undefined && census.data !== undefined ? fromProject(project.target_distribution, census.data) : emptyTarget());

  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name: values.name.trim(),
        description: values.description.trim(),
        research_goal: values.research_goal.trim(),
        language: values.language,
        country: values.country,
        target_sample_size: Number(values.target_sample_size),
        target_demographics: toPayload(loadedTarget, census.data ?? null),
      };
      if (project === undefined) return write.create({ ...body, team_id: teamId });
      return write.update(project.id, canMove && teamId !== project.team_id ? { ...body, team_id: teamId } : body);
    },
    onSuccess: async (saved) => {
      queryClient.setQueryData(["projects", saved.id], saved);
      await queryClient.invalidateQueries({ queryKey: PROJECTS_QUERY_KEY });
      setTarget(null);
      onSaved(saved);
    },
  });
  const { byField, other } = issuesByField(save.error, FIELDS);
  const issues = (field: Field) => byField.get(field);
  const described = (field: Field) =>
    byField.has(field) ? { "aria-describedby": `error-${field}`, "aria-invalid": true } : {};
  const set = <K extends keyof Values>(key: K, value: Values[K]) => setValues((previous) => ({ ...previous, [key]: value }));
  const setCountry = (country: "pl" | "us") => {
    if (country === values.country) return;
    set("country", country);
    setTarget(emptyTarget()); // categories differ per country
  };
  const sampleSize = Math.max(0, Math.min(5000, Math.floor(Number(values.target_sample_size) || 0)));
  const prefix = project === undefined ? "new" : "edit";

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <form onSubmit={onSubmit} className="stack project-form" noValidate>
      <label>
        <span>{t("projects.create.name")}</span>
        <input
          name="name"
          type="text"
          required
          maxLength={200}
          value={values.name}
          onChange={(event) => set("name", event.target.value)}
          {...described("name")}
        />
      </label>
      <FieldIssues id="error-name" issues={issues("name")} />
      <label>
        <span>{t("projects.create.researchGoal")}</span>
        <textarea
          name="research_goal"
          rows={3}
          value={values.research_goal}
          onChange={(event) => set("research_goal", event.target.value)}
          {...described("research_goal")}
        />
      </label>
      <FieldIssues id="error-research_goal" issues={issues("research_goal")} />
      <label>
        <span>{t("target.description")}</span>
        <textarea
          name="description"
          rows={3}
          placeholder={t("target.descriptionHint")}
          value={values.description}
          onChange={(event) => set("description", event.target.value)}
          {...described("description")}
        />
      </label>
      <FieldIssues id="error-description" issues={issues("description")} />
      <div className="row">
        <label>
          <span>{t("projects.create.language")}</span>
          <select
            name="language"
            value={values.language}
            onChange={(event) => set("language", event.target.value === "en" ? "en" : "pl")}
            {...described("language")}
          >
            <option value="pl">{t("projects.language.pl")}</option>
            <option value="en">{t("projects.language.en")}</option>
          </select>
        </label>
        <label>
          <span>{t("projects.create.country")}</span>
          <select
            name="country"
            value={values.country}
            onChange={(event) => setCountry(event.target.value === "us" ? "us" : "pl")}
            {...described("country")}
          >
            <option value="pl">{t("projects.country.pl")}</option>
            <option value="us">{t("projects.country.us")}</option>
          </select>
        </label>
        <label>
          <span>{t("projects.create.sampleSize")}</span>
          <input
            name="target_sample_size"
            type="number"
            min={1}
            max={5000}
            value={values.target_sample_size}
            onChange={(event) => set("target_sample_size", event.target.value)}
            {...described("target_sample_size")}
          />
        </label>
      </div>
      <FieldIssues id="error-language" issues={issues("language")} />
      <FieldIssues id="error-country" issues={issues("country")} />
      <FieldIssues id="error-target_sample_size" issues={issues("target_sample_size")} />
      <TeamPicker value={teamId} onChange={setTeamId} disabled={!canMove} />
      <FieldIssues id="error-team_id" issues={issues("team_id")} />

      <h3 id={`${prefix}-target-title`}>{t("target.title")}</h3>
      <p className="muted">{t("target.hint")}</p>
      <CensusPresets census={census.data} country={values.country} onCountry={setCountry} onApply={setTarget} />
      {census.isPending && <p className="muted">{t("target.censusLoading")}</p>}
      {census.isError && <ErrorMessage error={census.error} onRetry={() => void census.refetch()} />}
      {census.data !== undefined && (
        <>
          {sampleSize > 0 && <p className="muted small">{t("target.quotaHint")}</p>}
          <TargetEditor
            census={census.data}
            country={values.country}
            sampleSize={sampleSize}
            value={loadedTarget}
            onChange={setTarget}
            issuesFor={(dimension: Dimension) => issues(`target_demographics.${dimension}`)}
          />
        </>
      )}
      <FieldIssues id="error-target_demographics" issues={issues("target_demographics")} />
      {other !== null && <ErrorMessage error={other} />}
      {save.isSuccess && project !== undefined && target === null && (
        <p className="muted" role="status">
          {t("projectEdit.saved")}
        </p>
      )}
      <button type="submit" disabled={save.isPending}>
        {project === undefined
          ? t(save.isPending ? "projects.create.submitting" : "projects.create.submit")
          : t(save.isPending ? "projectEdit.saving" : "projectEdit.save")}
      </button>
    </form>
  );
}

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { useNavigate } from "react-router";
import { useApi } from "../../api";
import type { ProjectCreate, ValidationIssue } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { ProjectList, PROJECTS_QUERY_KEY } from "../../components/ProjectList";
import { useI18n } from "../../i18n";
import { formValue } from "../../pages/formValue";
import { DIMENSIONS, emptyPercentInputs, percentSum, toTargetDemographics } from "./demographics";
import type { PercentInputs, TargetDimension } from "./demographics";
import { issuesByField } from "./fieldErrors";

const FIELDS = [
  "name",
  "research_goal",
  "language",
  "country",
  "target_sample_size",
  "target_demographics.age_group",
  "target_demographics.gender",
  "target_demographics",
] as const;

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

export function CreateProjectForm() {
  const { t, formatNumber } = useI18n();
  const api = useApi();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [percents, setPercents] = useState<PercentInputs>(emptyPercentInputs);
  const create = useMutation({
    mutationFn: (body: ProjectCreate) => api.createProject(body),
    onSuccess: async (project) => {
      await queryClient.invalidateQueries({ queryKey: PROJECTS_QUERY_KEY });
      await navigate(`/projects/${project.id}`);
    },
  });
  const { byField, other } = issuesByField(create.error, FIELDS);
  const issues = (field: (typeof FIELDS)[number]) => byField.get(field);
  const described = (field: (typeof FIELDS)[number]) =>
    byField.has(field) ? { "aria-describedby": `error-${field}`, "aria-invalid": true } : {};

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const language = formValue(form, "language") === "en" ? "en" : "pl";
    const country = formValue(form, "country") === "us" ? "us" : "pl";
    create.mutate({
      name: formValue(form, "name").trim(),
      description: "",
      research_goal: formValue(form, "research_goal").trim(),
      language,
      country,
      target_sample_size: Number(formValue(form, "target_sample_size")),
      target_demographics: toTargetDemographics(percents),
    });
  };

  const setPercent = (dimension: TargetDimension, category: string, value: string) =>
    setPercents((previous) => ({ ...previous, [dimension]: { ...previous[dimension], [category]: value } }));

  const dimensionTitle = (dimension: TargetDimension) =>
    t(dimension === "age_group" ? "projects.create.ageGroup" : "projects.create.gender");
  const categoryLabel = (dimension: TargetDimension, category: string) =>
    dimension === "gender" ? t(category === "Male" ? "personas.gender.male" : "personas.gender.female") : category;

  return (
    <section className="panel" aria-labelledby="new-project" id="new-project-panel">
      <header className="panel-header">
        <h2 id="new-project">{t("projects.create.title")}</h2>
      </header>
      <form onSubmit={onSubmit} className="stack" noValidate>
        <label>
          <span>{t("projects.create.name")}</span>
          <input name="name" type="text" required maxLength={200} {...described("name")} />
        </label>
        <FieldIssues id="error-name" issues={issues("name")} />
        <label>
          <span>{t("projects.create.researchGoal")}</span>
          <textarea name="research_goal" rows={3} {...described("research_goal")} />
        </label>
        <FieldIssues id="error-research_goal" issues={issues("research_goal")} />
        <div className="row">
          <label>
            <span>{t("projects.create.language")}</span>
            <select name="language" defaultValue="pl" {...described("language")}>
              <option value="pl">{t("projects.language.pl")}</option>
              <option value="en">{t("projects.language.en")}</option>
            </select>
          </label>
          <label>
            <span>{t("projects.create.country")}</span>
            <select name="country" defaultValue="pl" {...described("country")}>
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
              defaultValue={20}
              {...described("target_sample_size")}
            />
          </label>
        </div>
        <FieldIssues id="error-language" issues={issues("language")} />
        <FieldIssues id="error-country" issues={issues("country")} />
        <FieldIssues id="error-target_sample_size" issues={issues("target_sample_size")} />

        <h3>{t("projects.create.targetTitle")}</h3>
        <p className="muted">{t("projects.create.targetHint")}</p>
        {(Object.keys(DIMENSIONS) as TargetDimension[]).map((dimension) => {
          const field = `target_demographics.${dimension}` as const;
          const sum = percentSum(percents[dimension]);
          return (
            <fieldset key={dimension} className="percent-group" {...described(field)}>
              <legend>{dimensionTitle(dimension)}</legend>
              <div className="percent-inputs">
                {DIMENSIONS[dimension].map((category) => (
                  <label key={category}>
                    <span>{categoryLabel(dimension, category)}</span>
                    <input
                      type="number"
                      min={0}
                      max={100}
                      step="any"
                      inputMode="decimal"
                      name={`${dimension}.${category}`}
                      value={percents[dimension][category] ?? ""}
                      onChange={(event) => setPercent(dimension, category, event.target.value)}
                    />
                  </label>
                ))}
              </div>
              {sum > 0 && (
                <span className={Math.abs(sum - 100) > 1 ? "warn-text" : "muted"}>
                  {t("projects.create.sum", { sum: formatNumber(sum) })}
                </span>
              )}
              <FieldIssues id={`error-${field}`} issues={issues(field)} />
            </fieldset>
          );
        })}
        <FieldIssues id="error-target_demographics" issues={issues("target_demographics")} />
        {other !== null && <ErrorMessage error={other} />}
        <button type="submit" disabled={create.isPending}>
          {t(create.isPending ? "projects.create.submitting" : "projects.create.submit")}
        </button>
      </form>
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

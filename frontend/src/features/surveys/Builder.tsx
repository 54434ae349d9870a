import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useNavigate } from "react-router";
import type { Project } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { byKey } from "../focus_groups/text";
import { usePersonaSummary } from "../personas/labels";
import { surveysKey, useSurveysApi } from "./api";
import { CHOICE_TYPES, QUESTION_TYPES, localProblems, newQuestion, questionIndex, toBody } from "./model";
import type { Draft, DraftQuestion, QuestionType } from "./model";
import { Preview } from "./Preview";

const SEGMENT_DIMENSIONS: [string, string][] = [
  ["age_group", "age_group"],
  ["gender", "gender"],
  ["urban_rural", "urban_rural"],
  ["education", "education"],
  ["income", "income_band"],
];

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

/** Define a survey: questions of every type, skip logic, respondents, bias guards,
 * with live validation (local, then the server's check), a respondent's preview
 * and the cost estimate. */
export function Builder({ project, onClose }: { project: Project; onClose: () => void }) {
  const { t, formatNumber } = useI18n();
  const tk = byKey(t);
  const surveys = useSurveysApi();
  const client = useQueryClient();
  const navigate = useNavigate();
  const summary = usePersonaSummary(project.id);
  const [draft, setDraft] = useState<Draft>(() => ({
    title: "",
    description: "",
    questions: [newQuestion("single-choice", 0)],
    respondents: { mode: "all", filters: {} },
    shuffleOptions: true,
    ratingMode: "auto",
  }));
  const [previewing, setPreviewing] = useState(false);
  const body = useMemo(() => toBody(draft), [draft]);
  const debounced = useDebounced(body, 500);
  const check = useQuery({
    queryKey: ["surveys", "check", project.id, debounced],
    queryFn: () => surveys.check(project.id, debounced),
  });
  const local = localProblems(draft);
  const server = check.data?.problems ?? [];
  const create = useMutation({
    mutationFn: () => surveys.create(project.id, body),
    onSuccess: async (survey) => {
      await client.invalidateQueries({ queryKey: surveysKey(project.id) });
      void navigate(`/surveys/${survey.id}`);
    },
  });

  const update = (index: number, patch: Partial<DraftQuestion>) =>
    setDraft((d) => ({ ...d, questions: d.questions.map((q, i) => (i === index ? { ...q, ...patch } : q)) }));
  const remove = (index: number) => setDraft((d) => ({ ...d, questions: d.questions.filter((_, i) => i !== index) }));
  const move = (index: number, by: number) =>
    setDraft((d) => {
      const questions = [...d.questions];
      const [item] = questions.splice(index, 1);
      if (item !== undefined) questions.splice(index + by, 0, item);
      return { ...d, questions };
    });
  const problemsOf = (index: number) => [
    ...local.filter((p) => questionIndex(p.field) === index).map((p) => tk(`sv.problem.${p.key}`)),
    ...server.filter((p) => questionIndex(p.field) === index && !local.length).map((p) => p.msg),
  ];
  const general = server.filter((p) => questionIndex(p.field) === null);
  const valid = local.length === 0 && check.data?.valid === true && draft.title.trim() !== "";
  const estimate = check.data?.estimate as Record<string, unknown> | null | undefined;

  return (
    <div className="sv-builder">
      <div className="sv-fields">
        <label>
          {t("sv.builder.title")}
          <input value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} maxLength={200} />
        </label>
        <label>
          {t("sv.builder.description")}
          <textarea
            value={draft.description}
            rows={2}
            onChange={(e) => setDraft({ ...draft, description: e.target.value })}
          />
        </label>
      </div>

      <ol className="sv-questions">
        {draft.questions.map((q, index) => {
          const problems = problemsOf(index);
          const earlier = draft.questions.slice(0, index).filter((s) => s.type !== "open-text");
          const source = earlier.find((s) => s.id === q.showIfQuestion);
          return (
            <li key={q.key} className={`sv-question ${problems.length ? "invalid" : ""}`}>
              <div className="sv-question-head">
                <span className="sv-qid">{q.id}</span>
                <select
                  aria-label={t("sv.builder.type")}
                  value={q.type}
                  onChange={(e) => {
                    const type = e.target.value as QuestionType;
                    update(index, {
                      type,
                      options: CHOICE_TYPES.has(type) ? (q.options.length ? q.options : ["", ""]) : [],
                    });
                  }}
                >
                  {QUESTION_TYPES.map((type) => (
                    <option key={type} value={type}>
                      {tk(`sv.type.${type}`)}
                    </option>
                  ))}
                </select>
                <span className="sv-spacer" />
                <button type="button" className="link-button" disabled={index === 0} onClick={() => move(index, -1)} aria-label={t("sv.builder.up")}>
                  ↑
                </button>
                <button
                  type="button"
                  className="link-button"
                  disabled={index === draft.questions.length - 1}
                  onClick={() => move(index, 1)}
                  aria-label={t("sv.builder.down")}
                >
                  ↓
                </button>
                <button type="button" className="sv-remove" disabled={draft.questions.length === 1} onClick={() => remove(index)}>
                  {t("sv.builder.remove")}
                </button>
              </div>
              <label>
                {t("sv.builder.question")}
                <input value={q.title} onChange={(e) => update(index, { title: e.target.value })} maxLength={1000} />
              </label>
              {CHOICE_TYPES.has(q.type) && (
                <fieldset className="sv-options">
                  <legend>{t("sv.builder.options")}</legend>
                  {q.options.map((option, j) => (
                    <div key={j} className="sv-option">
                      <input
                        aria-label={t("sv.builder.option", { n: j + 1 })}
                        value={option}
                        onChange={(e) => update(index, { options: q.options.map((o, k) => (k === j ? e.target.value : o)) })}
                      />
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => update(index, { options: q.options.filter((_, k) => k !== j) })}
                        aria-label={t("sv.builder.removeOption")}
                      >
                        ×
                      </button>
                    </div>
                  ))}
                  <button type="button" className="link-button" disabled={q.options.length >= 50} onClick={() => update(index, { options: [...q.options, ""] })}>
                    {t("sv.builder.addOption")}
                  </button>
                </fieldset>
              )}
              {q.type === "rating-scale" && (
                <div className="sv-row">
                  <label>
                    {t("sv.builder.scaleMin")}
                    <input type="number" min={0} max={10} value={q.scaleMin} onChange={(e) => update(index, { scaleMin: Number(e.target.value) })} />
                  </label>
                  <label>
                    {t("sv.builder.scaleMax")}
                    <input type="number" min={1} max={11} value={q.scaleMax} onChange={(e) => update(index, { scaleMax: Number(e.target.value) })} />
                  </label>
                </div>
              )}
              {q.type === "numeric" && (
                <div className="sv-row">
                  <label>
                    {t("sv.builder.min")}
                    <input type="number" value={q.min} onChange={(e) => update(index, { min: Number(e.target.value) })} />
                  </label>
                  <label>
                    {t("sv.builder.max")}
                    <input type="number" value={q.max} onChange={(e) => update(index, { max: Number(e.target.value) })} />
                  </label>
                  <label>
                    {t("sv.builder.unit")}
                    <input value={q.unit} maxLength={30} onChange={(e) => update(index, { unit: e.target.value })} />
                  </label>
                </div>
              )}
              <div className="sv-row">
                <label className="inline">
                  <input type="checkbox" checked={q.required} onChange={(e) => update(index, { required: e.target.checked })} />
                  {t("sv.builder.required")}
                </label>
                {earlier.length > 0 && (
                  <label>
                    {t("sv.builder.showIf")}
                    <select
                      value={q.showIfQuestion}
                      onChange={(e) => update(index, { showIfQuestion: e.target.value, showIfValues: [] })}
                    >
                      <option value="">{t("sv.builder.always")}</option>
                      {earlier.map((s) => (
                        <option key={s.key} value={s.id}>
                          {s.id}: {s.title.slice(0, 40)}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                {source !== undefined && (
                  <label>
                    {t("sv.builder.showIfValues")}
                    <select
                      multiple
                      value={q.showIfValues}
                      onChange={(e) => update(index, { showIfValues: [...e.target.selectedOptions].map((o) => o.value) })}
                    >
                      {(CHOICE_TYPES.has(source.type)
                        ? source.options.filter((o) => o.trim())
                        : source.type === "rating-scale"
                          ? Array.from({ length: Math.max(0, source.scaleMax - source.scaleMin + 1) }, (_, k) => String(source.scaleMin + k))
                          : []
                      ).map((value) => (
                        <option key={value} value={value}>
                          {value}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
              </div>
              {problems.length > 0 && (
                <ul className="sv-problems" role="alert">
                  {problems.map((p, k) => (
                    <li key={k}>{p}</li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
      <div className="sv-add">
        {QUESTION_TYPES.map((type) => (
          <button
            key={type}
            type="button"
            className="secondary"
            disabled={draft.questions.length >= 100}
            onClick={() => setDraft((d) => ({ ...d, questions: [...d.questions, newQuestion(type, d.questions.length)] }))}
          >
            + {tk(`sv.type.${type}`)}
          </button>
        ))}
      </div>

      <fieldset className="sv-respondents">
        <legend>{t("sv.builder.respondents")}</legend>
        <label className="inline">
          <input
            type="radio"
            checked={draft.respondents.mode === "all"}
            onChange={() => setDraft({ ...draft, respondents: { mode: "all", filters: {} } })}
          />
          {t("sv.builder.allPersonas")}
        </label>
        <label className="inline">
          <input
            type="radio"
            checked={draft.respondents.mode === "segments"}
            onChange={() => setDraft({ ...draft, respondents: { mode: "segments", filters: {} } })}
          />
          {t("sv.builder.segments")}
        </label>
        {draft.respondents.mode === "segments" && summary.data !== undefined && (
          <div className="sv-segments">
            {SEGMENT_DIMENSIONS.map(([dimension, field]) => (
              <fieldset key={field}>
                <legend>{tk(`dem.dimension.${dimension}`)}</legend>
                {(summary.data.distributions[dimension] ?? [])
                  .filter((row) => row.count > 0)
                  .map((row) => {
                    const chosen = draft.respondents.filters[field] ?? [];
                    return (
                      <label key={row.category} className="inline">
                        <input
                          type="checkbox"
                          checked={chosen.includes(row.category)}
                          onChange={(e) =>
                            setDraft({
                              ...draft,
                              respondents: {
                                mode: "segments",
                                filters: {
                                  ...draft.respondents.filters,
                                  [field]: e.target.checked ? [...chosen, row.category] : chosen.filter((c) => c !== row.category),
                                },
                              },
                            })
                          }
                        />
                        {row.label} <span className="muted small">({row.count})</span>
                      </label>
                    );
                  })}
              </fieldset>
            ))}
          </div>
        )}
      </fieldset>

      <fieldset className="sv-guards">
        <legend>{t("sv.builder.guards")}</legend>
        <label className="inline">
          <input type="checkbox" checked={draft.shuffleOptions} onChange={(e) => setDraft({ ...draft, shuffleOptions: e.target.checked })} />
          {t("sv.builder.shuffle")}
        </label>
        <label>
          {t("sv.builder.ratingMode")}
          <select value={draft.ratingMode} onChange={(e) => setDraft({ ...draft, ratingMode: e.target.value as Draft["ratingMode"] })}>
            <option value="auto">{t("sv.rating.auto")}</option>
            <option value="two-pass">{t("sv.rating.two-pass")}</option>
            <option value="direct">{t("sv.rating.direct")}</option>
          </select>
        </label>
      </fieldset>

      <div className="sv-summary" aria-live="polite">
        {check.data !== undefined && (
          <p>
            {t("sv.builder.sample", { count: check.data.respondents })}
            {estimate != null && (
              <>
                {" · "}
                {t("sv.builder.cost", {
                  calls: Number(estimate.calls),
                  usd: formatNumber(Number(estimate.usd)),
                  mode: tk(`sv.rating.${String(estimate.rating_mode)}`),
                })}
              </>
            )}
          </p>
        )}
        {general.map((p, k) => (
          <p key={k} className="sv-problems">
            {p.field}: {p.msg}
          </p>
        ))}
        {check.data?.respondents === 0 && <p className="sv-problems">{t("sv.builder.noRespondents")}</p>}
      </div>
      {create.isError && <ErrorMessage error={create.error} />}
      <div className="sv-actions">
        <button type="button" disabled={!valid || create.isPending} onClick={() => create.mutate()}>
          {t("sv.builder.create")}
        </button>
        <button type="button" className="secondary" onClick={() => setPreviewing(!previewing)}>
          {previewing ? t("sv.builder.hidePreview") : t("sv.builder.preview")}
        </button>
        <button type="button" className="link-button" onClick={onClose}>
          {t("sv.builder.cancel")}
        </button>
      </div>
      {previewing && <Preview draft={draft} />}
    </div>
  );
}

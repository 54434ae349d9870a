import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { useNavigate } from "react-router";
import { useApi } from "../../api";
import type { Persona, Project } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { byKey } from "./text";
import { categoryLabel } from "../../components/demographicLabels";
import { groupsKey, useFocusGroupsApi } from "./api";
import { segmentLabel } from "./text";
import type { Estimate, FocusGroup, FocusGroupCreate, Mode } from "./api";

const MODES: Mode[] = ["normal", "discussion", "adversarial"];
const STIMULUS_KINDS = ["concept", "ad_copy", "price_point", "image", "other"] as const;
/** What the server keeps (focus_groups/images.py): checked here first so a
 * wrong file is named before it is uploaded. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

export function imageProblem(file: { type: string; size: number }): "type" | "size" | null {
  if (!IMAGE_TYPES.includes(file.type)) return "type";
  if (file.size > MAX_IMAGE_BYTES) return "size";
  return null;
}

function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("unreadable file"));
    reader.readAsDataURL(file);
  });
}
type StimulusKind = (typeof STIMULUS_KINDS)[number];
const MIN_PERSONAS = 2;
const MAX_PERSONAS = 100;
const MAX_QUESTIONS = 20;

export interface PersonaFilter {
  segment: string;
  gender: string;
  age_group: string;
}

/** Personas matching every set filter (an empty filter matches all). */
export function filterPersonas<P extends Pick<Persona, "segment" | "gender" | "age_group">>(personas: P[], filter: PersonaFilter): P[] {
  return personas.filter(
    (p) =>
      (filter.segment === "" || p.segment === filter.segment) &&
      (filter.gender === "" || p.gender === filter.gender) &&
      (filter.age_group === "" || p.age_group === filter.age_group),
  );
}

const distinct = (values: string[]) => [...new Set(values)].sort();

function EstimateLine({ estimate }: { estimate: Estimate }) {
  const { t, formatNumber } = useI18n();
  const calls = estimate["calls"];
  const usd = estimate["usd"];
  if (typeof calls !== "number" || typeof usd !== "number") return null;
  return (
    <p data-testid="fg-estimate">
      {t("fg.builder.estimate", { calls, usd: formatNumber(usd) })}{" "}
      {usd === 0 && <span className="muted">{t("fg.builder.estimateFree")}</span>}
    </p>
  );
}

/** Created but not yet run: the cost estimate, then Run. */
function ReadyToRun({ group, onClose }: { group: FocusGroup; onClose: () => void }) {
  const { t } = useI18n();
  const fg = useFocusGroupsApi();
  const navigate = useNavigate();
  const estimate = useQuery({ queryKey: ["focus-groups", group.id, "estimate"], queryFn: () => fg.estimate(group.id) });
  const run = useMutation({
    mutationFn: () => fg.run(group.id),
    onSuccess: () => void navigate(`/focus-groups/${group.id}`),
  });
  return (
    <div className="fg-ready" role="status">
      <p>
        <strong>{t("fg.builder.created", { name: group.name })}</strong>
      </p>
      {estimate.isError && <ErrorMessage error={estimate.error} />}
      {estimate.data !== undefined && <EstimateLine estimate={estimate.data} />}
      <div className="row">
        <button type="button" disabled={run.isPending || estimate.isPending} onClick={() => run.mutate()}>
          {t(run.isPending ? "fg.builder.starting" : "fg.builder.run")}
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          {t("fg.builder.later")}
        </button>
      </div>
      {run.isError && <ErrorMessage error={run.error} />}
    </div>
  );
}

export function Builder({ project, onClose }: { project: Project; onClose: () => void }) {
  const { t, locale } = useI18n();
  const tk = byKey(t);
  const api = useApi();
  const fg = useFocusGroupsApi();
  const queryClient = useQueryClient();
  const personas = useQuery({
    queryKey: ["projects", project.id, "personas", "all"],
    queryFn: () => api.listPersonas(project.id, { limit: 500, offset: 0 }),
  });
  const [name, setName] = useState("");
  const [questions, setQuestions] = useState<string[]>([""]);
  const [mode, setMode] = useState<Mode>("normal");
  const [stimulusKind, setStimulusKind] = useState<StimulusKind>("concept");
  const [stimulusTitle, setStimulusTitle] = useState("");
  const [stimulusContent, setStimulusContent] = useState("");
  const [image, setImage] = useState<string | null>(null);
  const [imageError, setImageError] = useState<"type" | "size" | null>(null);
  const [filter, setFilter] = useState<PersonaFilter>({ segment: "", gender: "", age_group: "" });
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [created, setCreated] = useState<FocusGroup | null>(null);

  const all = useMemo(() => personas.data?.items ?? [], [personas.data]);
  const shown = useMemo(() => filterPersonas(all, filter), [all, filter]);

  const create = useMutation({
    mutationFn: (body: FocusGroupCreate) => fg.create(project.id, body),
    onSuccess: (group) => {
      setCreated(group);
      void queryClient.invalidateQueries({ queryKey: groupsKey(project.id) });
    },
  });

  if (created !== null) return <ReadyToRun group={created} onClose={onClose} />;

  const toggle = (id: string) =>
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const selectShown = () => setChosen((current) => new Set([...current, ...shown.map((p) => p.id)].slice(0, MAX_PERSONAS)));
  const filled = questions.map((q) => q.trim()).filter((q) => q !== "");
  const tooFew = chosen.size < MIN_PERSONAS;
  const tooMany = chosen.size > MAX_PERSONAS;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const body: FocusGroupCreate = {
      name: name.trim(),
      description: "",
      project_context: "",
      turn_words: 50,
      persona_ids: [...chosen],
      questions: filled.map((text) => ({ text, follow_up: "auto" as const })),
      mode,
      stimulus:
        stimulusContent.trim() === ""
          ? null
          : {
              kind: stimulusKind,
              title: stimulusTitle.trim(),
              content: stimulusContent.trim(),
              ...(stimulusKind === "image" && image !== null ? { image_base64: image } : {}),
            },
    };
    create.mutate(body);
  };
  const onImage = (file: File | undefined) => {
    setImage(null);
    if (file === undefined) return setImageError(null);
    const problem = imageProblem(file);
    setImageError(problem);
    if (problem === null) void readAsDataUrl(file).then(setImage);
  };
  const imageMissing = stimulusKind === "image" && (image === null || stimulusContent.trim() === "");
  const setFilterField = (field: keyof PersonaFilter, value: string) => setFilter((f) => ({ ...f, [field]: value }));

  return (
    <form className="fg-builder stack" onSubmit={onSubmit} aria-label={t("fg.builder.title")}>
      <label>
        <span>{t("fg.builder.name")}</span>
        <input required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      </label>

      <fieldset>
        <legend>{t("fg.builder.questions")}</legend>
        {questions.map((question, index) => (
          <div key={index} className="fg-question-input">
            <label>
              <span>{t("fg.builder.question", { n: index + 1 })}</span>
              <textarea
                rows={2}
                minLength={3}
                maxLength={1000}
                value={question}
                onChange={(event) => setQuestions((qs) => qs.map((q, i) => (i === index ? event.target.value : q)))}
              />
            </label>
            {questions.length > 1 && (
              <button
                type="button"
                className="secondary"
                aria-label={t("fg.builder.removeQuestion", { n: index + 1 })}
                onClick={() => setQuestions((qs) => qs.filter((_, i) => i !== index))}
              >
                ×
              </button>
            )}
          </div>
        ))}
        {questions.length < MAX_QUESTIONS && (
          <button type="button" className="secondary" onClick={() => setQuestions((qs) => [...qs, ""])}>
            {t("fg.builder.addQuestion")}
          </button>
        )}
      </fieldset>

      <fieldset>
        <legend>{t("fg.builder.stimulus")}</legend>
        <p className="muted small">{t("fg.builder.stimulusHint")}</p>
        <div className="row">
          <label>
            <span>{t("fg.builder.stimulusKind")}</span>
            <select value={stimulusKind} onChange={(event) => setStimulusKind(event.target.value as StimulusKind)}>
              {STIMULUS_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {tk(`fg.stimulus.${kind}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("fg.builder.stimulusTitle")}</span>
            <input maxLength={200} value={stimulusTitle} onChange={(event) => setStimulusTitle(event.target.value)} />
          </label>
        </div>
        {stimulusKind === "image" && (
          <div className="fg-image-pick">
            <label>
              <span>{t("fg.builder.imageFile")}</span>
              <input type="file" accept={IMAGE_TYPES.join(",")} onChange={(event) => onImage(event.target.files?.[0])} />
            </label>
            <p className="muted small">{t("fg.builder.imageHint")}</p>
            {imageError !== null && (
              <p className="error" role="alert">
                {t(imageError === "type" ? "fg.builder.imageWrongType" : "fg.builder.imageTooLarge")}
              </p>
            )}
            {image !== null && <img className="fg-stimulus-image" src={image} alt={t("fg.builder.imagePreview")} />}
          </div>
        )}
        <label>
          <span>{t(stimulusKind === "image" ? "fg.builder.imageDescription" : "fg.builder.stimulusContent")}</span>
          <textarea
            rows={3}
            maxLength={4000}
            required={stimulusKind === "image"}
            value={stimulusContent}
            onChange={(event) => setStimulusContent(event.target.value)}
          />
        </label>
      </fieldset>

      <fieldset>
        <legend>{t("fg.builder.mode")}</legend>
        {MODES.map((m) => (
          <label key={m} className="fg-check">
            <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
            <span>
              <strong>{tk(`fg.mode.${m}`)}</strong>{" "}
              <span className="muted small">{tk(`fg.mode.${m}.hint`)}</span>
            </span>
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>{t("fg.builder.participants", { count: chosen.size })}</legend>
        {personas.isError && <ErrorMessage error={personas.error} />}
        {personas.data !== undefined && all.length === 0 && <p className="muted">{t("fg.builder.noPersonas")}</p>}
        {all.length > 0 && (
          <>
            <div className="row">
              {(["segment", "gender", "age_group"] as const).map((field) => (
                <label key={field}>
                  <span>{t(`fg.dimension.${field}`)}</span>
                  <select value={filter[field]} onChange={(event) => setFilterField(field, event.target.value)}>
                    <option value="">{t("fg.builder.any")}</option>
                    {distinct(all.map((p) => p[field])).map((value) => (
                      <option key={value} value={value}>
                        {field === "segment" ? segmentLabel(t, locale, value) : categoryLabel(t, locale, field, value)}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
            </div>
            <div className="row">
              <button type="button" className="secondary" onClick={selectShown}>
                {t("fg.builder.selectShown", { count: Math.min(shown.length, MAX_PERSONAS) })}
              </button>
              <button type="button" className="secondary" onClick={() => setChosen(new Set())}>
                {t("fg.builder.clear")}
              </button>
            </div>
            <ul className="fg-persona-picker">
              {shown.map((p) => (
                <li key={p.id}>
                  <label className="fg-check">
                    <input type="checkbox" checked={chosen.has(p.id)} onChange={() => toggle(p.id)} />
                    <span>
                      {p.full_name} <span className="muted small">{t("fg.builder.personaMeta", { age: p.age, segment: segmentLabel(t, locale, p.segment) })}</span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          </>
        )}
        {(tooFew || tooMany) && (
          <p className="muted" role="status">
            {t("fg.builder.participantsBounds", { min: MIN_PERSONAS, max: MAX_PERSONAS })}
          </p>
        )}
      </fieldset>

      {create.isError && <ErrorMessage error={create.error} />}
      <div className="row">
        <button type="submit" disabled={create.isPending || tooFew || tooMany || filled.length === 0 || name.trim() === "" || imageMissing}>
          {t(create.isPending ? "fg.builder.creating" : "fg.builder.create")}
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          {t("fg.builder.close")}
        </button>
      </div>
    </form>
  );
}

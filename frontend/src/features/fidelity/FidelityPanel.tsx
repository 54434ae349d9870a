import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import type { Project } from "../../api";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useI18n } from "../../i18n";
import { byKey } from "../focus_groups/text";
import { BENCHMARKS_KEY, runsKey, studiesKey, useFidelityApi } from "./api";
import { perfectAt, score, splitList } from "./model";
import { StudyMapping } from "./StudyMapping";
import type { Study } from "./types";
import "./fidelity.css";

/** The project page's fidelity: past runs, a new run, the researcher's own studies. */
export function FidelityPanel({ project }: { project: Project }) {
  const { t, formatDate } = useI18n();
  const tk = byKey(t);
  const fidelity = useFidelityApi();
  const runs = useQuery({ queryKey: runsKey(project.id), queryFn: () => fidelity.list(project.id) });

  return (
    <section className="panel fd-panel" aria-labelledby="fd-panel-title">
      <header className="panel-header">
        <h2 id="fd-panel-title">{t("fd.panel.title")}</h2>
      </header>
      <p className="muted">{t("fd.panel.intro")}</p>
      {runs.isError && <ErrorMessage error={runs.error} onRetry={() => void runs.refetch()} />}
      {runs.data !== undefined && runs.data.items.length === 0 && <p className="muted">{t("fd.panel.empty")}</p>}
      {runs.data !== undefined && runs.data.items.length > 0 && (
        <>
          <h3>{t("fd.panel.runs")}</h3>
          <ul className="fd-runs">
            {runs.data.items.map((run) => (
              <li key={run.id}>
                <Link to={`/fidelity/${run.id}`}>{run.benchmark}</Link>{" "}
                <span
                  className={`badge ${run.status === "completed" ? "ok" : run.status === "failed" ? "failed" : ""}`}
                >
                  {tk(`fd.status.${run.status}`)}
                </span>{" "}
                {run.score !== null && <strong className="fd-score">{score(run.score)}</strong>}{" "}
                {run.offline && <span className="badge warn">{t("fd.panel.offlineTag")}</span>}{" "}
                <span className="muted small">
                  {t("fd.panel.meta", {
                    model: `${run.provider}:${run.model}`,
                    perGroup: run.params.per_group,
                    date: formatDate(run.created_at),
                  })}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      <StartForm project={project} />
      <Studies project={project} />
    </section>
  );
}

function StartForm({ project }: { project: Project }) {
  const { t } = useI18n();
  const fidelity = useFidelityApi();
  const navigate = useNavigate();
  const client = useQueryClient();
  const benchmarks = useQuery({ queryKey: BENCHMARKS_KEY, queryFn: () => fidelity.benchmarks(), staleTime: Infinity });
  const studies = useQuery({ queryKey: studiesKey(project.id), queryFn: () => fidelity.studies(project.id) });
  const [source, setSource] = useState("gss2018_us");
  const [perGroup, setPerGroup] = useState(200);
  const [questions, setQuestions] = useState("");
  const [groups, setGroups] = useState("");
  const [seed, setSeed] = useState("");
  const start = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = { per_group: perGroup };
      if (source.startsWith("study:")) body["study_id"] = source.slice(6);
      else body["benchmark"] = source;
      const q = splitList(questions);
      const g = splitList(groups);
      if (q !== undefined) body["questions"] = q;
      if (g !== undefined) body["groups"] = g;
      if (seed.trim() !== "") body["seed"] = Number(seed);
      return fidelity.start(project.id, body);
    },
    onSuccess: (accepted) => {
      void client.invalidateQueries({ queryKey: runsKey(project.id) });
      void navigate(`/fidelity/${accepted.run_id}`);
    },
  });
  const ready = (studies.data ?? []).filter((s) => s.status === "ready");
  const bench = (benchmarks.data ?? []).find((b) => b.name === source);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };

  return (
    <form className="fd-start" onSubmit={submit} aria-labelledby="fd-start-title">
      <h3 id="fd-start-title">{t("fd.start.title")}</h3>
      <div className="fd-fields">
        <label>
          {t("fd.start.source")}
          <select value={source} onChange={(e) => setSource(e.target.value)}>
            {(benchmarks.data ?? [{ name: "gss2018_us", title: "GSS 2018" }]).map((b) => (
              <option key={b.name} value={b.name}>
                {b.title}
              </option>
            ))}
            {ready.map((s) => (
              <option key={s.id} value={`study:${s.id}`}>
                {t("fd.start.studyOption", { name: s.name })}
              </option>
            ))}
          </select>
        </label>
        <div className="fd-field">
          <label>
            {t("fd.start.perGroup")}
            <input
              type="number"
              min={2}
              max={2000}
              value={perGroup}
              aria-describedby="fd-per-group-hint"
              onChange={(e) => setPerGroup(Math.max(2, Math.min(2000, Number(e.target.value) || 2)))}
            />
          </label>
          <span id="fd-per-group-hint" className="muted small">
            {t("fd.start.perGroupHint", { n: perGroup, perfect: perfectAt(perGroup).toFixed(3) })}
          </span>
        </div>
        <div className="fd-field">
          <label>
            {t("fd.start.questions")}
            <input value={questions} aria-describedby="fd-questions-hint" onChange={(e) => setQuestions(e.target.value)} />
          </label>
          {bench !== undefined && (
            <span id="fd-questions-hint" className="muted small">
              {t("fd.start.questionsHint", { count: bench.questions })}
            </span>
          )}
        </div>
        <label>
          {t("fd.start.groups")}
          <input value={groups} onChange={(e) => setGroups(e.target.value)} />
        </label>
        <label>
          {t("fd.start.seed")}
          <input inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value.replace(/\D/g, ""))} />
        </label>
      </div>
      {start.isError && <ErrorMessage error={start.error} />}
      <button type="submit" disabled={start.isPending}>
        {start.isPending ? t("fd.start.submitting") : t("fd.start.submit")}
      </button>
    </form>
  );
}

function Studies({ project }: { project: Project }) {
  const { t } = useI18n();
  const tk = byKey(t);
  const fidelity = useFidelityApi();
  const client = useQueryClient();
  const studies = useQuery({ queryKey: studiesKey(project.id), queryFn: () => fidelity.studies(project.id) });
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [mapping, setMapping] = useState<Study | null>(null);
  const upload = useMutation({
    mutationFn: () => {
      if (file === null) throw new Error("no file");
      return fidelity.upload(project.id, file, name);
    },
    onSuccess: (study) => {
      void client.invalidateQueries({ queryKey: studiesKey(project.id) });
      setMapping(study);
      setFile(null);
      setName("");
    },
  });

  return (
    <div className="fd-studies">
      <h3>{t("fd.study.title")}</h3>
      <p className="muted small">{t("fd.study.intro")}</p>
      <form
        className="fd-upload"
        onSubmit={(e) => {
          e.preventDefault();
          upload.mutate();
        }}
      >
        <label>
          {t("fd.study.file")}
          <input
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </label>
        <label>
          {t("fd.study.name")}
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
        </label>
        <button type="submit" disabled={file === null || upload.isPending}>
          {upload.isPending ? t("fd.study.uploading") : t("fd.study.upload")}
        </button>
      </form>
      {upload.isError && <ErrorMessage error={upload.error} />}
      {mapping !== null && mapping.status === "needs_mapping" && (
        <StudyMapping
          study={mapping}
          country={project.country}
          onDone={() => {
            setMapping(null);
            void client.invalidateQueries({ queryKey: studiesKey(project.id) });
          }}
        />
      )}
      {studies.data !== undefined && studies.data.length > 0 && (
        <>
          <h4>{t("fd.study.list")}</h4>
          <ul className="fd-study-list">
            {studies.data.map((s) => (
              <li key={s.id}>
                <strong>{s.name}</strong>{" "}
                <span className={`badge ${s.status === "ready" ? "ok" : "warn"}`}>
                  {s.status === "ready" ? t("fd.study.ready") : t("fd.study.needsMapping")}
                </span>{" "}
                <span className="muted small">
                  {t("fd.study.meta", { rows: s.rows, layout: tk(`fd.study.layout.${s.layout}`) })}
                </span>{" "}
                {s.status === "needs_mapping" && mapping?.id !== s.id && (
                  <button type="button" className="link" onClick={() => setMapping(s)}>
                    {t("fd.study.map")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

import { useQuery } from "@tanstack/react-query";
import { Fragment } from "react";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { byKey } from "../focus_groups/text";
import { RUN_TERMINAL, runKey, useFidelityApi } from "./api";
import { groupLabel, percent, score, topicLabel } from "./model";
import type { Measures, QuestionResult, Report, Run } from "./types";
import "./fidelity.css";

/** One fidelity run: progress while it runs, then every measure beside its baselines. */
export function FidelityRunPage() {
  const { runId = "" } = useParams();
  const { t } = useI18n();
  const fidelity = useFidelityApi();
  const run = useQuery({
    queryKey: runKey(runId),
    queryFn: () => fidelity.get(runId),
    refetchInterval: (query) => (query.state.data !== undefined && RUN_TERMINAL.has(query.state.data.status) ? false : 1000),
  });
  if (run.isPending) return <Loading />;
  if (run.isError) return <ErrorMessage error={run.error} onRetry={() => void run.refetch()} />;
  const data = run.data;
  const report = data.result;

  return (
    <div className="fd-page">
      {data.project_id !== null && (
        <p>
          <Link to={`/projects/${data.project_id}`}>← {t("fd.run.back")}</Link>
        </p>
      )}
      <h1>{t("fd.run.title", { benchmark: report?.benchmark.title ?? data.benchmark })}</h1>
      <Status run={data} />
      {(data.offline || report?.offline === true) && (
        <div className="fd-offline" role="note">
          {t("fd.run.offline")}
        </div>
      )}
      {report !== null && <Result report={report} />}
    </div>
  );
}

function Status({ run }: { run: Run }) {
  const { t } = useI18n();
  const tk = byKey(t);
  if (run.status === "failed") {
    return <p className="fd-failed">{t("fd.run.failed", { error: run.error ?? "" })}</p>;
  }
  if (RUN_TERMINAL.has(run.status)) {
    return (
      <p>
        <span className={`badge ${run.status === "completed" ? "ok" : ""}`}>{tk(`fd.status.${run.status}`)}</span>
      </p>
    );
  }
  const done = Math.round((run.progress ?? 0) * 100);
  return (
    <div className="fd-progress" aria-live="polite">
      <span className="badge">{tk(`fd.status.${run.status}`)}</span>
      <progress max={100} value={done} />
      <span className="small muted">{t("fd.run.progress", { done, message: run.progress_message ?? "" })}</span>
    </div>
  );
}

/** A score on a 0.5–1 track with the two baselines marked. */
function Bar({ m }: { m: Measures }) {
  const { t } = useI18n();
  const at = (v: number | null) => `${Math.max(0, Math.min(100, ((v ?? 0.5) - 0.5) * 200))}%`;
  return (
    <span className="fd-bar" aria-hidden="true">
      <span className="fd-bar-fill" style={{ width: at(m.score) }} />
      {m.uniform_baseline !== null && (
        <span className="fd-mark uniform" style={{ left: at(m.uniform_baseline) }} title={t("fd.run.uniform")} />
      )}
      {m.overall_as_prediction !== null && (
        <span className="fd-mark demo" style={{ left: at(m.overall_as_prediction) }} title={t("fd.run.demographicsOnly")} />
      )}
    </span>
  );
}

function Result({ report }: { report: Report }) {
  const { t, formatDate } = useI18n();
  const tk = byKey(t);
  const s = report.summary;
  const d = report.differences;
  const r = report.repeatability;
  return (
    <>
      <p className={`fd-verdict ${s.verdict}`}>{tk(`fd.run.verdict.${s.verdict}`)}</p>
      <div className="fd-cards">
        <div className="fd-card main">
          <span className="fd-card-label">{t("fd.run.score")}</span>
          <strong>{score(s.score)}</strong>
        </div>
        <div className="fd-card">
          <span className="fd-card-label">{t("fd.run.uniform")}</span>
          <strong>{score(s.uniform_baseline)}</strong>
        </div>
        <div className="fd-card">
          <span className="fd-card-label">{t("fd.run.demographicsOnly")}</span>
          <strong>{score(s.overall_as_prediction)}</strong>
        </div>
        <div className="fd-card">
          <span className="fd-card-label">{t("fd.run.perfect")}</span>
          <strong>{score(s.perfect_at_n)}</strong>
        </div>
      </div>
      <p className="muted small">{t("fd.run.howToRead")}</p>

      <section className="panel" aria-labelledby="fd-groups">
        <h2 id="fd-groups">{t("fd.run.groups")}</h2>
        <div className="fd-table-wrap">
          <table className="fd-table">
            <thead>
              <tr>
                <th scope="col">{t("fd.run.group")}</th>
                <th scope="col" className="fd-opt">{t("fd.run.n")}</th>
                <th scope="col">{t("fd.run.score")}</th>
                <th scope="col" className="fd-bar-col" aria-hidden="true" />
                <th scope="col">{t("fd.run.uniform")}</th>
                <th scope="col">{t("fd.run.demographicsOnly")}</th>
                <th scope="col" className="fd-opt">{t("fd.run.perfect")}</th>
                <th scope="col" className="fd-opt">{t("fd.run.direction")}</th>
              </tr>
            </thead>
            <tbody>
              {report.groups.map((g) => (
                <tr key={g.id} className={report.worst.groups.includes(g.id) ? "worst" : ""}>
                  <th scope="row">{groupLabel(t, g.id)}</th>
                  <td className="fd-opt">{g.n_synthetic}</td>
                  <td>
                    <strong>{score(g.score)}</strong>
                  </td>
                  <td className="fd-bar-col">
                    <Bar m={g} />
                  </td>
                  <td>{score(g.uniform_baseline)}</td>
                  <td>{score(g.overall_as_prediction)}</td>
                  <td className="fd-opt">{score(g.perfect_at_n)}</td>
                  <td className="fd-opt">
                    {g.differences && g.differences.clear_differences > 0
                      ? t("fd.run.directionValue", { matched: g.differences.direction_matched, clear: g.differences.clear_differences })
                      : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <div className="fd-two">
        <section className="panel" aria-labelledby="fd-worst">
          <h2 id="fd-worst">{t("fd.run.worst")}</h2>
          <h3>{t("fd.run.worstGroups")}</h3>
          <ul>
            {report.worst.groups.map((g) => (
              <li key={g}>{groupLabel(t, g)}</li>
            ))}
          </ul>
          <h3>{t("fd.run.worstTopics")}</h3>
          <ul>
            {report.worst.topics.map((topic) => (
              <li key={topic}>{topicLabel(t, topic)}</li>
            ))}
          </ul>
        </section>
        <section className="panel" aria-labelledby="fd-diff">
          <h2 id="fd-diff">{t("fd.run.differences")}</h2>
          <p>
            {t("fd.run.differencesText", {
              clear: d.clear_differences,
              threshold: percent(d.clear_threshold),
              matched: d.direction_matched,
              ratio: d.size_ratio === null ? "—" : d.size_ratio.toFixed(2),
              correlation: d.correlation === null ? "—" : d.correlation.toFixed(2),
            })}
          </p>
        </section>
      </div>

      <section className="panel" aria-labelledby="fd-topics">
        <h2 id="fd-topics">{t("fd.run.topics")}</h2>
        <div className="fd-table-wrap">
          <table className="fd-table">
            <thead>
              <tr>
                <th scope="col">{t("fd.run.topic")}</th>
                <th scope="col">{t("fd.run.score")}</th>
                <th scope="col" className="fd-bar-col" aria-hidden="true" />
                <th scope="col">{t("fd.run.uniform")}</th>
                <th scope="col">{t("fd.run.demographicsOnly")}</th>
              </tr>
            </thead>
            <tbody>
              {[...report.topics]
                .sort((a, b) => (a.score ?? 0) - (b.score ?? 0))
                .map((topic) => (
                  <tr key={topic.topic}>
                    <th scope="row">{topicLabel(t, topic.topic)}</th>
                    <td>
                      <strong>{score(topic.score)}</strong>
                    </td>
                    <td className="fd-bar-col">
                      <Bar m={topic} />
                    </td>
                    <td>{score(topic.uniform_baseline)}</td>
                    <td>{score(topic.overall_as_prediction)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="panel" aria-labelledby="fd-questions">
        <h2 id="fd-questions">{t("fd.run.questions")}</h2>
        <ul className="fd-questions">
          {report.questions.map((q) => (
            <QuestionRow key={q.id} q={q} order={report.groups.map((g) => g.id)} />
          ))}
        </ul>
      </section>

      <section className="panel fd-repeat" aria-labelledby="fd-repeat">
        <h2 id="fd-repeat">{t("fd.run.repeat")}</h2>
        <dl>
          <dt>{t("fd.run.model")}</dt>
          <dd>
            {r.provider}:{r.model}
          </dd>
          <dt>{t("fd.run.promptVersion")}</dt>
          <dd>
            {r.prompt_version} · {r.fidelity_version}
          </dd>
          <dt>{t("fd.run.sample")}</dt>
          <dd>
            {t("fd.run.sampleValue", {
              perGroup: r.persona_sample.per_group,
              seed: r.seed,
              respondents: r.persona_sample.respondents,
              digest: r.persona_sample.digest,
            })}
          </dd>
          <dt>{t("fd.run.volunteered")}</dt>
          <dd>{tk(`fd.run.volunteered.${r.volunteered_options}`)}</dd>
          <dt>{t("fd.run.calls")}</dt>
          <dd>{t("fd.run.callsValue", { calls: r.calls, cost: r.cost_usd.toFixed(4) })}</dd>
          <dt>{t("fd.run.dropped")}</dt>
          <dd>
            {s.dropped_answers} ({s.drop_rate === null ? "—" : percent(s.drop_rate)})
          </dd>
          <dt>{t("fd.run.date")}</dt>
          <dd>{formatDate(r.finished_at)}</dd>
        </dl>
        {report.benchmark.citation !== null && (
          <p className="small muted fd-citation">
            {t("fd.run.citation")}: {report.benchmark.citation}
          </p>
        )}
      </section>
    </>
  );
}

function QuestionRow({ q, order }: { q: QuestionResult; order: string[] }) {
  const { t } = useI18n();
  // Stored as JSONB, whose keys come back in its own order: shown in the groups' order.
  const rank = (group: string) => (order.includes(group) ? order.indexOf(group) : order.length);
  const cells = Object.entries(q.groups).sort(([a], [b]) => rank(a) - rank(b));
  return (
    <li>
      <details>
        <summary>
          <span className="fd-q-name">{q.short ?? q.id}</span> <span className="muted small">{topicLabel(t, q.topic)}</span>{" "}
          <strong>{score(q.score)}</strong> <span className="muted small">/ {score(q.uniform_baseline)}</span>
          <span className="fd-q-text">{q.text}</span>
        </summary>
        {q.omitted_options.length > 0 && (
          <p className="small muted">{t("fd.run.omitted", { options: q.omitted_options.join(", ") })}</p>
        )}
        <div className="fd-table-wrap">
          <table className="fd-table fd-dist">
            <thead>
              <tr>
                <th scope="col">{t("fd.run.group")}</th>
                <th scope="col">{t("fd.run.score")}</th>
                <th scope="col" />
                {q.options.map((o) => (
                  <th scope="col" key={o}>
                    {o}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {cells.map(([group, cell]) => (
                <Fragment key={group}>
                  <tr>
                    <th scope="row" rowSpan={2}>
                      {groupLabel(t, group)}
                    </th>
                    <td rowSpan={2}>{score(cell.score)}</td>
                    <td className="small muted">{t("fd.run.human")}</td>
                    {cell.human.map((p, i) => (
                      <td key={i}>{percent(p)}</td>
                    ))}
                  </tr>
                  <tr>
                    <td className="small muted">{t("fd.run.synthetic")}</td>
                    {cell.synthetic.map((p, i) => (
                      <td key={i}>{percent(p)}</td>
                    ))}
                  </tr>
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </li>
  );
}

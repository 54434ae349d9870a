import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { useI18n } from "../../i18n";
import { byKey } from "./text";
import { analysisKey, groupKey, transcriptKey, useFocusGroupsApi } from "./api";
import type { AISummary, ConceptGraph, KeyInsight, SentimentReport, ThemeReport } from "./api";
import { CountBars, SentimentBars } from "./charts";
import { ConceptGraphView } from "./ConceptGraphView";
import { GeneratedBy } from "./GeneratedBy";
import { RunAnalysis } from "./RunAnalysis";
import { roomFromTranscript } from "./room";
import { QuestionBlock } from "./Transcript";
import type { Highlight } from "./Transcript";
import "./focusGroups.css";
import { ExportMenu } from "../exports/ExportMenu";

const DIMENSIONS = ["age_group", "gender", "urban_rural", "education", "income_band", "segment"] as const;
type Dimension = (typeof DIMENSIONS)[number];
const isDimension = (value: string): value is Dimension => (DIMENSIONS as readonly string[]).includes(value);

function Insight({ insight, onQuote }: { insight: KeyInsight; onQuote: (h: Highlight) => void }) {
  const { t, formatNumber } = useI18n();
  const tk = byKey(t);
  return (
    <li className={`fg-insight type-${insight.type}`}>
      <div className="fg-insight-head">
        <span className={`badge fg-type-${insight.type}`}>{tk(`fg.insight.${insight.type}`)}</span>
        <span className="muted small">
          {t("fg.insight.confidence", { value: formatNumber(Math.round(insight.confidence * 100)) })}
        </span>
      </div>
      <h4>{insight.title}</h4>
      <p>{insight.insight}</p>
      <ul className="fg-quotes">
        {insight.evidence.map((e) => (
          <li key={`${e.response_id}-${e.start}`}>
            <a
              href={`#turn-${e.response_id}`}
              onClick={(event) => {
                event.preventDefault();
                onQuote({ responseId: e.response_id, start: e.start, end: e.end });
              }}
            >
              <q>{e.quote}</q>
            </a>{" "}
            <span className="muted small">
              — {e.persona_name}, {t("fg.room.question", { n: e.question_index + 1 })}
            </span>
          </li>
        ))}
      </ul>
    </li>
  );
}

function SummarySection({ summary, onQuote }: { summary: AISummary; onQuote: (h: Highlight) => void }) {
  const { t } = useI18n();
  const m = summary.metadata;
  return (
    <section className="panel" aria-labelledby="fg-summary-title">
      <header className="panel-header">
        <h2 id="fg-summary-title">{t("fg.summary.title")}</h2>
        <GeneratedBy by={m.generated_by} />
      </header>
      <p className="fg-executive">{summary.executive_summary}</p>
      <h3>{t("fg.summary.insights", { count: summary.key_insights.length })}</h3>
      <ol className="fg-insights">
        {summary.key_insights.map((insight, index) => (
          <Insight key={index} insight={insight} onQuote={onQuote} />
        ))}
      </ol>
      <p className="muted small">
        {t("fg.summary.checked", { checked: m.quotes_checked, repaired: m.quotes_repaired, dropped: m.quotes_dropped })}
      </p>
      {summary.surprising_findings.length > 0 && (
        <>
          <h3>{t("fg.summary.surprises")}</h3>
          <ul>
            {summary.surprising_findings.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ul>
        </>
      )}
      {summary.recommendations.length > 0 && (
        <>
          <h3>{t("fg.summary.recommendations")}</h3>
          <ol>
            {summary.recommendations.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ol>
        </>
      )}
      <h3>{t("fg.summary.sentiment")}</h3>
      <p>{summary.sentiment_narrative}</p>
      <p className="muted small">
        {t("fg.summary.meta", { model: m.model, version: m.prompt_version, count: m.responses_analyzed })}
      </p>
    </section>
  );
}

function SentimentSection({ report }: { report: SentimentReport }) {
  const { t } = useI18n();
  const available = report.per_segment.dimensions.filter((d) => isDimension(d.dimension));
  const [dimension, setDimension] = useState<string>(available[0]?.dimension ?? "");
  const current = available.find((d) => d.dimension === dimension) ?? available[0];
  const dimensionLabel = (d: string) => (isDimension(d) ? t(`fg.dimension.${d}`) : d);
  return (
    <section className="panel" aria-labelledby="fg-sentiment-title">
      <header className="panel-header">
        <h2 id="fg-sentiment-title">{t("fg.sentiment.title")}</h2>
        <GeneratedBy by={report.generated_by} />
      </header>
      <p className="muted small">{t("fg.sentiment.method", { method: report.method })}</p>
      <SentimentBars
        caption={t("fg.sentiment.perQuestion")}
        labelHeader={t("fg.sentiment.question")}
        rows={report.per_question.map((q) => ({
          key: String(q.question_index),
          label: `${q.question_index + 1}. ${q.question}`,
          positive: q.positive,
          neutral: q.neutral,
          negative: q.negative,
          mean: q.mean_score,
        }))}
      />
      {current !== undefined && (
        <>
          <label className="fg-inline">
            <span>{t("fg.sentiment.by")}</span>
            <select value={current.dimension} onChange={(event) => setDimension(event.target.value)}>
              {available.map((d) => (
                <option key={d.dimension} value={d.dimension}>
                  {dimensionLabel(d.dimension)}
                </option>
              ))}
            </select>
          </label>
          <SentimentBars
            caption={t("fg.sentiment.perSegment", { dimension: dimensionLabel(current.dimension) })}
            labelHeader={dimensionLabel(current.dimension)}
            rows={current.segments.map((s) => ({
              key: s.key,
              label: s.label,
              positive: s.positive,
              neutral: s.neutral,
              negative: s.negative,
              mean: s.mean_score,
              note: t("fg.sentiment.segmentCounts", { personas: s.personas, responses: s.responses }),
            }))}
          />
        </>
      )}
    </section>
  );
}

function ThemesSection({ report }: { report: ThemeReport }) {
  const { t } = useI18n();
  return (
    <section className="panel" aria-labelledby="fg-themes-title">
      <header className="panel-header">
        <h2 id="fg-themes-title">{t("fg.themes.title")}</h2>
        <GeneratedBy by={report.generated_by} />
      </header>
      {report.themes.length === 0 ? (
        <p className="muted">{t("fg.themes.empty")}</p>
      ) : (
        <CountBars
          caption={t("fg.themes.caption")}
          labelHeader={t("fg.themes.theme")}
          countHeader={t("fg.themes.answers")}
          rows={report.themes.map((theme) => ({
            key: theme.theme,
            label: theme.theme,
            count: theme.responses,
            detail: t("fg.themes.detail", { personas: theme.personas, positive: theme.positive, negative: theme.negative }),
          }))}
        />
      )}
    </section>
  );
}

function GraphSection({ graph }: { graph: ConceptGraph }) {
  const { t, formatNumber } = useI18n();
  return (
    <section className="panel" aria-labelledby="fg-graph-title">
      <header className="panel-header">
        <h2 id="fg-graph-title">{t("fg.graph.title")}</h2>
        <GeneratedBy by={graph.method} />
      </header>
      <p className="muted small">{t("fg.graph.engine", { engine: graph.engine, store: graph.store })}</p>
      <ConceptGraphView graph={graph} />
      <div className="columns">
        <div>
          <h3>{t("fg.graph.influential")}</h3>
          <ol>
            {graph.influential_personas.slice(0, 5).map((p) => (
              <li key={p.persona_id}>
                <Link to={`/personas/${p.persona_id}`}>{p.persona_name}</Link>{" "}
                <span className="muted small">
                  {t("fg.graph.influence", { value: formatNumber(Math.round(p.influence * 100) / 100), concepts: p.concepts })}
                </span>
              </li>
            ))}
          </ol>
        </div>
        <div>
          <h3>{t("fg.graph.contested")}</h3>
          {graph.contested_concepts.length === 0 ? (
            <p className="muted">{t("fg.graph.noContested")}</p>
          ) : (
            <ul>
              {graph.contested_concepts.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}

export function AnalysisPage() {
  const { focusGroupId = "" } = useParams();
  const fg = useFocusGroupsApi();
  const { t } = useI18n();
  const [highlight, setHighlight] = useState<Highlight | null>(null);
  const group = useQuery({ queryKey: groupKey(focusGroupId), queryFn: () => fg.get(focusGroupId) });
  const status = useQuery({ queryKey: [...analysisKey(focusGroupId), "status"], queryFn: () => fg.analysisStatus(focusGroupId) });
  const has = status.data;
  const summary = useQuery({
    queryKey: [...analysisKey(focusGroupId), "summary"],
    queryFn: () => fg.summary(focusGroupId),
    enabled: has?.has_summary === true,
  });
  const sentiment = useQuery({
    queryKey: [...analysisKey(focusGroupId), "sentiment"],
    queryFn: () => fg.sentiment(focusGroupId),
    enabled: has?.has_sentiment === true,
  });
  const themes = useQuery({
    queryKey: [...analysisKey(focusGroupId), "themes"],
    queryFn: () => fg.themes(focusGroupId),
    enabled: has?.has_sentiment === true,
  });
  const graph = useQuery({
    queryKey: [...analysisKey(focusGroupId), "graph"],
    queryFn: () => fg.conceptGraph(focusGroupId),
    enabled: has?.has_concept_graph === true,
  });
  const transcript = useQuery({ queryKey: transcriptKey(focusGroupId), queryFn: () => fg.transcript(focusGroupId) });
  const room = useMemo(
    () => (transcript.data === undefined ? null : roomFromTranscript(transcript.data, "completed")),
    [transcript.data],
  );

  if (group.isPending || status.isPending) return <Loading />;
  if (group.isError) return <ErrorMessage error={group.error} onRetry={() => void group.refetch()} />;
  if (status.isError) return <ErrorMessage error={status.error} onRetry={() => void status.refetch()} />;
  const data = group.data;
  const nothing = !status.data.has_summary && !status.data.has_sentiment;

  return (
    <div className="fg-analysis">
      <p>
        <Link to={`/focus-groups/${data.id}`}>← {t("fg.analysis.back")}</Link>
      </p>
      <h1>
        {data.name} <span className="muted">· {t("fg.analysis.title")}</span>
      </h1>
      <ExportMenu kind="focusGroup" id={data.id} />
      <RunAnalysis group={data} status={status.data} />
      {nothing && <p className="muted">{t("fg.analysis.none")}</p>}
      <div className="stack">
        {summary.isError && <ErrorMessage error={summary.error} />}
        {summary.data !== undefined && <SummarySection summary={summary.data} onQuote={setHighlight} />}
        {sentiment.data !== undefined && <SentimentSection report={sentiment.data} />}
        {themes.data !== undefined && <ThemesSection report={themes.data} />}
        {graph.data !== undefined && <GraphSection graph={graph.data} />}
        {room !== null && (
          <section className="panel" aria-labelledby="fg-transcript-title">
            <header className="panel-header">
              <h2 id="fg-transcript-title">{t("fg.room.transcript")}</h2>
              {[...new Set(room.questions.flatMap((q) => q.turns.map((turn) => turn.generatedBy ?? "")))]
                .filter((by) => by !== "")
                .map((by) => (
                  <GeneratedBy key={by} by={by} />
                ))}
            </header>
            {room.questions.map((q) => (
              <QuestionBlock key={q.index} question={q} highlight={highlight} live={false} />
            ))}
          </section>
        )}
      </div>
    </div>
  );
}

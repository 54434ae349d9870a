import { useMemo, useState } from "react";
import type { KeyboardEvent } from "react";
import { useI18n } from "../../i18n";
import type { ConceptGraph } from "./api";
import { HEIGHT, layout, WIDTH } from "./graphLayout";
import { segmentLabel } from "./text";

const toneColour = (tone: number) =>
  tone > 0.2 ? "var(--fg-pos)" : tone < -0.2 ? "var(--fg-neg)" : "var(--fg-neu)";

/** Concepts as circles (size: mentions, colour: tone, dashed ring: contested),
 *  lines for co-occurrence. Select a concept (click, Enter) to see who raised it. */
export function ConceptGraphView({ graph }: { graph: ConceptGraph }) {
  const { t, locale, formatNumber } = useI18n();
  const placed = useMemo(() => layout(graph), [graph]);
  const [selected, setSelected] = useState<string | null>(null);
  const [hovered, setHovered] = useState<string | null>(null);
  const focus = hovered ?? selected;
  const neighbours = useMemo(() => {
    const set = new Set<string>();
    if (focus === null) return set;
    for (const e of placed.edges) {
      if (e.source === focus) set.add(e.target);
      if (e.target === focus) set.add(e.source);
    }
    return set;
  }, [focus, placed.edges]);
  const position = new Map(placed.nodes.map((n) => [n.id, n]));
  const heaviest = Math.max(1, ...placed.edges.map((e) => e.weight));
  const node = graph.nodes.find((n) => n.concept === selected) ?? null;
  const mentions = graph.mentions.filter((m) => m.concept === selected).sort((a, b) => b.mentions - a.mentions);

  const onKey = (event: KeyboardEvent<SVGGElement>, id: string) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      setSelected((current) => (current === id ? null : id));
    }
  };

  if (graph.nodes.length === 0) return <p className="muted">{t("fg.graph.empty")}</p>;
  return (
    <div className="fg-graph">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="group"
        aria-label={t("fg.graph.label", { count: graph.nodes.length })}
        className="fg-graph-svg"
      >
        <g aria-hidden="true">
          {placed.edges.map((e) => {
            const a = position.get(e.source);
            const b = position.get(e.target);
            if (a === undefined || b === undefined) return null;
            const lit = focus !== null && (e.source === focus || e.target === focus);
            return (
              <line
                key={`${e.source}|${e.target}`}
                x1={a.x}
                y1={a.y}
                x2={b.x}
                y2={b.y}
                className={lit ? "fg-edge lit" : "fg-edge"}
                strokeWidth={1 + 5 * (e.weight / heaviest)}
              />
            );
          })}
        </g>
        {placed.nodes.map((n) => {
          const dim = focus !== null && n.id !== focus && !neighbours.has(n.id);
          return (
            <g
              key={n.id}
              transform={`translate(${n.x},${n.y})`}
              tabIndex={0}
              role="button"
              aria-pressed={selected === n.id}
              aria-label={t("fg.graph.node", { concept: n.id, count: n.mentions })}
              className={`fg-node${dim ? " dim" : ""}${selected === n.id ? " selected" : ""}`}
              onClick={() => setSelected((current) => (current === n.id ? null : n.id))}
              onKeyDown={(event) => onKey(event, n.id)}
              onMouseEnter={() => setHovered(n.id)}
              onMouseLeave={() => setHovered(null)}
            >
              <circle r={n.r} fill={toneColour(n.tone)} />
              {n.contested >= 0.5 && <circle r={n.r + 4} className="fg-contested-ring" />}
              <text
                y={-n.r - 4}
                textAnchor={n.x > WIDTH - 120 ? "end" : n.x < 120 ? "start" : "middle"}
                className="fg-node-label"
              >
                {n.id}
              </text>
            </g>
          );
        })}
      </svg>
      <p className="muted small">{t("fg.graph.legend")}</p>
      {node !== null && (
        <section className="fg-graph-detail" aria-live="polite">
          <h4>{node.concept}</h4>
          <p>
            {t("fg.graph.detail", {
              mentions: node.mentions,
              personas: node.personas,
              positive: node.positive,
              negative: node.negative,
            })}
          </p>
          <p className="muted small">
            {t("fg.graph.centrality", {
              pagerank: formatNumber(Math.round(node.pagerank * 1000) / 1000),
              betweenness: formatNumber(Math.round(node.betweenness * 100) / 100),
            })}
          </p>
          <ul>
            {mentions.map((m) => (
              <li key={m.persona_id}>
                {m.persona_name} <span className="muted small">({segmentLabel(t, locale, m.segment)})</span> ×{m.mentions}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

import { useQuery } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import type { PointerEvent as ReactPointerEvent } from "react";
import { ErrorMessage } from "../../components/ErrorMessage";
import { Loading } from "../../components/Loading";
import { catalogues, useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n";
import { graphKey, useKnowledgeApi } from "./api";
import { clamp, HEIGHT, layoutGraph, WIDTH } from "./graphLayout";
import type { GraphLink, GraphNode } from "./graphLayout";
import type { PassageRef } from "./PassageDialog";

/** Labels always drawn for this many of the most mentioned nodes; others on focus. */
const LABELLED = 14;

export function GraphPanel({ projectId, onOpen }: { projectId: string; onOpen: (passage: PassageRef) => void }) {
  const { t } = useI18n();
  const knowledge = useKnowledgeApi();
  const graph = useQuery({ queryKey: graphKey(projectId), queryFn: () => knowledge.graph(projectId) });
  const layout = useMemo(() => (graph.data === undefined ? null : layoutGraph(graph.data)), [graph.data]);
  const [moved, setMoved] = useState<Record<string, { x: number; y: number }>>({});
  const [selected, setSelected] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const [type, setType] = useState("");
  const svg = useRef<SVGSVGElement>(null);
  const dragging = useRef<{ id: string; moved: boolean } | null>(null);

  const label = (key: string, fallback: string) =>
    key in catalogues.en ? (t as (k: MessageKey) => string)(key as MessageKey) : fallback.replace(/_/g, " ");
  const typeLabel = (value: string) => label(`knowledge.entity.${value}`, value);
  const relationLabel = (value: string) => label(`knowledge.relation.${value}`, value);

  if (graph.isPending) return <Loading />;
  if (graph.isError) return <ErrorMessage error={graph.error} onRetry={() => void graph.refetch()} />;
  if (layout === null || layout.nodes.length === 0) {
    return (
      <section className="panel" aria-labelledby="graph-title">
        <h2 id="graph-title">{t("knowledge.graph.title")}</h2>
        <p className="muted">{t("knowledge.graph.empty")}</p>
      </section>
    );
  }

  const position = (node: GraphNode) => moved[node.id] ?? { x: node.x, y: node.y };
  const byId = new Map(layout.nodes.map((node) => [node.id, node]));
  const types = [...new Set(layout.nodes.map((node) => node.type))].sort();
  const needle = filter.trim().toLowerCase();
  const matches = (node: GraphNode) =>
    (type === "" || node.type === type) && (needle === "" || node.name.toLowerCase().includes(needle));
  const linksOf = (id: string) => layout.links.filter((link) => link.source === id || link.target === id);
  const focus = selected === null ? null : (byId.get(selected) ?? null);
  const neighbours = new Set(focus === null ? [] : linksOf(focus.id).flatMap((link) => [link.source, link.target]));
  const ranked = [...layout.nodes].sort((a, b) => b.mentions - a.mentions);
  const labelled = new Set(ranked.slice(0, LABELLED).map((node) => node.id));

  const toSvg = (event: ReactPointerEvent) => {
    const box = svg.current?.getBoundingClientRect();
    if (box === undefined || box.width === 0) return null;
    return {
      x: ((event.clientX - box.left) / box.width) * WIDTH,
      y: ((event.clientY - box.top) / box.height) * HEIGHT,
    };
  };
  const onPointerMove = (event: ReactPointerEvent<SVGSVGElement>) => {
    const drag = dragging.current;
    if (drag === null) return;
    const point = toSvg(event);
    const node = byId.get(drag.id);
    if (point === null || node === undefined) return;
    drag.moved = true;
    setMoved((previous) => ({
      ...previous,
      [drag.id]: {
        x: clamp(point.x, node.radius, WIDTH - node.radius),
        y: clamp(point.y, node.radius, HEIGHT - node.radius),
      },
    }));
  };
  const onPointerUp = () => {
    const drag = dragging.current;
    dragging.current = null;
    if (drag !== null && !drag.moved) setSelected((current) => (current === drag.id ? null : drag.id));
  };

  const openLink = (link: GraphLink) =>
    onOpen({ documentId: link.documentId, chunkId: link.chunkId, title: linkTitle(link), page: null, pageEnd: null });
  const linkTitle = (link: GraphLink) =>
    t("knowledge.graph.relation", {
      source: byId.get(link.source)?.name ?? "",
      target: byId.get(link.target)?.name ?? "",
    });

  return (
    <section className="panel" aria-labelledby="graph-title">
      <header className="panel-header">
        <h2 id="graph-title">{t("knowledge.graph.title")}</h2>
        <span className="muted">
          {t("knowledge.graph.summary", { entities: layout.nodes.length, relations: layout.links.length })}
        </span>
      </header>
      <p className="muted">{t("knowledge.graph.hint")}</p>
      <div className="row">
        <label>
          <span>{t("knowledge.graph.filter")}</span>
          <input type="search" value={filter} onChange={(event) => setFilter(event.target.value)} />
        </label>
        <label>
          <span>{t("knowledge.graph.type")}</span>
          <select value={type} onChange={(event) => setType(event.target.value)}>
            <option value="">{t("knowledge.graph.allTypes")}</option>
            {types.map((value) => (
              <option key={value} value={value}>
                {typeLabel(value)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="graph-layout">
        <svg
          ref={svg}
          className="graph"
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          role="img"
          aria-label={t("knowledge.graph.title")}
          data-testid="graph"
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={onPointerUp}
        >
          <g className="graph-links">
            {layout.links.map((link, index) => {
              const from = byId.get(link.source);
              const to = byId.get(link.target);
              if (from === undefined || to === undefined) return null;
              const a = position(from);
              const b = position(to);
              const active = focus !== null && (link.source === focus.id || link.target === focus.id);
              return (
                <line
                  key={index}
                  x1={a.x}
                  y1={a.y}
                  x2={b.x}
                  y2={b.y}
                  className={active ? "graph-link active" : "graph-link"}
                />
              );
            })}
          </g>
          <g className="graph-nodes">
            {layout.nodes.map((node) => {
              const { x, y } = position(node);
              const dim = !matches(node) || (focus !== null && node.id !== focus.id && !neighbours.has(node.id));
              const showLabel =
                labelled.has(node.id) ||
                node.id === focus?.id ||
                neighbours.has(node.id) ||
                (needle !== "" && matches(node));
              return (
                <g
                  key={node.id}
                  className={`graph-node type-${node.type}${dim ? " dim" : ""}${node.id === focus?.id ? " selected" : ""}`}
                  transform={`translate(${x},${y})`}
                  onPointerDown={(event) => {
                    event.currentTarget.ownerSVGElement?.setPointerCapture(event.pointerId);
                    dragging.current = { id: node.id, moved: false };
                  }}
                >
                  <circle r={node.radius}>
                    <title>{`${node.name} · ${typeLabel(node.type)}`}</title>
                  </circle>
                  {showLabel && (
                    <text y={-node.radius - 4} textAnchor="middle">
                      {node.name.length > 28 ? `${node.name.slice(0, 27)}…` : node.name}
                    </text>
                  )}
                </g>
              );
            })}
          </g>
        </svg>
        <aside className="graph-side">
          {focus === null ? (
            <>
              <p className="muted">{t("knowledge.graph.selectHint")}</p>
              <h3>{t("knowledge.graph.list")}</h3>
              <ul className="entity-list">
                {ranked
                  .filter(matches)
                  .slice(0, 15)
                  .map((node) => (
                    <li key={node.id}>
                      <button type="button" className="link-button" onClick={() => setSelected(node.id)}>
                        {node.name}
                      </button>{" "}
                      <span className="muted">
                        {typeLabel(node.type)} · {node.mentions}
                      </span>
                    </li>
                  ))}
              </ul>
            </>
          ) : (
            <div data-testid="graph-selection">
              <h3>{focus.name}</h3>
              <p className="muted">
                {typeLabel(focus.type)} · {t("knowledge.graph.mentions", { count: focus.mentions })}{" "}
                {t("knowledge.graph.inDocuments", { count: focus.documents })}
              </p>
              <h4>{t("knowledge.graph.links")}</h4>
              {linksOf(focus.id).length === 0 ? (
                <p className="muted">{t("knowledge.graph.noLinks")}</p>
              ) : (
                <ul className="entity-links">
                  {linksOf(focus.id).map((link, index) => {
                    const other = byId.get(link.source === focus.id ? link.target : link.source);
                    return (
                      <li key={index}>
                        <span>
                          {link.source === focus.id ? "→" : "←"} {relationLabel(link.type)}{" "}
                          <button type="button" className="link-button" onClick={() => other && setSelected(other.id)}>
                            {other?.name}
                          </button>
                        </span>
                        {link.description !== "" && <span className="muted small"> {link.description}</span>}{" "}
                        <button type="button" className="link-button small" onClick={() => openLink(link)}>
                          {t("knowledge.openPassage")}
                        </button>
                      </li>
                    );
                  })}
                </ul>
              )}
              <button type="button" className="secondary" onClick={() => setSelected(null)}>
                {t("knowledge.graph.reset")}
              </button>
            </div>
          )}
        </aside>
      </div>
    </section>
  );
}

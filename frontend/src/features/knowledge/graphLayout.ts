import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY } from "d3-force";
import type { SimulationLinkDatum, SimulationNodeDatum } from "d3-force";
import type { KnowledgeGraph } from "./api";

// The concept map's layout: the most mentioned entities and the relations between
// them, placed once by a force simulation run to rest (a few dozen nodes take a few
// milliseconds), then only moved by the user dragging.

export interface GraphNode extends SimulationNodeDatum {
  id: string;
  name: string;
  type: string;
  mentions: number;
  documents: number;
  radius: number;
  x: number;
  y: number;
}

export interface GraphLink {
  source: string;
  target: string;
  type: string;
  description: string;
  documentId: string;
  chunkId: string;
}

export const WIDTH = 800;
export const HEIGHT = 520;
export const MAX_NODES = 60;

export const nodeId = (type: string, name: string) => `${type}\u0000${name.toLowerCase()}`;

export function layoutGraph(graph: KnowledgeGraph, maxNodes = MAX_NODES): { nodes: GraphNode[]; links: GraphLink[] } {
  const top = [...graph.entities].sort((a, b) => b.mentions - a.mentions).slice(0, maxNodes);
  const most = Math.max(1, ...top.map((e) => e.mentions));
  const nodes: GraphNode[] = top.map((entity, index) => {
    // A deterministic spiral start: the same graph always gets the same picture.
    const angle = index * 2.399963;
    const distance = 20 + 8 * Math.sqrt(index) * 6;
    return {
      id: nodeId(entity.type, entity.name),
      name: entity.name,
      type: entity.type,
      mentions: entity.mentions,
      documents: entity.documents,
      radius: 5 + 17 * Math.sqrt(entity.mentions / most),
      x: WIDTH / 2 + distance * Math.cos(angle),
      y: HEIGHT / 2 + distance * Math.sin(angle),
    };
  });
  const known = new Set(nodes.map((node) => node.id));
  const seen = new Set<string>();
  const links: GraphLink[] = [];
  for (const relation of graph.relations) {
    const source = nodeId(relation.source_type, relation.source);
    const target = nodeId(relation.target_type, relation.target);
    const key = `${source}\u0001${target}\u0001${relation.type}`;
    if (source === target || !known.has(source) || !known.has(target) || seen.has(key)) continue;
    seen.add(key);
    links.push({
      source,
      target,
      type: relation.type,
      description: relation.description,
      documentId: relation.document_id,
      chunkId: relation.chunk_id,
    });
  }
  if (nodes.length === 0) return { nodes, links };

  const simulationLinks: SimulationLinkDatum<GraphNode>[] = links.map((link) => ({
    source: link.source,
    target: link.target,
  }));
  const simulation = forceSimulation<GraphNode>(nodes)
    .force(
      "link",
      forceLink<GraphNode, SimulationLinkDatum<GraphNode>>(simulationLinks)
        .id((node) => node.id)
        .distance(70)
        .strength(0.4),
    )
    .force("charge", forceManyBody<GraphNode>().strength(-140))
    .force("collide", forceCollide<GraphNode>((node) => node.radius + 4))
    .force("x", forceX<GraphNode>(WIDTH / 2).strength(0.06))
    .force("y", forceY<GraphNode>(HEIGHT / 2).strength(0.09))
    .force("center", forceCenter(WIDTH / 2, HEIGHT / 2))
    .stop();
  simulation.tick(300);
  for (const node of nodes) {
    node.x = clamp(node.x, node.radius + 2, WIDTH - node.radius - 2);
    node.y = clamp(node.y, node.radius + 2, HEIGHT - node.radius - 2);
  }
  return { nodes, links };
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

import type { ConceptGraph } from "./api";

// A small spring layout for the concept graph (tens of nodes): deterministic start
// on a spiral, a fixed number of iterations of repulsion, weighted springs and a
// pull to the centre, then clamped into the frame. The same graph always gets the
// same picture; no library needed at this size.

export const WIDTH = 760;
export const HEIGHT = 480;

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  r: number;
  mentions: number;
  contested: number;
  /** -1 (critical) .. 1 (favourable): positive minus negative share. */
  tone: number;
  community: number;
}

export interface PlacedEdge {
  source: string;
  target: string;
  weight: number;
}

export function layout(graph: ConceptGraph, iterations = 300): { nodes: PlacedNode[]; edges: PlacedEdge[] } {
  const most = Math.max(1, ...graph.nodes.map((n) => n.mentions));
  const nodes: PlacedNode[] = graph.nodes.map((n, i) => {
    const angle = i * 2.399963;
    const radius = 30 + 12 * Math.sqrt(i);
    const labelled = n.positive + n.negative + n.neutral;
    return {
      id: n.concept,
      x: WIDTH / 2 + radius * Math.cos(angle),
      y: HEIGHT / 2 + radius * Math.sin(angle),
      r: 8 + 18 * Math.sqrt(n.mentions / most),
      mentions: n.mentions,
      contested: n.contested,
      tone: labelled === 0 ? 0 : (n.positive - n.negative) / labelled,
      community: n.community,
    };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = graph.edges.filter((e) => byId.has(e.source) && byId.has(e.target));
  const springs = edges.flatMap((e) => {
    const a = byId.get(e.source);
    const b = byId.get(e.target);
    return a === undefined || b === undefined ? [] : [{ a, b, weight: e.weight }];
  });
  const heaviest = Math.max(1, ...edges.map((e) => e.weight));
  const force = new Map(nodes.map((n) => [n, { x: 0, y: 0 }]));
  const push = (n: PlacedNode, x: number, y: number) => {
    const f = force.get(n);
    if (f !== undefined) {
      f.x += x;
      f.y += y;
    }
  };
  for (let step = 0; step < iterations; step++) {
    const cooling = 1 - step / iterations;
    for (const f of force.values()) {
      f.x = 0;
      f.y = 0;
    }
    nodes.forEach((a, i) => {
      for (const b of nodes.slice(i + 1)) {
        const x = a.x - b.x;
        const y = a.y - b.y;
        const d2 = Math.max(x * x + y * y, 1);
        const d = Math.sqrt(d2);
        const repel = 9000 / d2;
        push(a, (x / d) * repel, (y / d) * repel);
        push(b, (-x / d) * repel, (-y / d) * repel);
      }
    });
    for (const { a, b, weight } of springs) {
      const x = b.x - a.x;
      const y = b.y - a.y;
      const d = Math.max(Math.sqrt(x * x + y * y), 1);
      const pull = (d - (70 + a.r + b.r)) * (0.02 + 0.06 * (weight / heaviest));
      push(a, (x / d) * pull, (y / d) * pull);
      push(b, (-x / d) * pull, (-y / d) * pull);
    }
    const limit = 12 * cooling + 0.5;
    for (const [n, f] of force) {
      const fx = f.x + (WIDTH / 2 - n.x) * 0.01;
      const fy = f.y + (HEIGHT / 2 - n.y) * 0.01;
      n.x += Math.max(-limit, Math.min(limit, fx));
      n.y += Math.max(-limit, Math.min(limit, fy));
    }
  }
  // Stretch the result to the frame: the simulation settles wherever its
  // forces balance, often in a small cluster; the picture should use the space.
  if (nodes.length > 1) {
    const xs = nodes.map((n) => n.x);
    const ys = nodes.map((n) => n.y);
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const margin = 60;
    for (const n of nodes) {
      n.x = maxX > minX ? margin + ((n.x - minX) / (maxX - minX)) * (WIDTH - 2 * margin) : WIDTH / 2;
      n.y = maxY > minY ? margin + ((n.y - minY) / (maxY - minY)) * (HEIGHT - 2 * margin) : HEIGHT / 2;
    }
  }
  return { nodes, edges };
}

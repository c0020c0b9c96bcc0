import dagre from '@dagrejs/dagre';

import { NODE_H, NODE_W, type GraphLayout } from './graph-geometry';

export type { GraphLayout };

// Layouts depend only on a version's steps and needs: keep the last few.
const cache = new Map<string, GraphLayout>();
const CACHE_SIZE = 50;

/** layoutGraph, remembered by the version's structure hash. */
export function cachedLayout(structureHash: string, steps: { key: string; needs: string[] }[]): GraphLayout {
  let layout = cache.get(structureHash);
  if (!layout) {
    layout = layoutGraph(steps);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(structureHash, layout);
  }
  return layout;
}

/**
 * Lays a run's steps out left to right with dagre. It runs on the server, so
 * the browser receives positioned boxes and never downloads the layout code.
 */
export function layoutGraph(steps: { key: string; needs: string[] }[]): GraphLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 40, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const step of steps) g.setNode(step.key, { width: NODE_W, height: NODE_H });
  for (const step of steps) for (const need of step.needs) g.setEdge(need, step.key);
  dagre.layout(g);
  const graph = g.graph() as { width?: number; height?: number };
  const position = (key: string) => g.node(key) as { x: number; y: number };
  const route = (e: { v: string; w: string }) => (g.edge(e) as { points?: { x: number; y: number }[] }).points ?? [];
  return {
    width: graph.width ?? 0,
    height: graph.height ?? 0,
    nodes: Object.fromEntries(steps.map((s) => [s.key, position(s.key)])),
    edges: g.edges().map((e) => ({ from: e.v, to: e.w, points: route(e) })),
  };
}

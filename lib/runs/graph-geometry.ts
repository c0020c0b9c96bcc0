/** The size of a graph node, shared by the layout (server) and the drawing (browser). */
export const NODE_W = 168;
export const NODE_H = 64;

/** A laid-out graph as plain data: it travels to the browser as JSON. */
export interface GraphLayout {
  width: number;
  height: number;
  nodes: Record<string, { x: number; y: number }>;
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

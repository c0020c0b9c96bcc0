/** The size of a graph node, shared by the layout (server) and the drawing (browser). */
// Wide and tall enough for a title of about 40 characters on two lines ("Deploy to production (eu-west)").
export const NODE_W = 192;
export const NODE_H = 72;

/** A laid-out graph as plain data: it travels to the browser as JSON. */
export interface GraphLayout {
  width: number;
  height: number;
  nodes: Record<string, { x: number; y: number }>;
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

import { NODE_H, NODE_W, type GraphLayout } from '@/lib/runs/graph-geometry';

/**
 * A pipeline's steps as a graph, laid out on the server like a run's
 * (lib/runs/graph-layout) but without statuses: each node links to its
 * step's description below.
 */
export function DefinitionGraph({
  layout,
  steps,
}: {
  layout: GraphLayout;
  steps: { key: string; title: string; environment: string | null }[];
}) {
  return (
    <div className="overflow-auto rounded-lg border border-zinc-200 bg-zinc-50/50 p-2 dark:border-zinc-800 dark:bg-zinc-900/40">
      <div className="relative" style={{ width: layout.width, height: layout.height }}>
        <svg aria-hidden className="absolute inset-0" width={layout.width} height={layout.height}>
          <defs>
            <marker id="definition-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" className="fill-zinc-400 dark:fill-zinc-600" />
            </marker>
          </defs>
          {layout.edges.map((e) => (
            <polyline
              key={`${e.from}-${e.to}`}
              points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}
              className="fill-none stroke-zinc-400 dark:stroke-zinc-600"
              strokeWidth={1.5}
              markerEnd="url(#definition-arrow)"
            />
          ))}
        </svg>
        {steps.map((step) => {
          const at = layout.nodes[step.key];
          if (!at) return null;
          return (
            <a
              key={step.key}
              href={`#step-${step.key}`}
              data-definition-step={step.key}
              title={`${step.title === step.key ? step.title : `${step.title} (${step.key})`}${step.environment ? `, deploys to ${step.environment}` : ''}`}
              className="absolute flex flex-col justify-center rounded-lg border-2 border-zinc-300 bg-white px-3 text-sm text-zinc-800 shadow-sm transition hover:shadow-md focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-200"
              style={{ left: at.x - NODE_W / 2, top: at.y - NODE_H / 2, width: NODE_W, height: NODE_H }}
            >
              <span className="truncate font-medium">{step.title}</span>
              <span className="truncate font-mono text-xs text-zinc-500 dark:text-zinc-400">{step.key}</span>
            </a>
          );
        })}
      </div>
    </div>
  );
}

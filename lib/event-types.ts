/** Every event type the system writes: the contract of /api/events (DESIGN §6). */
export const EVENT_TYPES = [
  'run.created',
  'run.status_changed',
  'run.cancel_requested',
  'run.retried',
  'item.status_changed',
  'attempt.created',
  'attempt.started',
  'attempt.finished',
  'attempt.approved',
  'log.appended',
  'pipeline.loaded',
  'deployment.created',
  'deployment.status_changed',
  'environment.changed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** An event as /api/events sends it (the `data:` line), and as the browser hands it around. */
export interface LiveEvent {
  id: number;
  type: EventType | 'reset';
  project_id: string | null;
  run_id: string | null;
  at: string;
  data: Record<string, unknown>;
}

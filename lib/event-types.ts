/** Every event type the system writes: the contract of /api/events (DESIGN §6). */
export const EVENT_TYPES = [
  'run.created',
  'run.status_changed',
  'run.cancel_requested',
  'item.status_changed',
  'attempt.created',
  'attempt.started',
  'attempt.finished',
  'log.appended',
  'pipeline.loaded',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

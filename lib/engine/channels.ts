/**
 * NOTIFY channels besides the events' (lib/events.ts EVENTS_CHANNEL). Workers
 * listen only to these, so a log line or a status change never wakes them for
 * an empty claim.
 */

/** New attempts are ready to claim. Payload: the id of the worker whose finish queued them ('' otherwise), which ignores it. */
export const WORK_CHANNEL = 'reprise_work';

/** Someone asked to cancel running attempts: workers check the ones they run. */
export const CANCEL_CHANNEL = 'reprise_cancel';

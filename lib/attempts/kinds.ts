import type { AttemptKind } from '@/db/schema';

/** How each attempt kind reads in the dashboard. */
export const ATTEMPT_KIND_LABEL: Record<AttemptKind, string> = {
  initial: 'first attempt',
  auto_retry: 'automatic retry',
  retry: 'retry',
  replay: 'replay',
  rerun: 're-run (upstream changed)',
  reused: 'reused (not run again)',
};

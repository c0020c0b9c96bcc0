/**
 * Runs once when the server starts: opens the database, applies migrations,
 * loads the pipelines and (embedded mode) starts the worker, so the first
 * request finds everything ready and runs progress with no page open.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { startOrExit } = await import('./lib/server/runtime');
  await startOrExit();
}

import Link from 'next/link';
import { Lock, PauseCircle, Radio } from 'lucide-react';
import type { EnvironmentHold } from '@/db/schema';
import { paths } from '@/lib/paths';

/** Small pieces every environment page shows the same way. Text only: user words are never HTML. */

export const linkClass = 'text-sky-700 hover:underline dark:text-sky-400';

/** The environment's live deployment: a word and an icon, not colour alone. */
export function LiveMark() {
  return (
    <span className="inline-flex items-center gap-1 rounded-full bg-emerald-700 px-2 py-0.5 text-xs font-semibold text-white dark:bg-emerald-500 dark:text-emerald-950">
      <Radio aria-hidden className="size-3" /> live
    </span>
  );
}

export function ProtectionNote({ requiredRole }: { requiredRole: string | null }) {
  if (!requiredRole) return null;
  return (
    <span className="inline-flex items-center gap-1 text-xs text-zinc-600 dark:text-zinc-300" title={`Deploying here needs the ${requiredRole} role`}>
      <Lock aria-hidden className="size-3.5" /> protected · {requiredRole}
    </span>
  );
}

/** "held at v12 by Ana: reason" ("Held at …" to start a sentence). */
export function holdText(hold: EnvironmentHold, capital = false) {
  return `${capital ? 'Held' : 'held'} at v${hold.version} by ${hold.by_name ?? 'someone'}${hold.reason ? `: ${hold.reason}` : ''}`;
}

export function HoldMark({ hold }: { hold: EnvironmentHold | null }) {
  if (!hold) return null;
  return (
    <span className="inline-flex items-start gap-1 rounded-md bg-amber-50 px-2 py-0.5 text-xs text-amber-900 ring-1 ring-inset ring-amber-300 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-700">
      <PauseCircle aria-hidden className="mt-0.5 size-3.5 shrink-0" /> <span className="break-words">{holdText(hold)}</span>
    </span>
  );
}

type Linked = { id: string; version: number | null } | null;
const v = (l: NonNullable<Linked>) => (l.version === null ? 'an earlier deployment' : `v${l.version}`);

/** "retry of v7", "redeploy of v9", "rollback from v12 to v9", each a link to that deployment. */
export function DeploymentLinks({ retryOf, redeployOf, rollbackFrom, rollbackTo }: { retryOf: Linked; redeployOf: Linked; rollbackFrom: Linked; rollbackTo: Linked }) {
  const chip = 'inline-flex items-center gap-1 whitespace-nowrap rounded-md bg-zinc-100 px-1.5 py-0.5 text-xs text-zinc-700 dark:bg-zinc-800 dark:text-zinc-200';
  return (
    <>
      {retryOf ? (
        <span className={chip}>
          retry of{' '}
          <Link href={paths.deployment(retryOf.id)} className={linkClass}>
            {v(retryOf)}
          </Link>
        </span>
      ) : null}
      {redeployOf ? (
        <span className={chip}>
          redeploy of{' '}
          <Link href={paths.deployment(redeployOf.id)} className={linkClass}>
            {v(redeployOf)}
          </Link>
        </span>
      ) : null}
      {rollbackFrom || rollbackTo ? (
        <span className={chip}>
          rollback
          {rollbackFrom ? (
            <>
              {' '}
              from{' '}
              <Link href={paths.deployment(rollbackFrom.id)} className={linkClass}>
                {v(rollbackFrom)}
              </Link>
            </>
          ) : null}
          {rollbackTo ? (
            <>
              {' '}
              to{' '}
              <Link href={paths.deployment(rollbackTo.id)} className={linkClass}>
                {v(rollbackTo)}
              </Link>
            </>
          ) : null}
        </span>
      ) : null}
    </>
  );
}

export const shortCommit = (commit: string | null) => commit?.slice(0, 7) ?? null;

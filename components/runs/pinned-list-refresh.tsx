'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useLiveEvents } from '../live/live-events';

/**
 * Keeps the statuses of the listed runs current without letting new runs push
 * the rows around: on the first change the list is pinned (`until` in the
 * URL) to the time it was rendered; new runs are announced by NewRunsNotice.
 */
export function PinnedListRefresh({ runIds, renderedAt }: { runIds: string[]; renderedAt: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const shown = new Set(runIds);
  useLiveEvents((event) => {
    const refresh =
      event.type === 'reset' || (event.type === 'run.status_changed' && event.run_id && shown.has(event.run_id));
    if (!refresh) return;
    if (search.get('until')) {
      router.refresh();
    } else {
      const params = new URLSearchParams(search.toString());
      params.set('until', renderedAt);
      router.replace(`${pathname}?${params.toString()}`, { scroll: false });
    }
  });
  return null;
}

'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export const SHORTCUTS: [string, string][] = [
  ['r', 'Retry the failed steps of this run (opens the plan first)'],
  ['j / k', 'Next / previous failed step'],
  ['h', 'Open the attempt history of the selected (or first failed) step'],
  ['g then p', 'Go to the pipelines'],
  ['g then r', 'Go to all runs'],
  ['/', 'Find a run by number, id or commit'],
  ['?', 'Show this help'],
];

/**
 * Keyboard shortcuts, everywhere in the app: `?` for help, and on a run page
 * r (retry), j/k (move between failed steps), h (open a step's history).
 * Nothing fires while the focus is in a field.
 */
export function Shortcuts() {
  const router = useRouter();
  const help = useRef<HTMLDialogElement>(null);
  const lastKey = useRef('');

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey || typing(e.target) || document.querySelector('dialog[open]:not(#shortcuts-help)')) return;
      const previous = lastKey.current;
      lastKey.current = e.key;
      if (e.key === '?') {
        e.preventDefault();
        if (help.current?.open) help.current.close();
        else help.current?.showModal();
        return;
      }
      if (previous === 'g' && e.key === 'p') return router.push('/pipelines');
      if (previous === 'g' && e.key === 'r') return router.push('/runs');
      if (e.key === '/') {
        const search = document.getElementById('run-search');
        if (search) {
          e.preventDefault();
          search.focus();
        }
        return;
      }
      const failed = [...document.querySelectorAll<HTMLAnchorElement>('a[data-failed-step]')];
      if (e.key === 'r') {
        const retry = document.querySelector<HTMLButtonElement>('button[aria-keyshortcuts="r"]:not([disabled])');
        if (retry) {
          e.preventDefault();
          retry.click();
        }
      } else if ((e.key === 'j' || e.key === 'k') && failed.length) {
        e.preventDefault();
        const at = failed.indexOf(document.activeElement as HTMLAnchorElement);
        const next = e.key === 'j' ? (at + 1) % failed.length : (at - 1 + failed.length) % failed.length;
        failed[at === -1 && e.key === 'k' ? failed.length - 1 : next].focus();
      } else if (e.key === 'h') {
        const active = document.activeElement as HTMLElement | null;
        const target = active?.matches('a[data-step-link]') ? (active as HTMLAnchorElement) : failed[0];
        if (target) router.push(target.getAttribute('href')!);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [router]);

  return (
    <dialog
      id="shortcuts-help"
      ref={help}
      aria-labelledby="shortcuts-title"
      className="m-auto w-[28rem] rounded-xl border border-zinc-200 bg-white p-5 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <h2 id="shortcuts-title" className="text-lg font-semibold">
        Keyboard shortcuts
      </h2>
      <dl className="mt-3 space-y-1 text-sm">
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys} className="flex gap-3">
            <dt className="w-20 shrink-0">
              <kbd className="rounded border border-zinc-300 px-1.5 font-mono text-xs dark:border-zinc-600">{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog" className="mt-4 text-right">
        <button className="rounded-md px-3 py-1 text-sm ring-1 ring-zinc-300 dark:ring-zinc-700">Close</button>
      </form>
    </dialog>
  );
}

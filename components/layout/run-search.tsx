'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { Search } from 'lucide-react';
import { viewUrl } from '@/lib/query-keys';
import { paths } from '@/lib/paths';
import type { ViewData } from '@/lib/views/registry';

/**
 * The header's run finder: a run number ("#42", "release #42"), a run id or
 * its first characters, or a commit prefix. One match opens the run; several
 * open the runs page with the matches; none says so here. `/` focuses it.
 */
export function RunSearch() {
  const router = useRouter();
  const [text, setText] = useState('');
  const [message, setMessage] = useState('');
  const [pending, startTransition] = useTransition();

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    if (!q) return;
    startTransition(async () => {
      setMessage('');
      const response = await fetch(viewUrl(['run-search', { q }]), { headers: { accept: 'application/json' } });
      if (!response.ok) {
        setMessage(response.status === 401 ? 'Sign in again to search.' : 'The search failed; try again.');
        return;
      }
      const found = (await response.json()) as ViewData<'run-search'>;
      if (!found.understood) setMessage('Type a run number (#42), a run id or a commit prefix.');
      else if (found.items.length === 0) setMessage(`No run matches “${q}”.`);
      else if (found.items.length === 1) {
        setText('');
        router.push(paths.run(found.items[0].id));
      } else router.push(paths.runs({ q }));
    });
  };

  return (
    // Before the page's script runs, the form still works: /runs?q= lists the matches.
    <form role="search" aria-label="Find a run" action={paths.runs()} onSubmit={submit} className="relative h-8 w-8 shrink-0 2xl:w-52">
      <label htmlFor="run-search" className="sr-only">
        Find a run by number, id or commit
      </label>
      <Search aria-hidden className="pointer-events-none absolute left-2.5 top-1/2 z-30 size-3.5 -translate-y-1/2 text-zinc-500 dark:text-zinc-400" />
      <input
        id="run-search"
        name="q"
        type="search"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setMessage('');
        }}
        maxLength={200}
        placeholder="Find a run  /"
        aria-keyshortcuts="/"
        aria-describedby={message ? 'run-search-message' : undefined}
        aria-busy={pending || undefined}
        // Narrow headers keep a search icon; the box widens over the links while in use.
        className="absolute right-0 top-0 z-20 h-8 w-8 cursor-pointer rounded-md border border-zinc-300 bg-white pl-7 pr-0 text-sm placeholder:text-transparent focus:w-64 focus:pl-8 focus:pr-2 not-placeholder-shown:pl-8 2xl:pl-8 2xl:pr-2 focus:cursor-text focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 focus:placeholder:text-zinc-400 not-placeholder-shown:w-64 2xl:w-full 2xl:cursor-text 2xl:placeholder:text-zinc-400 dark:border-zinc-700 dark:bg-zinc-950"
      />
      <p
        id="run-search-message"
        role="status"
        className={
          message
            ? 'absolute right-0 top-full z-20 mt-1 w-64 rounded-md border border-zinc-200 bg-white px-3 py-2 text-xs text-zinc-700 shadow-md dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200'
            : 'sr-only'
        }
      >
        {message}
      </p>
    </form>
  );
}

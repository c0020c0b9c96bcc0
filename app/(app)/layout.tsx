import Link from 'next/link';
import { LogOut, RotateCcw } from 'lucide-react';
import { signOutAction } from '@/app/actions/auth';
import { ThemeToggle } from '@/components/layout/theme-toggle';
import { Toaster } from '@/components/ui/toaster';
import { Shortcuts } from '@/components/layout/shortcuts';
import { ConnectionIndicator } from '@/components/live/connection-indicator';
import { LiveEventsProvider } from '@/components/live/live-events';
import { NavLinks } from '@/components/layout/nav-links';
import { RunSearch } from '@/components/layout/run-search';
import { requirePageActor } from '@/lib/auth/identity';
import { isInstanceAdmin } from '@/lib/auth/permissions';
import { paths } from '@/lib/paths';

export const dynamic = 'force-dynamic';

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageActor();
  return (
    <LiveEventsProvider>
      <div className="min-h-screen">
        <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
          <div className="mx-auto flex h-14 max-w-6xl items-center gap-4 px-6 xl:gap-6">
            <Link href={paths.home()} className="flex items-center gap-2 font-semibold">
              <RotateCcw aria-hidden className="size-5 text-sky-600" /> Reprise
            </Link>
            <NavLinks
              label="Main"
              links={[
                { href: paths.pipelines(), label: 'Pipelines' },
                { href: paths.runs(), label: 'Runs' },
                { href: paths.environments(), label: 'Environments' },
                { href: paths.projects(), label: 'Projects' },
                { href: paths.audit(), label: 'Audit' },
                { href: paths.apiReference(), label: 'API reference' },
              ]}
            />
            <NavLinks
              label="Settings"
              className="border-l border-zinc-200 pl-4 dark:border-zinc-700"
              links={[...(isInstanceAdmin(actor) ? [{ href: paths.users(), label: 'Users' }] : []), { href: paths.tokens(), label: 'Tokens' }]}
            />
            <div className="ml-auto flex items-center gap-3 text-sm">
              <RunSearch />
              <span className="hidden text-xs text-zinc-500 2xl:inline dark:text-zinc-400">
              press <kbd className="rounded border border-zinc-300 px-1 font-mono dark:border-zinc-600">?</kbd> for shortcuts
            </span>
            <ConnectionIndicator />
              <span className="hidden whitespace-nowrap text-zinc-600 xl:inline dark:text-zinc-300">{actor.name}</span>
              <ThemeToggle />
              <form action={signOutAction}>
                <button
                  type="submit"
                  title="Sign out"
                  className="flex items-center gap-1 whitespace-nowrap rounded-md px-2 py-1 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                >
                  {/* Narrow headers keep the icon; the name stays for screen readers and the tooltip. */}
                  <LogOut aria-hidden className="size-4" /> <span className="sr-only xl:not-sr-only">Sign out</span>
                </button>
              </form>
            </div>
          </div>
        </header>
        <main className="mx-auto max-w-6xl px-6 py-6">{children}</main>
        <Toaster />
      <Shortcuts />
      </div>
    </LiveEventsProvider>
  );
}

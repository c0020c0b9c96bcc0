import Link from 'next/link';
import { ShieldOff } from 'lucide-react';
import { paths } from '@/lib/paths';

/** A page the reader may not use: says why and where to go instead, never a dead end. */
export function Forbidden({ title, reason }: { title: string; reason: string }) {
  return (
    <div className="mx-auto max-w-lg space-y-3 py-12 text-center">
      <ShieldOff aria-hidden className="mx-auto size-10 text-zinc-400" />
      <h1 className="text-2xl font-semibold">{title}</h1>
      <p className="text-zinc-600 dark:text-zinc-300">{reason}</p>
      <p className="text-sm text-zinc-500 dark:text-zinc-400">Ask an admin if you need access.</p>
      <p className="flex justify-center gap-4 text-sm">
        <Link href={paths.home()} className="text-sky-700 hover:underline dark:text-sky-400">
          Overview
        </Link>
        <Link href={paths.projects()} className="text-sky-700 hover:underline dark:text-sky-400">
          Your projects
        </Link>
      </p>
    </div>
  );
}

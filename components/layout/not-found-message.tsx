import Link from 'next/link';

/** What a page that does not exist says; the caller gives the landmark around it. */
export function NotFoundMessage() {
  return (
    <div className="mx-auto max-w-md p-12 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-zinc-500 dark:text-zinc-400">This run, step or pipeline does not exist, or its link is incomplete.</p>
      <Link href="/" className="mt-4 inline-block text-sky-700 hover:underline dark:text-sky-400">
        Back to the overview
      </Link>
    </div>
  );
}

import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="mx-auto max-w-md p-12 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-zinc-500 dark:text-zinc-400">This run, step or pipeline does not exist, or its link is incomplete.</p>
      <Link href="/" className="mt-4 inline-block text-sky-700 hover:underline dark:text-sky-400">
        Back to the pipelines
      </Link>
    </main>
  );
}

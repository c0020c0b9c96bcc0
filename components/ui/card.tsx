export function Card({ children, className = '', id }: { children: React.ReactNode; className?: string; id?: string }) {
  // A className with its own padding (p-0 for lists) replaces the default.
  const padding = /(^|\s)p-\d/.test(className) ? '' : 'p-4';
  return (
    <section
      id={id}
      className={`rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900/60 ${padding} ${className}`}
    >
      {children}
    </section>
  );
}

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-zinc-300 p-8 text-center dark:border-zinc-700">
      <p className="font-medium">{title}</p>
      {children ? <div className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{children}</div> : null}
    </div>
  );
}

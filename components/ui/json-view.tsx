/** JSON shown as text (never as HTML), pretty-printed. */
export function JsonView({ value, label, open = true }: { value: unknown; label: string; open?: boolean }) {
  return (
    <details open={open} className="group">
      <summary className="cursor-pointer text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
        {label}
      </summary>
      <pre
        tabIndex={0}
        className="mt-1 max-h-72 overflow-auto rounded-md bg-zinc-100 p-2 font-mono text-xs whitespace-pre-wrap text-zinc-800 [overflow-wrap:anywhere] dark:bg-zinc-900 dark:text-zinc-200"
      >
        {value === null || value === undefined ? '—' : JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

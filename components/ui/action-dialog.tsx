import type { RefObject } from 'react';
import { Button } from './button';

/**
 * The frame of a dialog that confirms an action: a title, what the action
 * will do (children), an optional reason, the server's refusal if any, and
 * Close / confirm. A native <dialog>: focus is trapped and Escape closes it.
 */
export function ActionDialog({
  dialog,
  id,
  title,
  width = 'w-[32rem]',
  reason,
  onReason,
  reasonPlaceholder,
  reasonRequired = false,
  refusal,
  confirmLabel,
  confirmDisabled,
  onConfirm,
  children,
}: {
  dialog: RefObject<HTMLDialogElement | null>;
  id: string;
  title: React.ReactNode;
  width?: string;
  reason: string;
  onReason: (reason: string) => void;
  reasonPlaceholder: string;
  /** The action refuses an empty reason (a rollback, releasing a hold): the label says so. */
  reasonRequired?: boolean;
  refusal: string | null;
  confirmLabel: string;
  confirmDisabled: boolean;
  onConfirm: () => void;
  children: React.ReactNode;
}) {
  return (
    <dialog
      ref={dialog}
      aria-labelledby={`${id}-title`}
      className={`m-auto ${width} max-w-[95vw] rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100`}
    >
      <form
        method="dialog"
        className="space-y-4 p-5"
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        <h2 id={`${id}-title`} className="text-lg font-semibold">
          {title}
        </h2>
        {children}
        <div>
          <label htmlFor={`${id}-reason`} className="block text-sm font-medium">
            Reason {reasonRequired ? '(required)' : '(optional)'}
          </label>
          <textarea
            id={`${id}-reason`}
            value={reason}
            required={reasonRequired}
            onChange={(e) => onReason(e.target.value)}
            rows={2}
            className="mt-1 w-full rounded-md border border-zinc-300 bg-white p-2 text-sm dark:border-zinc-700 dark:bg-zinc-950"
            placeholder={reasonPlaceholder}
          />
        </div>
        {refusal ? (
          <p
            role="alert"
            className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
          >
            {refusal}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button type="button" onClick={() => dialog.current?.close()}>
            Close
          </Button>
          <Button type="submit" variant="primary" disabled={confirmDisabled}>
            {confirmLabel}
          </Button>
        </div>
      </form>
    </dialog>
  );
}

'use client';

import { useRef, useState, useTransition } from 'react';
import { toast } from 'sonner';
import { approveDeployAction } from '@/app/actions/deployments';
import { queryKeys } from '@/lib/query-keys';
import { useMay } from '../access/may';
import { useRefreshViews } from '../live/use-view';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';

/**
 * Lets a waiting deploy step go: it waited for an approval (whoever set it
 * going lacks the environment's role) or for a held environment. The server
 * checks that the one approving has the role (403 otherwise, shown here).
 */
export function ApproveDeployButton({ runId, itemId, title }: { runId: string; itemId: string; title: string }) {
  const may = useMay();
  const refresh = useRefreshViews();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  if (!may.operate) return null;

  const confirm = () =>
    startTransition(async () => {
      const result = await approveDeployAction({ run_id: runId, item_id: itemId, reason });
      if (!result.ok) return setRefusal(result.error.message);
      dialog.current?.close();
      toast.success(`${title} approved: it deploys now`);
      refresh(queryKeys.run(runId), queryKeys.step(runId));
    });

  return (
    <>
      <Button type="button" variant="primary" onClick={() => (setRefusal(null), dialog.current?.showModal())}>
        Approve deploy
      </Button>
      <ActionDialog
        dialog={dialog}
        id={`approve-${itemId}`}
        title={`Approve ${title}`}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder="e.g. staging looks good"
        refusal={refusal}
        confirmLabel={pending ? 'Approving…' : 'Approve and deploy'}
        confirmDisabled={pending}
        onConfirm={confirm}
      >
        <p className="text-sm">The step deploys now, past any hold on its environment.</p>
      </ActionDialog>
    </>
  );
}

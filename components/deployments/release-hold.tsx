'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState, useTransition } from 'react';
import { toast } from 'sonner';
import { releaseEnvironmentAction } from '@/app/actions/deployments';
import { useMay } from '../access/may';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';

/**
 * "Release hold" for a held environment: a reason is required; the deploys
 * that waited on the hold then go. The server checks the environment's role.
 */
export function ReleaseHoldButton({ environmentId, environment }: { environmentId: string; environment: string }) {
  const may = useMay();
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  if (!may.operate) return null;

  const confirm = () =>
    startTransition(async () => {
      const result = await releaseEnvironmentAction({ environment_id: environmentId, reason });
      if (!result.ok) return setRefusal(result.error.message);
      dialog.current?.close();
      setReason('');
      toast.success(`${environment} released: waiting deploys go`);
      router.refresh();
    });

  return (
    <>
      <Button type="button" onClick={() => (setRefusal(null), dialog.current?.showModal())}>
        Release hold
      </Button>
      <ActionDialog
        dialog={dialog}
        id={`release-${environmentId}`}
        title={`Release the hold on ${environment}`}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder="Why may deploys resume?"
        reasonRequired
        refusal={refusal}
        confirmLabel={pending ? 'Releasing…' : 'Release hold'}
        confirmDisabled={pending || !reason.trim()}
        onConfirm={confirm}
      >
        <p className="text-sm">Deploys to {environment} that wait on the hold will start, in the order they were queued.</p>
      </ActionDialog>
    </>
  );
}

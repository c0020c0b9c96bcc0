import Link from 'next/link';
import { ApiReference, type OpenApiDoc } from '@/components/api-reference/api-reference';
import { PageHeader } from '@/components/ui/form';
import { requirePageActor } from '@/lib/auth/identity';
import { operations } from '@/lib/operations';
import { paths } from '@/lib/paths';
import { readOperation } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'API reference' };

/** The same document `GET /api/v1/openapi.json` serves (the same declaration makes both), for people. */
export default async function ApiReferencePage() {
  await requirePageActor();
  const read = await readOperation(operations.openApiOp, {});
  if (!read.ok) throw new Error(read.refusal);
  const doc = read.data as unknown as OpenApiDoc;
  return (
    <div className="space-y-6">
      <PageHeader
        title="API reference"
        actions={
          <a href={operations.openApiOp.path} className="text-sm text-sky-700 hover:underline dark:text-sky-400">
            openapi.json
          </a>
        }
      >
        {doc.info.description} Base URL <code className="font-mono">{doc.servers[0]?.url}</code>. Authenticate with{' '}
        <code className="font-mono">Authorization: Bearer &lt;token&gt;</code> (create one on{' '}
        <Link href={paths.tokens()} className="text-sky-700 underline dark:text-sky-400">
          API tokens
        </Link>
        ); errors are <code className="font-mono">{'{ "error": { "code", "message", "details" } }'}</code>.
      </PageHeader>
      <ApiReference doc={doc} />
    </div>
  );
}

'use client';

import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo, useRef, useState, useTransition } from 'react';
import { AlertTriangle, Lock, Pause, Play, Rocket } from 'lucide-react';
import { toast } from 'sonner';
import { triggerRunAction } from '@/app/actions/runs';
import { checkInputsText } from '@/lib/inputs-check';
import { paths } from '@/lib/paths';
import { fieldOfPath, initialValues, paramFields, valuesToParams, type FieldValues, type ParamField } from '@/lib/runs/params-form';
import { validateAgainstSchema, type FieldError } from '@/lib/validation';
import type { ViewData } from '@/lib/views/registry';
import { MayProvider } from '../access/may';
import { useView } from '../live/use-view';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { inputClass, selectClass } from '../ui/form';

// The editor (CodeMirror) is its own chunk: only the JSON mode loads it.
const JsonEditor = dynamic(() => import('../attempts/json-editor'), {
  ssr: false,
  loading: () => <div className="h-48 animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-800" aria-label="Loading the editor" />,
});

type View = ViewData<'new-run'>;
type Environment = View['environments'][number];

/**
 * The new-run form: parameters rendered from the pipeline's params schema
 * (checked as you type with the same validator as the server; a schema a form
 * cannot render, or the "Edit as JSON" toggle, uses the JSON editor), branch,
 * commit and message, and where the run will deploy — protection, holds, and
 * approvals it will wait for. A run that deploys anywhere is confirmed in a
 * second step that names the environments.
 */
export function NewRunForm({ initial, params }: { initial: View; params: { pipelineId: string } }) {
  const view = useView('new-run', params, initial);
  const router = useRouter();
  const schema = view.paramsSchema;
  const fields = useMemo(() => paramFields(schema), [schema]);
  const [values, setValues] = useState<FieldValues>(() => initialValues(fields ?? []));
  // JSON mode: the editor's text, and the text it was opened with (a new seed remounts it).
  const [json, setJson] = useState<{ text: string; seed: string } | null>(() => {
    if (fields) return null;
    const seed = defaultsText(schema);
    return { text: seed, seed };
  });
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [branch, setBranch] = useState('');
  const [commit, setCommit] = useState('');
  const [message, setMessage] = useState('');
  const [serverErrors, setServerErrors] = useState<FieldError[]>([]);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const confirmDialog = useRef<HTMLDialogElement>(null);

  const jsonText = json ? json.text : null;
  const jsonProblems = useMemo(() => (jsonText === null ? [] : checkInputsText(jsonText, schema)), [jsonText, schema]);
  const runParams = useMemo((): Record<string, unknown> | null => {
    if (jsonText === null) return valuesToParams(fields ?? [], values);
    return jsonProblems.some((p) => p.path === null) ? null : (JSON.parse(jsonText) as Record<string, unknown>);
  }, [jsonText, jsonProblems, fields, values]);
  const clientErrors = useMemo(() => (runParams ? validateAgainstSchema(schema, runParams) : []), [runParams, schema]);
  const errors = serverErrors.length ? serverErrors : clientErrors;
  const errorOf = (name: string) => {
    if (!submitted && !touched.has(name)) return undefined;
    return errors.filter((e) => fieldOfPath(e.path) === name).map((e) => e.message).join('; ') || undefined;
  };
  const formErrors = errors.filter((e) => !fields?.some((f) => f.name === fieldOfPath(e.path)));
  const invalid = jsonText !== null ? jsonProblems.length > 0 : clientErrors.length > 0;

  const set = (name: string, value: string | boolean) => {
    setValues((v) => ({ ...v, [name]: value }));
    setServerErrors([]);
  };
  const toJsonMode = () => {
    const text = JSON.stringify(valuesToParams(fields ?? [], values), null, 2);
    setJson({ text, seed: text });
  };
  const toFormMode = () => {
    if (!fields || !runParams) return;
    setValues(initialValues(fields, runParams));
    setJson(null);
  };

  const start = () =>
    startTransition(async () => {
      setRefusal(null);
      const result = await triggerRunAction({
        pipeline_id: view.pipeline.id,
        params: runParams ?? {},
        branch: branch.trim() || null,
        commit: commit.trim() || null,
        message: message.trim() || null,
      });
      if (result.ok) {
        confirmDialog.current?.close();
        toast.success(`Run #${result.data.number} started`);
        router.push(paths.run(result.data.id));
        return;
      }
      confirmDialog.current?.close();
      const details = Array.isArray(result.error.details) ? result.error.details : [];
      setServerErrors(details);
      setRefusal(result.error.message);
    });

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (invalid || !runParams) {
      // Focus the first field that says what is wrong.
      const first = fields?.find((f) => clientErrors.some((e) => fieldOfPath(e.path) === f.name));
      if (first && jsonText === null) document.getElementById(`param-${first.name}`)?.focus();
      return;
    }
    if (view.environments.length) confirmDialog.current?.showModal();
    else start();
  };

  if (!view.may.operate) {
    return (
      <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
        Starting runs needs the operator role in this project.
      </p>
    );
  }

  return (
    <MayProvider may={view.may}>
      <form onSubmit={submit} noValidate className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-6">
          <Card className="space-y-4">
            <div className="flex items-center justify-between gap-3">
              <h2 className="font-semibold">Parameters</h2>
              {fields && fields.length ? (
                <Button type="button" onClick={jsonText === null ? toJsonMode : toFormMode} disabled={jsonText !== null && !runParams}>
                  {jsonText === null ? 'Edit as JSON' : 'Edit as form'}
                </Button>
              ) : null}
            </div>
            {jsonText !== null ? (
              <div className="space-y-2">
                {!fields ? (
                  <p className="text-sm text-zinc-500 dark:text-zinc-400">
                    This pipeline’s parameters are more than a form can show: edit them as JSON, checked against its
                    schema as you type.
                  </p>
                ) : null}
                <JsonEditor
                  key={json?.seed}
                  initialText={json?.seed ?? jsonText}
                  schema={schema}
                  label="Parameters (JSON)"
                  onChange={(text) => {
                    setJson((j) => ({ text, seed: j?.seed ?? text }));
                    setServerErrors([]);
                  }}
                />
                <ErrorList problems={submitted || serverErrors.length ? [...jsonProblems.map((p) => ({ path: p.path ?? '', message: p.message })), ...serverErrors] : []} />
              </div>
            ) : fields && fields.length ? (
              <div className="grid gap-4 sm:grid-cols-2">
                {fields.map((field) => (
                  <ParamInput
                    key={field.name}
                    field={field}
                    value={values[field.name]}
                    error={errorOf(field.name)}
                    onChange={(v) => set(field.name, v)}
                    onBlur={() => setTouched((t) => new Set(t).add(field.name))}
                  />
                ))}
              </div>
            ) : (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">This pipeline takes no parameters.</p>
            )}
            {jsonText === null && (submitted || serverErrors.length) ? <ErrorList problems={formErrors} /> : null}
          </Card>

          <Card className="space-y-4">
            <h2 className="font-semibold">Source</h2>
            <div className="grid gap-4 sm:grid-cols-2">
              <div>
                <label htmlFor="run-branch" className="block text-sm font-medium">
                  Branch <span className="font-normal text-zinc-500 dark:text-zinc-400">(optional)</span>
                </label>
                <input id="run-branch" list="run-branches" value={branch} onChange={(e) => setBranch(e.target.value)} maxLength={200} className={inputClass} />
                <datalist id="run-branches">
                  {view.branches.map((b) => (
                    <option key={b} value={b} />
                  ))}
                </datalist>
              </div>
              <div>
                <label htmlFor="run-commit" className="block text-sm font-medium">
                  Commit <span className="font-normal text-zinc-500 dark:text-zinc-400">(optional)</span>
                </label>
                <input id="run-commit" value={commit} onChange={(e) => setCommit(e.target.value)} maxLength={200} className={`${inputClass} font-mono`} />
              </div>
            </div>
            <div>
              <label htmlFor="run-message" className="block text-sm font-medium">
                Message <span className="font-normal text-zinc-500 dark:text-zinc-400">(optional)</span>
              </label>
              <textarea id="run-message" value={message} onChange={(e) => setMessage(e.target.value)} maxLength={5000} rows={2} className={inputClass} />
            </div>
          </Card>
        </div>

        <aside className="space-y-4">
          <DeploySummary environments={view.environments} />
          {refusal ? (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
              {refusal}
            </p>
          ) : null}
          <div className="flex items-center gap-2">
            <Button type="submit" variant="primary" disabled={pending || !view.pipeline.loaded}>
              <Play aria-hidden className="size-4" /> {pending ? 'Starting…' : view.environments.length ? 'Review and start…' : 'Start run'}
            </Button>
            <Link href={paths.pipeline(view.pipeline.id)} className="text-sm text-zinc-600 hover:underline dark:text-zinc-300">
              Cancel
            </Link>
          </div>
        </aside>
      </form>

      <dialog
        ref={confirmDialog}
        aria-labelledby="confirm-deploy-title"
        className="m-auto w-[32rem] max-w-[95vw] rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <div className="space-y-4 p-5">
          <h2 id="confirm-deploy-title" className="text-lg font-semibold">
            Start a run that deploys to {listNames(view.environments.map((e) => e.name))}?
          </h2>
          <ul className="space-y-2 text-sm">
            {view.environments.map((env) => (
              <li key={env.name} className="flex items-start gap-2">
                <Rocket aria-hidden className="mt-0.5 size-4 shrink-0 text-zinc-500" />
                <span>
                  <span className="font-medium">{env.name}</span> — {env.steps.map((s) => s.title).join(', ')}
                  {env.protectedFor ? <span className="text-amber-800 dark:text-amber-300"> · protected ({env.protectedFor})</span> : null}
                  {env.hold ? <span className="text-amber-800 dark:text-amber-300"> · on hold: waits for a release</span> : null}
                  {env.needsApproval ? <span className="text-amber-800 dark:text-amber-300"> · waits for a {env.protectedFor}’s approval</span> : null}
                </span>
              </li>
            ))}
          </ul>
          {runParams && Object.keys(runParams).length ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Parameters:{' '}
              <span className="font-mono text-xs">{Object.entries(runParams).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}</span>
            </p>
          ) : null}
          <div className="flex justify-end gap-2">
            <Button type="button" onClick={() => confirmDialog.current?.close()}>
              Back
            </Button>
            <Button type="button" variant="primary" disabled={pending} onClick={start}>
              {pending ? 'Starting…' : `Start and deploy to ${listNames(view.environments.map((e) => e.name))}`}
            </Button>
          </div>
        </div>
      </dialog>
    </MayProvider>
  );
}

function ParamInput({
  field,
  value,
  error,
  onChange,
  onBlur,
}: {
  field: ParamField;
  value: string | boolean | undefined;
  error: string | undefined;
  onChange: (value: string | boolean) => void;
  onBlur: () => void;
}) {
  const id = `param-${field.name}`;
  const described = [field.description || field.default !== undefined ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  const common = { id, onBlur, 'aria-invalid': error ? true : undefined, 'aria-describedby': described, 'aria-required': field.required || undefined };
  const label = (
    <>
      {field.title}
      {field.required ? (
        <span className="text-red-700 dark:text-red-300" aria-hidden>
          {' '}*
        </span>
      ) : null}
      {field.required ? <span className="sr-only"> (required)</span> : null}
      <span className="ml-2 font-mono text-xs font-normal text-zinc-500 dark:text-zinc-400">{field.kind}</span>
    </>
  );
  return (
    <div className={field.kind === 'boolean' ? 'flex flex-col justify-end' : ''}>
      {field.kind === 'boolean' ? (
        <label htmlFor={id} className="flex items-center gap-2 text-sm font-medium">
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} {...common} />
          {label}
        </label>
      ) : (
        <>
          <label htmlFor={id} className="block text-sm font-medium">
            {label}
          </label>
          {field.kind === 'enum' ? (
            <select value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} className={`${selectClass} mt-1 w-full`} {...common}>
              {field.required ? null : <option value="">(default)</option>}
              {field.options.map((o, i) => (
                <option key={i} value={String(i)}>
                  {String(o)}
                </option>
              ))}
            </select>
          ) : (
            <input
              type="text"
              inputMode={field.kind === 'string' ? undefined : field.kind === 'integer' ? 'numeric' : 'decimal'}
              value={typeof value === 'string' ? value : ''}
              onChange={(e) => onChange(e.target.value)}
              className={`${inputClass} ${field.kind === 'string' ? '' : 'font-mono'} ${error ? 'border-red-500 dark:border-red-500' : ''}`}
              {...common}
            />
          )}
        </>
      )}
      {field.description || field.default !== undefined ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          {field.description}
          {field.description && field.default !== undefined ? ' · ' : ''}
          {field.default !== undefined ? `default ${JSON.stringify(field.default)}` : ''}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {field.title} {error}
        </p>
      ) : null}
    </div>
  );
}

function ErrorList({ problems }: { problems: FieldError[] }) {
  if (!problems.length) return null;
  return (
    <ul role="alert" className="space-y-1 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
      {problems.map((p, i) => (
        <li key={i}>
          {p.path ? <span className="font-mono">{p.path}</span> : null} {p.message}
        </li>
      ))}
    </ul>
  );
}

/** Where the run will deploy, before anything starts: protection, holds, approvals. */
function DeploySummary({ environments }: { environments: Environment[] }) {
  return (
    <Card className="space-y-3">
      <h2 className="font-semibold">Deploys to</h2>
      {environments.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No environment: this pipeline has no deploy step.</p>
      ) : (
        <ul aria-label="Environments this run deploys to" className="space-y-3 text-sm">
          {environments.map((env) => (
            <li key={env.name}>
              <p className="flex flex-wrap items-center gap-2 font-medium">
                <Rocket aria-hidden className="size-4 text-zinc-500" /> {env.name}
                {env.protectedFor ? (
                  <span className="inline-flex items-center gap-1 rounded bg-amber-100 px-1.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                    <Lock aria-hidden className="size-3" /> protected: {env.protectedFor}
                  </span>
                ) : null}
                {env.hold ? (
                  <span className="inline-flex items-center gap-1 rounded bg-amber-100 px-1.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                    <Pause aria-hidden className="size-3" /> on hold
                  </span>
                ) : null}
              </p>
              <p className="text-zinc-500 dark:text-zinc-400">{env.steps.map((s) => s.title).join(', ')}</p>
              {env.hold ? (
                <p className="text-amber-800 dark:text-amber-300">
                  Held at v{env.hold.version}
                  {env.hold.byName ? ` by ${env.hold.byName}` : ''}
                  {env.hold.reason ? `: “${env.hold.reason}”` : ''}. The deploy waits until the hold is released.
                </p>
              ) : null}
              {env.needsApproval ? (
                <p className="flex items-start gap-1 text-amber-800 dark:text-amber-300">
                  <AlertTriangle aria-hidden className="mt-0.5 size-3.5 shrink-0" /> Your role does not reach {env.protectedFor}: the deploy waits for
                  someone who has it to approve.
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

const listNames = (names: string[]) => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);

/** The JSON editor's first text when the schema is edited as JSON only: the top-level defaults. */
function defaultsText(schema: Record<string, unknown> | null) {
  const properties = (schema?.properties ?? {}) as Record<string, { default?: unknown }>;
  const defaults = Object.fromEntries(
    Object.entries(properties).filter(([, p]) => p && typeof p === 'object' && 'default' in p).map(([k, p]) => [k, p.default]),
  );
  return JSON.stringify(defaults, null, 2);
}

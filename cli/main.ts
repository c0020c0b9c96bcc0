import readline from 'node:readline';
import { Writable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import {
  attemptsReplay,
  deploymentsRedeploy,
  deploymentsRedeployPlan,
  deploymentsRetry,
  deploymentsRetryPlan,
  deploymentsRollback,
  deploymentsRollbackPlan,
  environmentsHold,
  environmentsRelease,
  pipelinesList,
  runsCancel,
  runsList,
  runsRetry,
  runsTrigger,
} from './api.gen';
import { applyAssignments, collect, parseRunRef, positiveInteger, readJsonObject } from './args';
import { configFile, connectionFrom, normalizeUrl, readConfig, removeConfig, writeConfig } from './config';
import { printJson, type Context } from './context';
import { ApiError, describeError, EXIT, UsageError } from './errors';
import { ago, clean, statusLabel, table, wantColor, type Env } from './format';
import { jsonSender, streamSender, type Connection } from './http';
import { showLogs } from './logs';
import {
  findStep,
  latestFailedRun,
  listPipelines,
  qualifiedName,
  resolveDeployment,
  resolveEnvironment,
  resolvePipeline,
  resolveRun,
  type DeploymentAction,
} from './resolve';
import { formatPlan } from './plan';
import type { Attempt, Deployment, DeploymentPlan, Environment, Page, Pipeline, Run, RunSummary } from './shapes';
import { watchRun } from './watch';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Env;
}

function makeContext(io: Io, json: boolean, connection: Connection = connectionFrom(io.env)): Context {
  const color = wantColor(io.stdout, io.env);
  return {
    api: jsonSender(connection),
    stream: streamSender(connection),
    json,
    c: pc.createColors(color),
    tty: color,
    out: (text) => void io.stdout.write(text + '\n'),
    err: (text) => void io.stderr.write(text + '\n'),
  };
}

const exitFor = (run: Run) => (run.status === 'succeeded' ? EXIT.ok : EXIT.runFailed);

/** `--watch` after an action: follow the run, print it as it ended with --json, exit by its outcome. */
async function finishAction(
  ctx: Context,
  answer: unknown,
  watch: { runId: string; label: string } | null,
): Promise<number> {
  if (!watch) {
    if (ctx.json) printJson(ctx, answer);
    return EXIT.ok;
  }
  const run = await watchRun(ctx, watch.runId, watch.label);
  if (ctx.json) printJson(ctx, run);
  return exitFor(run);
}

async function pipelineLabel(ctx: Context, pipelineId: string) {
  const pipelines = await listPipelines(ctx);
  const pipeline = pipelines.find((p) => p.id === pipelineId);
  return pipeline ? qualifiedName(pipeline) : 'run';
}

/** The token from standard input (piped), or typed at a prompt that does not echo it. */
async function readToken(io: Io): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.trim();
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) io.stderr.write(chunk as Buffer);
      done();
    },
  });
  const rl = readline.createInterface({ input: stdin, output, terminal: true });
  const answer = new Promise<string>((resolve) => rl.question('API token (input hidden): ', resolve));
  muted = true;
  const token = await answer;
  rl.close();
  io.stderr.write('\n');
  return token.trim();
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('reprise')
    .description('Reprise from the terminal: trigger, watch, retry and replay runs, read logs, act on deployments.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .exitOverride();
  program.addHelpText(
    'after',
    `
Connection: REPRISE_URL and REPRISE_TOKEN, or what \`reprise login\` stored in ${configFile()}.
Exit codes: 0 done (or the watched run succeeded), 1 the watched run failed or was cancelled,
2 a usage error, 3 the server refused or could not be reached.`,
  );

  /** A command with --json, whose action answers its exit code. */
  const command = (name: string, description: string) =>
    program.command(name).description(description).option('--json', "print the API's JSON answer (for scripts)");
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExit(await action(...args));

  program
    .command('login')
    .description('store the server URL and an API token in your config folder (file mode 0600)')
    .option('--url <url>', 'the Reprise server, e.g. https://reprise.example.com')
    .option('--token <token>', 'an API token (else read from standard input, or asked for)')
    .option('--no-verify', 'store without checking the token against the server')
    .action(
      run(async (options: { url?: string; token?: string; verify: boolean }) => {
        const url = options.url ?? io.env.REPRISE_URL ?? readConfig().url;
        if (!url) throw new UsageError('Which server? Pass --url <url> (e.g. --url http://localhost:3000).');
        const token = options.token ?? (await readToken(io));
        if (!token) throw new UsageError('No token given: pass --token, pipe it in, or type it at the prompt.');
        const connection = { url: normalizeUrl(url), token };
        if (options.verify) await pipelinesList(jsonSender(connection));
        const file = writeConfig(connection);
        io.stdout.write(`Logged in to ${connection.url}; stored in ${file}\n`);
        return EXIT.ok;
      }),
    );

  program
    .command('logout')
    .description('forget the stored URL and token')
    .action(
      run(async () => {
        const file = configFile();
        io.stdout.write(removeConfig(file) ? `Logged out: removed ${file}\n` : `Not logged in (no ${file}).\n`);
        return Promise.resolve(EXIT.ok);
      }),
    );

  command('pipelines', 'list the pipelines you may see, with their last run').action(
    run(async (options: { json?: boolean }) => {
      const ctx = makeContext(io, !!options.json);
      const answer = (await pipelinesList(ctx.api)) as Page<Pipeline>;
      if (ctx.json) return (printJson(ctx, answer), EXIT.ok);
      if (answer.items.length === 0) return (ctx.out('No pipelines (or none in a project you may read).'), EXIT.ok);
      const rows = answer.items.map((p) => [
        clean(qualifiedName(p)),
        clean(p.title ?? ''),
        p.last_run
          ? `#${p.last_run.number} ${statusLabel(p.last_run.status, ctx.c)} ${ctx.c.dim(ago(p.last_run.created_at))}`
          : ctx.c.dim('never run'),
        ctx.c.dim(p.id),
      ]);
      ctx.out(table(['PIPELINE', 'TITLE', 'LAST RUN', 'ID'], rows, ctx.c));
      return EXIT.ok;
    }),
  );

  command('run', 'start a run of a pipeline (by name, project/name or id)')
    .argument('<pipeline>')
    .option(
      '-p, --param <key=value>',
      'a run parameter: key=value (typed by the params schema: a number where it says integer) or key:=json; repeatable',
      collect,
      [],
    )
    .option('--params-file <file>', 'run parameters from a JSON object file (- for stdin); --param entries override it')
    .option('--branch <branch>')
    .option('--commit <sha>')
    .option('--message <text>', 'the commit message')
    .option('-w, --watch', 'follow the run until it ends; exit 1 unless it succeeded')
    .action(
      run(
        async (
          ref: string,
          options: {
            json?: boolean;
            param: string[];
            paramsFile?: string;
            branch?: string;
            commit?: string;
            message?: string;
            watch?: boolean;
          },
        ) => {
          const ctx = makeContext(io, !!options.json);
          const base = options.paramsFile ? readJsonObject(options.paramsFile, '--params-file') : {};
          applyAssignments(base, options.param, '--param'); // a mistyped --param is refused before any request
          const pipeline = await resolvePipeline(ctx, ref);
          // key=value is typed by the pipeline's params schema: replicas=3 is a number there.
          const params = applyAssignments(base, options.param, '--param', pipeline.params_schema);
          const created = (await runsTrigger(ctx.api, {
            pipeline_id: pipeline.id,
            params: options.paramsFile || options.param.length ? params : undefined,
            branch: options.branch,
            commit: options.commit,
            message: options.message,
          })) as Run;
          if (!ctx.json)
            ctx.out(
              `Started ${qualifiedName(pipeline)} #${created.number} ${ctx.c.dim(created.id)}\n${created.html_url}`,
            );
          return finishAction(
            ctx,
            created,
            options.watch ? { runId: created.id, label: qualifiedName(pipeline) } : null,
          );
        },
      ),
    );

  command('runs', 'list runs, newest first')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .option('--pipeline <pipeline>', 'only runs of this pipeline (name, project/name or id)')
    .option('--environment <name>', 'only runs that deploy to this environment')
    .option('-n, --limit <n>', 'how many (at most 100)', positiveInteger, 20)
    .action(
      run(
        async (options: {
          json?: boolean;
          status?: 'failed';
          pipeline?: string;
          environment?: string;
          limit: number;
        }) => {
          const ctx = makeContext(io, !!options.json);
          if (options.limit > 100) throw new UsageError('--limit is at most 100.');
          const pipelines = await listPipelines(ctx);
          const pipeline = options.pipeline ? await resolvePipeline(ctx, options.pipeline, pipelines) : undefined;
          const answer = (await runsList(ctx.api, {
            pipeline: pipeline?.id,
            status: options.status,
            environment: options.environment,
            limit: options.limit,
          })) as Page<RunSummary>;
          if (ctx.json) return (printJson(ctx, answer), EXIT.ok);
          if (answer.items.length === 0) return (ctx.out('No runs match.'), EXIT.ok);
          const names = new Map(pipelines.map((p) => [p.id, qualifiedName(p)]));
          const rows = answer.items.map((r) => [
            `${clean(names.get(r.pipeline_id) ?? r.pipeline_id)}#${r.number}`,
            statusLabel(r.status, ctx.c),
            String(r.attempt),
            clean(r.trigger),
            clean(r.branch ?? ''),
            clean((r.commit ?? '').slice(0, 7)),
            ago(r.created_at),
            ctx.c.dim(r.id),
          ]);
          ctx.out(table(['RUN', 'STATUS', 'ATTEMPT', 'TRIGGER', 'BRANCH', 'COMMIT', 'CREATED', 'ID'], rows, ctx.c));
          return EXIT.ok;
        },
      ),
    );

  command('retry', "retry a run's failed steps: a run (id, pipeline#number) or a pipeline name (its latest failed run)")
    .argument('<run-or-pipeline>')
    .option('--reason <text>', 'why (kept in the attempt history and the audit log)')
    .option(
      '--latest',
      "run the failed steps with the pipeline's latest definition (refused when its steps or needs changed)",
    )
    .option('-w, --watch', 'follow the run until it ends; exit 1 unless it succeeded')
    .action(
      run(async (ref: string, options: { json?: boolean; reason?: string; latest?: boolean; watch?: boolean }) => {
        const ctx = makeContext(io, !!options.json);
        const runRef = parseRunRef(ref);
        let target: Run;
        let label: string;
        if (runRef) {
          target = await resolveRun(ctx, runRef);
          label = await pipelineLabel(ctx, target.pipeline_id);
        } else {
          const pipeline = await resolvePipeline(ctx, ref);
          target = await latestFailedRun(ctx, pipeline);
          label = qualifiedName(pipeline);
        }
        const retried = (await runsRetry(ctx.api, {
          run_id: target.id,
          reason: options.reason,
          ...(options.latest ? { definition: 'latest' as const } : {}),
        })) as Run;
        if (!ctx.json) {
          const again = retried.items
            .filter((i) => i.latest_attempt && i.latest_attempt.run_attempt === retried.attempt)
            .map((i) => clean(i.key));
          ctx.out(
            `Retrying ${label} #${retried.number}: attempt ${retried.attempt}${again.length ? `, running again ${again.join(', ')}` : ''}\n${retried.html_url}`,
          );
        }
        return finishAction(ctx, retried, options.watch ? { runId: retried.id, label } : null);
      }),
    );

  command('replay', 'replay one step of a run, optionally with edited inputs; the steps below it run again')
    .argument('<run>', 'run id, or pipeline#number')
    .argument('<step>', 'step key')
    .option(
      '-i, --input <key=value>',
      "set an input over the last attempt's: key=value (a string) or key:=json; repeatable",
      collect,
      [],
    )
    .option(
      '--inputs-file <file>',
      "the inputs as a JSON object file (- for stdin), instead of the last attempt's; --input entries override it",
    )
    .option('--reason <text>', 'why (kept in the attempt history and the audit log)')
    .option('-w, --watch', 'follow the run until it ends; exit 1 unless it succeeded')
    .action(
      run(
        async (
          ref: string,
          stepKey: string,
          options: { json?: boolean; input: string[]; inputsFile?: string; reason?: string; watch?: boolean },
        ) => {
          const ctx = makeContext(io, !!options.json);
          const runRef = parseRunRef(ref);
          if (!runRef) throw new UsageError(`"${ref}" is not a run: give its id or pipeline#number.`);
          const target = await resolveRun(ctx, runRef);
          const item = findStep(target, stepKey);
          const edited = options.inputsFile !== undefined || options.input.length > 0;
          // Edits start from the last attempt's inputs, as on the replay page (masked secrets are kept by the server).
          const base = options.inputsFile
            ? readJsonObject(options.inputsFile, '--inputs-file')
            : (item.latest_attempt?.inputs ?? {});
          const inputs = edited ? applyAssignments(base, options.input, '--input') : undefined;
          const attempt = (await attemptsReplay(ctx.api, {
            run_id: target.id,
            item_id: item.id,
            inputs,
            reason: options.reason,
          })) as Attempt;
          const label = await pipelineLabel(ctx, target.pipeline_id);
          if (!ctx.json)
            ctx.out(
              `Replaying ${clean(item.key)} of ${label} #${target.number} as attempt ${attempt.number}\n${attempt.html_url}`,
            );
          return finishAction(ctx, attempt, options.watch ? { runId: target.id, label } : null);
        },
      ),
    );

  command('cancel', 'cancel a queued or running run: its running steps are stopped, the rest skipped')
    .argument('<run>', 'run id, or pipeline#number')
    .option('--reason <text>', 'why (kept in the audit log)')
    .action(
      run(async (ref: string, options: { json?: boolean; reason?: string }) => {
        const ctx = makeContext(io, !!options.json);
        const runRef = parseRunRef(ref);
        if (!runRef) throw new UsageError(`"${ref}" is not a run: give its id or pipeline#number.`);
        const target = await resolveRun(ctx, runRef);
        const cancelled = (await runsCancel(ctx.api, { run_id: target.id, reason: options.reason })) as Run;
        const label = await pipelineLabel(ctx, target.pipeline_id);
        if (!ctx.json)
          ctx.out(
            `Cancelling ${label} #${cancelled.number}: ${statusLabel(cancelled.status, ctx.c)}\n${cancelled.html_url}`,
          );
        return finishAction(ctx, cancelled, null);
      }),
    );

  command('logs', "print the logs of a run's steps (the latest attempt of each), or of one step")
    .argument('<run>', 'run id, or pipeline#number')
    .argument('[step]', 'step key')
    .option('--attempt <n>', 'that attempt of the step instead of the latest', positiveInteger)
    .option('-f, --follow', 'keep printing until the run ends')
    .action(
      run(
        async (
          ref: string,
          step: string | undefined,
          options: { json?: boolean; attempt?: number; follow?: boolean },
        ) => {
          const ctx = makeContext(io, !!options.json);
          const runRef = parseRunRef(ref);
          if (!runRef) throw new UsageError(`"${ref}" is not a run: give its id or pipeline#number.`);
          await showLogs(ctx, await resolveRun(ctx, runRef), {
            step,
            attempt: options.attempt,
            follow: options.follow,
          });
          return EXIT.ok;
        },
      ),
    );

  const deploy = program
    .command('deploy')
    .description('act on deployments: retry, redeploy, rollback; hold or release an environment');
  const deployment = (action: DeploymentAction, description: string) =>
    deploy
      .command(action)
      .description(description)
      .argument(
        '<deployment>',
        'a deployment id, or an environment ([project/]name): its latest deployment (retry) or its live one',
      )
      .option('--project <key>', 'the project of the environment, when its name is in several')
      .option('--reason <text>', 'why (kept in the audit log)')
      .option('-w, --watch', 'follow the run that deploys until it ends; exit 1 unless it succeeded')
      .option('--plan', 'only show what it would do, changing nothing; exit 1 when it would be refused now')
      .option('--json', "print the API's JSON answer (for scripts)");
  /** `--plan`: the plan the pages' dialogs show, printed; nothing is changed. */
  const showPlan = (ctx: Context, plan: DeploymentPlan) => {
    if (ctx.json) printJson(ctx, plan);
    else ctx.out(formatPlan(plan, ctx.c));
    return plan.allowed ? EXIT.ok : EXIT.runFailed;
  };
  const announce = async (ctx: Context, created: Deployment, watch?: boolean) => {
    if (!ctx.json)
      ctx.out(
        `${clean(created.environment)} v${created.version}: ${statusLabel(created.status, ctx.c)} (${clean(created.trigger)})\n${created.html_url}`,
      );
    const label = `${clean(created.environment)} v${created.version}`;
    return finishAction(ctx, created, watch && created.run_id ? { runId: created.run_id, label } : null);
  };
  type DeployOptions = { project?: string; reason?: string; watch?: boolean; plan?: boolean; json?: boolean };

  deployment('retry', 'run a failed deployment again: same commit and inputs, next version').action(
    run(async (ref: string, options: DeployOptions) => {
      const ctx = makeContext(io, !!options.json);
      const target = await resolveDeployment(ctx, ref, 'retry', options.project);
      if (options.plan)
        return showPlan(ctx, (await deploymentsRetryPlan(ctx.api, { deployment_id: target.id })) as DeploymentPlan);
      return announce(
        ctx,
        (await deploymentsRetry(ctx.api, { deployment_id: target.id, reason: options.reason })) as Deployment,
        options.watch,
      );
    }),
  );
  deployment('redeploy', "deploy the newest commit of the deployment's branch (or --commit) to its environment")
    .option('--commit <sha>', 'deploy this commit instead')
    .action(
      run(async (ref: string, options: DeployOptions & { commit?: string }) => {
        const ctx = makeContext(io, !!options.json);
        const target = await resolveDeployment(ctx, ref, 'redeploy', options.project);
        if (options.plan) {
          const plan = await deploymentsRedeployPlan(ctx.api, { deployment_id: target.id, commit: options.commit });
          return showPlan(ctx, plan as DeploymentPlan);
        }
        const created = (await deploymentsRedeploy(ctx.api, {
          deployment_id: target.id,
          commit: options.commit,
          reason: options.reason,
        })) as Deployment;
        return announce(ctx, created, options.watch);
      }),
    );
  deployment('rollback', 'deploy an earlier good version again (default: the one before live); holds the environment')
    .option('--to <deployment>', 'the deployment id to roll back to')
    .action(
      run(async (ref: string, options: DeployOptions & { to?: string }) => {
        const ctx = makeContext(io, !!options.json);
        const target = await resolveDeployment(ctx, ref, 'rollback', options.project);
        if (options.plan) {
          const plan = await deploymentsRollbackPlan(ctx.api, { deployment_id: target.id, to: options.to });
          return showPlan(ctx, plan as DeploymentPlan);
        }
        if (!options.reason) throw new UsageError('A rollback needs --reason <text>.');
        const created = (await deploymentsRollback(ctx.api, {
          deployment_id: target.id,
          to: options.to,
          reason: options.reason,
        })) as Deployment;
        return announce(ctx, created, options.watch);
      }),
    );

  for (const [action, description] of [
    ['hold', 'hold an environment: new deploys to it wait until it is released'],
    ['release', "release an environment's hold: the deploys that waited go"],
  ] as const) {
    deploy
      .command(action)
      .description(description)
      .argument('<environment>', 'environment id, or [project/]name')
      .requiredOption('--reason <text>', 'why (required; kept in the audit log)')
      .option('--project <key>', 'the project of the environment, when its name is in several')
      .option('--json', "print the API's JSON answer (for scripts)")
      .action(
        run(async (ref: string, options: { reason: string; project?: string; json?: boolean }) => {
          const ctx = makeContext(io, !!options.json);
          const { project, environment } = await resolveEnvironment(ctx, ref, options.project);
          const call = action === 'hold' ? environmentsHold : environmentsRelease;
          const answer = (await call(ctx.api, {
            environment_id: environment.id,
            reason: options.reason,
          })) as Environment;
          if (ctx.json) return (printJson(ctx, answer), EXIT.ok);
          ctx.out(
            `${project.key}/${clean(environment.name)}: ${answer.hold ? `held (${clean(answer.hold.reason ?? options.reason)})` : 'released'}`,
          );
          return EXIT.ok;
        }),
      );
  }

  return program;
}

/** Runs the CLI; answers its exit code (errors printed as one line on stderr). */
export async function main(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  const color = pc.createColors(wantColor(io.stderr, io.env));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander's exitOverride; their text is already printed.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`${color.red('error:')} ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      io.stderr.write(`${color.red('error:')} ${describeError(error)}\n`);
      return EXIT.api;
    }
    io.stderr.write(`${color.red('error:')} ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.api;
  }
}

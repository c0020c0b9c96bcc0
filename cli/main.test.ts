import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './main';

/** A port nothing listens on: taken, then let go. */
const closedPort = new Promise<number>((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as net.AddressInfo;
    server.close(() => resolve(port));
  });
});

/** Runs the CLI in process with captured output; the URL points nowhere, so only what fails before any request is tested here. */
async function cli(...argv: string[]) {
  const port = await closedPort;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const env = { REPRISE_URL: `http://127.0.0.1:${port}`, REPRISE_TOKEN: 't', NO_COLOR: '1', XDG_CONFIG_HOME: '/nonexistent' };
  const code = await main(argv, { stdout: stdout as never, stderr: stderr as never, env });
  return { code, out, err };
}

describe('usage errors exit 2 with the reason on stderr', () => {
  it.each([
    [['run'], /missing required argument 'pipeline'/],
    [['runs', '--status', 'broken'], /Allowed choices are queued, running, succeeded, failed, cancelled/],
    [['runs', '--limit', 'ten'], /whole number/],
    [['run', 'release', '--param', 'nokey'], /--param "nokey": expected key=value/],
    [['replay', 'release', 'deploy'], /"release" is not a run/],
    [['deploy', 'hold', 'production'], /required option '--reason <text>'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(err).toMatch(message);
    expect(code).toBe(2);
  });
});

it('an unreachable server is one line and exit 3', async () => {
  const { code, err } = await cli('pipelines');
  expect(code).toBe(3);
  expect(err.trim().split('\n')).toHaveLength(1);
  expect(err.trim()).toMatch(/^error: Cannot reach http:\/\/127\.0\.0\.1:\d+: .*\[unreachable\]$/);
});

it('help exits 0 and lists every command', async () => {
  const { code, out } = await cli('--help');
  expect(code).toBe(0);
  for (const command of ['login', 'logout', 'pipelines', 'run', 'runs', 'retry', 'replay', 'logs', 'deploy']) expect(out).toContain(command);
});

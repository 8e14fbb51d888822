// The process: `node hooks/server.ts` fails fast on bad configuration, serves probes against a
// (fake) API server, finishes an in-flight hook on SIGTERM and exits 0.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { fixture } from './hooks.helpers.ts';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

const SERVER = new URL('../../hooks/server.ts', import.meta.url).pathname;

interface Run {
  child: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

async function waitFor(fn: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (
      await Promise.resolve()
        .then(fn)
        .catch(() => false)
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
}

let run: Run | undefined;
let api: Server | undefined;
afterEach(async () => {
  if (run !== undefined && run.child.exitCode === null) run.child.kill('SIGKILL');
  run = undefined;
  if (api !== undefined) await new Promise((r) => api!.close(r));
  api = undefined;
});

describe('hooks/server.ts', () => {
  it('exits 2 with a clear message on bad configuration', async () => {
    run = start({ PORT: 'eighty', KUBERNETES_SERVICE_HOST: '10.0.0.1' });
    expect(await run.exited).toBe(2);
    expect(run.out.join('')).toContain('invalid configuration:\n  - PORT must be integer (got "eighty")');
  });

  it('serves probes, finishes an in-flight hook on SIGTERM and exits 0', async () => {
    // A fake API server: /version for readiness, a slow Porch GET to keep a hook in flight.
    let release: (() => void) | undefined;
    api = createServer((req, res) => {
      if (req.url === '/version') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"major":"1","minor":"36"}');
        return;
      }
      if (req.url?.includes('/packagerevisionresources/')) {
        release = () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ metadata: { name: 'x', resourceVersion: '1' }, spec: { resources: {} } }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => api!.listen(0, '127.0.0.1', r));
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'hooks-server-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: apiUrl, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const port = 20000 + Math.floor(Math.random() * 20000);
    const base = `http://127.0.0.1:${port}`;
    run = start({ PORT: String(port), HOST: '127.0.0.1', KUBECONFIG: kubeconfig, LOG_LEVEL: 'info' });
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // A sync whose observation of a Draft child waits on the fake Porch.
    const req: unknown = fixture('sync-with-children');
    const inflight = fetch(`${base}/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(req),
    });
    await waitFor(() => release !== undefined);
    run.child.kill('SIGTERM');
    await waitFor(() => run!.out.join('').includes('shutting down'));
    release!();
    const res = await inflight;
    expect(res.status).toBe(200);
    const code = await run.exited;
    if (code !== 0) console.log(run.out.join(''));
    expect(code).toBe(0);
    const logs = run.out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const syncLines = logs.filter(
      (l) => l['reqId'] !== undefined && l['url'] !== '/healthz' && l['url'] !== '/readyz',
    );
    expect(syncLines.some((l) => l['msg'] === 'request completed')).toBe(true);
    expect(logs.some((l) => l['msg'] === 'stopped')).toBe(true);
  }, 30_000);
});

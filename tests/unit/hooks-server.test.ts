// The process: `node hooks/server.ts` fails fast on bad configuration, serves probes against a
// (fake) API server, finishes an in-flight hook on SIGTERM and exits 0.
import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { fixture } from './hooks.helpers.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork({ allowLoopback: true });

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

function fakeApi(): Promise<string> {
  api = createServer((req, res) => {
    if (req.url === '/version')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"major":"1"}');
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  return new Promise((r) =>
    api!.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(api!.address() as AddressInfo).port}`)),
  );
}

function writeKubeconfig(dir: string, server: string): string {
  const path = join(dir, 'config');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return path;
}

/** A self-signed certificate for `cn` in dir/<name>.crt and dir/<name>.key. */
function selfSigned(dir: string, name: string, cn: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.crt`),
    ],
    { stdio: 'ignore' },
  );
}

/**
 * The CN of the certificate a TLS server on 127.0.0.1:port serves, as openssl sees it (this test
 * process's sockets are intercepted by forbidNetwork, which hides the peer certificate).
 */
function servedCn(port: number): Promise<string> {
  const out = execFileSync(
    'sh',
    [
      '-c',
      `openssl s_client -connect 127.0.0.1:${port} </dev/null 2>/dev/null | openssl x509 -noout -subject`,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  return Promise.resolve(/CN\s*=\s*([^,\n/]+)/.exec(out)?.[1]?.trim() ?? '');
}

const ports = (): [number, number] => {
  const p = 20000 + Math.floor(Math.random() * 20000);
  return [p, p + 1];
};

const hasOpenssl = ((): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('hooks/server.ts', () => {
  (hasOpenssl ? it : it.skip)(
    'serves HTTPS with TLS_CERT_FILE/TLS_KEY_FILE and a token from HOOK_TOKEN_FILE',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hooks-tls-'));
      selfSigned(dir, 'tls', 'first');
      writeFileSync(join(dir, 'token'), 'file-token-0123456789\n');
      const [port, metricsPort] = ports();
      run = start({
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        HOST: '127.0.0.1',
        KUBECONFIG: writeKubeconfig(dir, await fakeApi()),
        TLS_CERT_FILE: join(dir, 'tls.crt'),
        TLS_KEY_FILE: join(dir, 'tls.key'),
        TLS_RELOAD_MS: '200',
        HOOK_TOKEN_FILE: join(dir, 'token'),
      });
      const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
      const base = `https://127.0.0.1:${port}`;
      await waitFor(async () => (await undiciFetch(`${base}/healthz`, { dispatcher })).ok);
      const customize = (auth: string) =>
        undiciFetch(`${base}/customize`, {
          dispatcher,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: JSON.stringify(fixture('customize')),
        });
      expect((await customize('Bearer wrong-token-0123456789')).status).toBe(401);
      expect((await customize('Bearer file-token-0123456789')).status).toBe(200);
      expect(await servedCn(port)).toBe('first');

      // Renewed in place (as a Secret volume does: new files swapped in): served without a restart.
      selfSigned(dir, 'next', 'renewed');
      renameSync(join(dir, 'next.key'), join(dir, 'tls.key'));
      renameSync(join(dir, 'next.crt'), join(dir, 'tls.crt'));
      await waitFor(async () => (await servedCn(port)) === 'renewed');
      expect((await customize('Bearer file-token-0123456789')).status).toBe(200);
      expect(run.out.join('')).toContain('TLS certificate reloaded');

      // /metrics on its own port, with nothing else there.
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('nephoran_hook_requests_total');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/sync`, { method: 'POST' })).status).toBe(404);
      await dispatcher.close();
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    },
    30_000,
  );

  it('refuses to start without a hook token unless HOOK_AUTH=none says so', async () => {
    run = start({ KUBERNETES_SERVICE_HOST: '10.0.0.1' });
    expect(await run.exited).toBe(2);
    expect(run.out.join('')).toContain('hook authentication is on by default');
  });

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
    const [port, metricsPort] = ports();
    const base = `http://127.0.0.1:${port}`;
    run = start({
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      HOST: '127.0.0.1',
      KUBECONFIG: kubeconfig,
      LOG_LEVEL: 'info',
      HOOK_AUTH: 'none',
    });
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

// Bounded waits of the local stack: each names the component waited for and what for, fails at once
// when the component's process died, and reports the last error of the probe; plus port and HTTP
// probes.
import { get as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { errorMessage } from '../common.ts';
import { assertRunning } from './daemon.ts';
import { StackError, kubectl, type Bins } from './util.ts';

/** `kubectl wait --for=condition=Established` on CRDs, retried until `timeoutMs`. */
export async function waitForCrds(
  bins: Pick<Bins, 'kubectl'>,
  component: string,
  what: string,
  crds: string[],
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    component,
    what,
    async () =>
      (
        await kubectl(bins, [
          'wait',
          '--for=condition=Established',
          '--timeout=5s',
          ...crds.map((c) => `crd/${c}`),
        ])
      ).code === 0,
    { timeoutMs },
  );
}

// ---- waiting --------------------------------------------------------------------------------------

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** A component whose recorded process must stay alive: when it dies the wait fails at once. */
  daemon?: string;
}

/**
 * Polls `probe` (resolves truthy when done; may throw, the last error is reported) every
 * `intervalMs` until `timeoutMs`. `component` names who is waited for; when `daemon` is set, a dead
 * process fails the wait at once instead of running into the timeout.
 */
export async function waitFor<T>(
  component: string,
  what: string,
  probe: () => Promise<T>,
  { timeoutMs, intervalMs = 500, daemon }: WaitOptions,
): Promise<T> {
  const started = Date.now();
  let last = '';
  for (;;) {
    try {
      const ok = await probe();
      if (ok) return ok;
      last = '';
    } catch (err) {
      last = errorMessage(err);
    }
    if (daemon) await assertRunning(daemon);
    if (Date.now() - started > timeoutMs) {
      throw new StackError(
        component,
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${last ? `\n  last error: ${last.trim()}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Fails when something that is not ours already listens on `port`. */
/**
 * Fails when something listens on `port`. `waitMs`: how long a process just stopped may take to let
 * go of it (its group is killed asynchronously).
 */
export async function ensurePortFree(
  component: string,
  port: number,
  envName: string,
  waitMs = 0,
): Promise<void> {
  const until = Date.now() + waitMs;
  while ((await tcpOpen(port)) && Date.now() < until) await sleep(200);
  if (await tcpOpen(port)) {
    throw new StackError(
      component,
      `port ${port} is already in use by another program; stop it or set ${envName} to a free port`,
    );
  }
}

export function httpGet(url: string, { timeoutMs = 2000 } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Resolves true when `url` answers 200; throws with the status and the start of the body otherwise. */
export async function healthy(url: string): Promise<boolean> {
  const res = await httpGet(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${res.body.slice(0, 200).trim()}`);
  return true;
}

// Helpers of the end-to-end test (tests/e2e/lifecycle.e2e.test.ts) against the local stack of
// `npm run local` (scripts/local/up.ts): kubectl as a user runs it, bounded waits that say what was
// expected, what was seen and which log to read, watches that timestamp every change, and the
// hook-server kill/restart; shared with the fault matrix (tests/faults/): kill and restart of any
// stack component (scripts/local/fault.ts), process groups, git refs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { groupMembers } from '../../scripts/local/stack/faults.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOCAL = path.join(ROOT, '.local');
export const LOGS = path.join(LOCAL, 'logs');
export const KUBECONFIG = path.join(LOCAL, 'kubeconfig');
export const NS = 'default';
export const HOOK_PORT = Number(process.env.NEPHORAN_HOOK_PORT || 8080);
export const GIT_URL = `http://127.0.0.1:${process.env.NEPHORAN_GIT_PORT || 9446}/${process.env.PORCH_REPOSITORY || 'cnf-packages'}`;

export const log = (rel: string): string => path.relative(ROOT, path.join(LOGS, rel));

interface StackFile {
  bins: Record<string, string>;
}

/** The kubectl that up.ts used (recorded in .local/stack.json). */
function kubectlPath(): string {
  const stack = JSON.parse(readFileSync(path.join(LOCAL, 'stack.json'), 'utf8')) as StackFile;
  const p = stack.bins.kubectl;
  if (!p || !existsSync(p)) throw new Error(`.local/stack.json names no usable kubectl (${p ?? 'none'})`);
  return p;
}

/** Environment in which `kubectl` on PATH is the stack's one and talks to the local cluster. */
export function kubeEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG,
    PATH: `${path.dirname(kubectlPath())}:${process.env.PATH ?? ''}`,
  };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a shell command line (bash -c) with the stack's kubectl on PATH; never rejects. */
export function sh(cmd: string, { timeoutMs = 120_000 }: { timeoutMs?: number } = {}): Promise<Result> {
  return collect('bash', ['-c', cmd], kubeEnv(), timeoutMs);
}

/** Runs `file` in ROOT, collecting its output; killed after `timeoutMs`; never rejects. */
function collect(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal)
        stderr += `\n(killed by ${signal}${signal === 'SIGKILL' ? ` after ${timeoutMs / 1000}s` : ''})`;
      resolve({ code: code ?? 128, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Runs and requires exit 0; the error names the command and its output. */
export async function must(cmd: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await sh(cmd, opts);
  if (r.code !== 0) {
    throw new Error(`\`${cmd}\` exited ${r.code}:\n${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface HistoryEntry {
  name: string;
  revision?: number;
  contentHash: string;
  outcome: string;
  trigger?: string;
}
export interface CnfStatus {
  phase?: string;
  readyReplicas?: number;
  revision?: number;
  contentHash?: string;
  packageRevision?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  history?: HistoryEntry[];
  rollback?: { failedContentHash?: string; toContentHash?: string; message?: string };
  lastHealthy?: { contentHash?: string };
  oran?: unknown;
  lastError?: unknown;
}
export interface Cnf {
  metadata: { name: string; generation?: number; uid?: string };
  spec: Record<string, unknown>;
  status?: CnfStatus;
}
export interface PackageRevision {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec: { packageName?: string; workspaceName?: string; revision?: number; lifecycle?: string };
}

export async function getCnf(name: string): Promise<Cnf | null> {
  const r = await sh(`kubectl get cnfdeployment ${name} -n ${NS} -o json`, { timeoutMs: 20_000 });
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return null;
    throw new Error(`kubectl get cnfdeployment ${name}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout) as Cnf;
}

/** PackageRevisions of one Porch package (default/<name>), as Porch lists them. */
export async function packageRevisions(pkg: string): Promise<PackageRevision[]> {
  const out = await must(`kubectl get packagerevisions -n ${NS} -o json`, { timeoutMs: 30_000 });
  const items = (JSON.parse(out) as { items?: PackageRevision[] }).items ?? [];
  return items.filter((p) => p.spec.packageName === pkg);
}

export const cond = (c: Cnf | null, type: string): Condition | undefined =>
  c?.status?.conditions?.find((x) => x.type === type);

export function summary(c: Cnf | null): string {
  if (!c) return '(CNFDeployment absent)';
  const s = c.status ?? {};
  const conds = (s.conditions ?? []).map((x) => `${x.type}=${x.status}(${x.reason ?? ''})`).join(' ');
  return (
    `phase=${s.phase ?? '-'} readyReplicas=${s.readyReplicas ?? '-'} revision=${s.revision ?? '-'} ` +
    `generation=${c.metadata.generation ?? '-'} observedGeneration=${s.observedGeneration ?? '-'} ` +
    `contentHash=${(s.contentHash ?? '-').slice(0, 10)} conditions: ${conds}` +
    (s.lastError ? ` lastError=${JSON.stringify(s.lastError)}` : '')
  );
}

export const LOG_HINT =
  `read ${log('hooks.log')} (hook answers), ${log('metacontroller.log')} (sync errors), ` +
  `${log('porch.log')}, ${log('flux-kustomize.log')} (what Flux applied), ${log('kwok-controller.log')}`;

/**
 * Polls `probe` until it returns a value other than undefined/false, at most `timeoutMs`. On timeout
 * the error says what was expected, what `seen()` reports last, and which logs to read.
 */
export async function waitUntil<T>(
  expected: string,
  probe: () => Promise<T | undefined | false>,
  {
    timeoutMs,
    intervalMs = 250,
    seen,
  }: { timeoutMs: number; intervalMs?: number; seen: () => Promise<string> },
): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  let lastError = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return { value: v, ms: Date.now() - t0 };
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() - t0 > timeoutMs) {
      let now = '';
      try {
        now = await seen();
      } catch (err) {
        now = `(could not observe: ${(err as Error).message})`;
      }
      throw new Error(
        `timed out after ${(timeoutMs / 1000).toFixed(0)}s waiting for ${expected}\n` +
          `  seen: ${now}\n` +
          (lastError ? `  last error: ${lastError}\n` : '') +
          `  ${LOG_HINT}`,
      );
    }
    await sleep(intervalMs);
  }
}

export interface WatchLine {
  at: number;
  line: string;
}

/**
 * `kubectl get <what> -w -o jsonpath=<template>`: every line kubectl prints, with the time it
 * arrived here. kubectl prints the current state first, then one line per change.
 */
export class Watch {
  readonly lines: WatchLine[] = [];
  private child: ChildProcess;
  private buf = '';
  private stderr = '';
  readonly what: string;

  constructor(what: string, template: string) {
    this.what = what;
    this.child = spawn(
      'bash',
      ['-c', `exec kubectl get ${what} -n ${NS} -w -o jsonpath='${template}{"\\n"}'`],
      { cwd: ROOT, env: kubeEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.on('data', (c: Buffer) => {
      const at = Date.now();
      this.buf += c.toString();
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (line) this.lines.push({ at, line });
      }
    });
    this.child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
  }

  /** First line at or after `since` that satisfies `pred`. */
  find(pred: (line: string) => boolean, since = 0): WatchLine | undefined {
    return this.lines.find((l) => l.at >= since && pred(l.line));
  }

  async waitFor(
    expected: string,
    pred: (line: string) => boolean,
    since: number,
    timeoutMs: number,
  ): Promise<WatchLine> {
    const { value } = await waitUntil(expected, async () => Promise.resolve(this.find(pred, since)), {
      timeoutMs,
      intervalMs: 50,
      seen: () =>
        Promise.resolve(
          `last lines of \`kubectl get ${this.what} -w\`: ${JSON.stringify(this.lines.slice(-5).map((l) => l.line))}` +
            (this.stderr ? ` stderr: ${this.stderr.trim().slice(-300)}` : ''),
        ),
    });
    return value;
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

/** The hook server's recorded process (scripts/local/stack/daemon.ts startDaemon). */
export function hookPid(): number {
  const rec = JSON.parse(readFileSync(path.join(LOCAL, 'pids', 'hooks.json'), 'utf8')) as { pid: number };
  return rec.pid;
}

/** SIGKILL to the hook server's whole process group (npm and the node under it). */
export function killHooks(): number {
  const pid = hookPid();
  process.kill(-pid, 'SIGKILL');
  return pid;
}

/** Starts the hook server again exactly as up.ts does (scripts/local/stack/hooks.ts up()). */
export async function startHooks(): Promise<void> {
  const code =
    "const h = await import('./scripts/local/stack/hooks.ts');" +
    "const u = await import('./scripts/local/stack/util.ts');" +
    'await h.up({ settings: u.settings() });';
  const r = await new Promise<Result>((resolve) => {
    const t0 = Date.now();
    // not jest's NODE_OPTIONS (--experimental-vm-modules) for the hook server
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c ?? 128, stdout, stderr, ms: Date.now() - t0 });
    });
  });
  if (r.code !== 0) {
    throw new Error(
      `restarting the hook server failed (exit ${r.code}):\n${r.stdout}${r.stderr}\n  read ${log('hooks.log')}`,
    );
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Refs of the stack's git repository (`git ls-remote`): ref name → commit. */
export async function gitRefs(): Promise<Map<string, string>> {
  const out = await must(`git ls-remote ${GIT_URL}`, { timeoutMs: 20_000 });
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [sha = '', ref = ''] = l.split('\t');
        return [ref, sha] as [string, string];
      }),
  );
}

/** Components scripts/local/fault.ts can kill and restart (scripts/local/stack/faults.ts). */
export type StackComponent =
  'porch' | 'postgres' | 'gitserver' | 'metacontroller' | 'hooks' | 'kube-apiserver';

export interface FaultKill {
  component: StackComponent;
  pid: number;
  killedAt: number;
  goneAt: number;
}
export interface FaultRestart {
  component: StackComponent;
  pid: number;
  startedAt: number;
  readyAt: number;
}

/**
 * `node scripts/local/fault.ts <args>` (outside jest's NODE_OPTIONS, so that what it starts runs as
 * under up.ts); resolves with its JSON answer, rejects with its output and the component's log.
 */
export async function faultCli<T>(args: string[], timeoutMs = 180_000): Promise<T> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = await collect(
    process.execPath,
    [path.join(ROOT, 'scripts', 'local', 'fault.ts'), ...args],
    env,
    timeoutMs,
  );
  if (r.code !== 0) {
    const which = args[1] === 'kube-apiserver' ? 'kube-apiserver.log' : `${args[1] ?? 'cluster'}.log`;
    throw new Error(
      `node scripts/local/fault.ts ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}${r.stderr}\n  read ${log(which)}`,
    );
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as T;
}

/** SIGKILL to a component's whole process group; resolves once none of it is left. */
export const killComponent = (c: StackComponent): Promise<FaultKill> => faultCli<FaultKill>(['kill', c]);

/**
 * killComponent without starting a process first (fault.ts takes ~0.3 s to start): the SIGKILL
 * leaves at once, for a kill at a precise moment. Same effect: the whole process group, waited for;
 * for the kube-apiserver kwokctl's pid file is removed as kwokctl's own stop does (stack/faults.ts).
 */
export async function killComponentNow(c: StackComponent): Promise<FaultKill> {
  const stack = JSON.parse(readFileSync(path.join(LOCAL, 'stack.json'), 'utf8')) as {
    settings?: { cluster?: string };
  };
  const kwokPidFile = path.join(
    LOCAL,
    'kwok',
    'clusters',
    stack.settings?.cluster ?? 'nephoran',
    'pids',
    'kube-apiserver.pid',
  );
  const pid =
    c === 'kube-apiserver'
      ? Number(readFileSync(kwokPidFile, 'utf8').trim())
      : (JSON.parse(readFileSync(path.join(LOCAL, 'pids', `${c}.json`), 'utf8')) as { pid: number }).pid;
  if (!Number.isInteger(pid) || pid <= 1 || !pidAlive(pid))
    throw new Error(`${c} is not running (pid ${pid})`);
  const killedAt = Date.now();
  process.kill(-pid, 'SIGKILL');
  await waitUntil(
    `${c} process group ${pid} gone after SIGKILL`,
    () => Promise.resolve(groupMembers(pid).length === 0),
    {
      timeoutMs: 10_000,
      intervalMs: 20,
      seen: () => Promise.resolve(`still alive: ${groupMembers(pid).join(', ')}`),
    },
  );
  if (c === 'kube-apiserver') rmSync(kwokPidFile, { force: true });
  return { component: c, pid, killedAt, goneAt: Date.now() };
}

/** Starts a component again as up.ts does; resolves once it answers its health check. */
export const restartComponent = (c: StackComponent): Promise<FaultRestart> =>
  faultCli<FaultRestart>(['restart', c]);

/** pid of each component (null: not running). */
export const componentStatus = (): Promise<Record<StackComponent, number | null>> =>
  faultCli<Record<StackComponent, number | null>>(['status'], 30_000);

export { sleep };

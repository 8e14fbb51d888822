// Fault injection on the local stack (scripts/local/fault.ts, tests/faults/): SIGKILL one component
// and start it again the way the stack starts it.
//
// Components:
//   porch, postgres (Porch's database), gitserver, metacontroller, hooks  processes up.ts started (daemon.ts pid records): the
//       whole process group is SIGKILLed (the pid record is left; `running()` sees it dead), and the
//       component's own up() starts it again (it replaces a dead record, checks its ports are free,
//       waits for its health check), exactly as a re-run of `npm run local` would;
//   kube-apiserver  a process of the kwok cluster: SIGKILLed by the pid in kwokctl's pid file, which
//       is then removed (what kwokctl's own stop does); `kwokctl start cluster` starts what is not
//       running — only the kube-apiserver — with the command line kept in the cluster's kwok.yaml
//       (same flags, same etcd, so nothing stored is lost). kwokctl has no per-component start/stop.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

import { errorMessage, readJson } from '../common.ts';
import type { Versions } from '../versions.ts';
import { loadVersions } from '../versions.ts';
import { apiReady, componentPidFile, startStoppedComponents } from './cluster.ts';
import { alive, cmdline, running } from './daemon.ts';
import * as gitserver from './gitserver.ts';
import * as hooks from './hooks.ts';
import * as metacontroller from './metacontroller.ts';
import * as porch from './porch.ts';
import {
  STACK_FILE,
  StackError,
  settings as loadSettings,
  type StackContext,
  type StackFile,
} from './util.ts';
import { waitFor } from './wait.ts';

export const FAULT_COMPONENTS = [
  'porch',
  'postgres',
  'gitserver',
  'metacontroller',
  'hooks',
  'kube-apiserver',
] as const;
export type FaultComponent = (typeof FAULT_COMPONENTS)[number];

export const isFaultComponent = (c: string): c is FaultComponent =>
  (FAULT_COMPONENTS as readonly string[]).includes(c);

/** What a kill did. */
export interface KillResult {
  component: FaultComponent;
  /** The process (group leader) that was killed. */
  pid: number;
  /** When SIGKILL was sent (epoch ms). */
  killedAt: number;
  /** When no process of the group was left (epoch ms). */
  goneAt: number;
}

/** What a restart did. */
export interface RestartResult {
  component: FaultComponent;
  pid: number;
  /** When the restart began (epoch ms). */
  startedAt: number;
  /** When the component answered its health check (epoch ms). */
  readyAt: number;
}

/** The stack as up.ts recorded it (.local/stack.json) plus versions.json. */
export async function stackContext(): Promise<StackContext> {
  const stack = await readJson<StackFile | null>(STACK_FILE, null);
  if (!stack)
    throw new StackError('faults', `${STACK_FILE} missing: the local stack is not up (npm run local)`);
  const versions: Versions = await loadVersions();
  // settings added since the stack was started take their defaults (as down.ts does)
  return { bins: stack.bins, settings: { ...loadSettings(), ...stack.settings }, versions };
}

/** Pids of the live (non-zombie) processes in process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function sigkillGroup(component: FaultComponent, pid: number): Promise<KillResult> {
  const killedAt = Date.now();
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      throw new StackError(component, `cannot SIGKILL pid ${pid}: ${errorMessage(err)}`, undefined, {
        cause: err,
      });
    }
  }
  const deadline = Date.now() + 10_000;
  while ((alive(pid) || groupMembers(pid).length > 0) && Date.now() < deadline) await sleep(20);
  if (alive(pid) || groupMembers(pid).length > 0) {
    throw new StackError(component, `process group ${pid} still has live processes 10s after SIGKILL`);
  }
  return { component, pid, killedAt, goneAt: Date.now() };
}

// ---- kube-apiserver -------------------------------------------------------------------------------

function apiserverPid(ctx: StackContext): number | null {
  const file = componentPidFile(ctx.settings, 'kube-apiserver');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 && alive(pid) && cmdline(pid).includes('kube-apiserver')
    ? pid
    : null;
}

async function killApiserver(ctx: StackContext): Promise<KillResult> {
  const pid = apiserverPid(ctx);
  if (pid === null) {
    throw new StackError(
      'kube-apiserver',
      `no running kube-apiserver (${componentPidFile(ctx.settings, 'kube-apiserver')})`,
    );
  }
  const result = await sigkillGroup('kube-apiserver', pid);
  // What kwokctl's own stop does after the kill. Without it `kwokctl start cluster` would take the
  // killed process for a running one while it is a zombie not yet reaped by PID 1.
  await rm(componentPidFile(ctx.settings, 'kube-apiserver'), { force: true });
  return result;
}

// ---- the components -------------------------------------------------------------------------------

/** SIGKILLs the component's whole process group and waits until none of it is left. */
export async function kill(component: FaultComponent, ctx?: StackContext): Promise<KillResult> {
  const c = ctx ?? (await stackContext());
  if (component === 'kube-apiserver') return killApiserver(c);
  const rec = await running(component);
  if (!rec) throw new StackError(component, 'not running (no live process in .local/pids)');
  return sigkillGroup(component, rec.pid);
}

/** Starts the component again as up.ts does and waits until it answers its health check. */
export async function restart(component: FaultComponent, ctx?: StackContext): Promise<RestartResult> {
  const c = ctx ?? (await stackContext());
  const startedAt = Date.now();
  switch (component) {
    case 'kube-apiserver': {
      await startStoppedComponents(c);
      const pid = apiserverPid(c) ?? 0;
      await waitFor('kube-apiserver', 'kube-apiserver /readyz', () => apiReady(c.bins), {
        timeoutMs: 120_000,
        intervalMs: 200,
      });
      return { component, pid, startedAt, readyAt: Date.now() };
    }
    case 'porch':
      await porch.up(c);
      break;
    case 'postgres':
      await porch.startDatabase(c);
      break;
    case 'gitserver':
      await gitserver.up(c);
      break;
    case 'metacontroller':
      await metacontroller.up(c);
      break;
    case 'hooks':
      await hooks.up(c);
      break;
  }
  const rec = await running(component);
  if (!rec) throw new StackError(component, 'not running after the restart');
  return { component, pid: rec.pid, startedAt, readyAt: Date.now() };
}

/** pid and liveness of every fault component. */
export async function status(ctx?: StackContext): Promise<Record<FaultComponent, number | null>> {
  const c = ctx ?? (await stackContext());
  const out = {} as Record<FaultComponent, number | null>;
  for (const comp of FAULT_COMPONENTS) {
    out[comp] = comp === 'kube-apiserver' ? apiserverPid(c) : ((await running(comp))?.pid ?? null);
  }
  return out;
}

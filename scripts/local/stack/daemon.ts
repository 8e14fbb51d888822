// Background processes of the local stack: each component's long-running process in its own
// process group, output to .local/logs/<component>.log, pid recorded in .local/pids/<component>.json
// (so that a re-run can reuse it and down.ts can stop it with everything it started).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

import { errorMessage, readJson, say, writeJson } from '../common.ts';
import { LOGS, PIDS, ROOT, StackError, logFile } from './util.ts';

/** .local/pids/<component>.json */
export interface PidRecord {
  component: string;
  pid: number;
  cmd: string;
  args: string[];
  /** A string the process's command line must contain for the pid to still be this process. */
  marker: string;
  startedAt: string;
  /**
   * The kernel's start time of the process (/proc/<pid>/stat field 22, clock ticks since boot): with
   * the pid it names the process for good, whatever its command line says at the moment.
   */
  startTicks?: number;
}

const pidFile = (component: string): string => path.join(PIDS, `${component}.json`);

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited process whose parent is gone stays a zombie until PID 1 reaps it, which is slow on
  // this machine: it has exited all the same.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Start time of a process in clock ticks since boot (/proc/<pid>/stat field 22), null when gone. */
export function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "pid (comm) ": state is field 3, starttime field 22
    const ticks = Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/**
 * The recorded process of a component when it is still the same process. The pid plus the kernel's
 * start time identify it (a reused pid has another start time). The command line is not used for
 * that when the start time is recorded: a live process shows an EMPTY /proc/<pid>/cmdline while it
 * execs and while Node.js rewrites its argv area for process.title (npm does that ~0.1-0.2 s after
 * start), so a marker check right after startDaemon took a starting `npm start` for an exited one
 * ("[hooks] process exited" with only the log's header line; 20 of 30 spawns showed such a window).
 * Records without a start time (written before it was recorded) still use the marker.
 */
export async function running(component: string): Promise<PidRecord | null> {
  const rec = await readJson<PidRecord | null>(pidFile(component), null);
  if (!rec || !alive(rec.pid)) return null;
  if (rec.startTicks !== undefined) return startTicks(rec.pid) === rec.startTicks ? rec : null;
  if (rec.marker && !cmdline(rec.pid).includes(rec.marker)) return null;
  return rec;
}

export interface DaemonOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** See PidRecord.marker; default: the program's file name. */
  marker?: string;
}

/**
 * Starts a long-running process in its own process group (so that down.ts can stop it with
 * everything it started), output to .local/logs/<component>.log (the previous one kept as .log.1),
 * pid recorded in .local/pids/.
 */
export async function startDaemon(
  component: string,
  cmd: string,
  args: string[],
  { env, cwd = ROOT, marker }: DaemonOptions = {},
): Promise<PidRecord> {
  await mkdir(LOGS, { recursive: true });
  await mkdir(PIDS, { recursive: true });
  const log = logFile(component);
  if (existsSync(log)) renameSync(log, `${log}.1`);
  const fd = openSync(log, 'a');
  writeSync(fd, `# ${new Date().toISOString()} ${[cmd, ...args].join(' ')}\n`);
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { cwd, env: env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new StackError(component, `cannot start ${cmd}: ${errorMessage(err)}`, log, { cause: err })),
    );
  });
  const rec: PidRecord = {
    component,
    pid: child.pid ?? 0,
    cmd,
    args,
    marker: marker ?? path.basename(cmd),
    startedAt: new Date().toISOString(),
  };
  const ticks = startTicks(rec.pid);
  if (ticks !== null) rec.startTicks = ticks;
  child.unref();
  await writeJson(pidFile(component), rec);
  return rec;
}

/** Signals the process group of `pid` (or the process alone when it has no group of its own). */
function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}

async function waitExit(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; removes the pid file. True when it ran. */
export async function stopDaemon(
  component: string,
  { graceMs = 10_000, quiet = false }: { graceMs?: number; quiet?: boolean } = {},
): Promise<boolean> {
  const rec = await running(component);
  if (rec) {
    signalGroup(rec.pid, 'SIGTERM');
    await waitExit(rec.pid, graceMs);
    if (alive(rec.pid)) {
      if (!quiet) say(`${component}: still running after ${graceMs / 1000}s, sending SIGKILL`);
      signalGroup(rec.pid, 'SIGKILL');
      await waitExit(rec.pid, 5000);
    } else {
      // the group may still hold children that ignored SIGTERM while the leader exited
      signalGroup(rec.pid, 'SIGKILL');
    }
    if (!quiet) say(`${component}: stopped (pid ${rec.pid})`);
  }
  await rm(pidFile(component), { force: true });
  return Boolean(rec);
}

/** The last `lines` lines of a log, indented, for an error message. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => `    ${l}`)
      .join('\n');
  } catch {
    return '    (no log)';
  }
}

/** Fails with the component's log tail when its recorded process has exited. */
export async function assertRunning(component: string): Promise<void> {
  if (await running(component)) return;
  throw new StackError(component, `process exited; last lines of its log:\n${logTail(logFile(component))}`);
}

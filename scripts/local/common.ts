// The one helper module of scripts/local (build.ts, up.ts, down.ts, fault.ts, githttp.ts, stack/*, tools/*):
// progress logging (say), the process runner (run), command-line parsing (parseCli on node:util
// parseArgs, runMain), JSON files and time helpers. It knows nothing about the build or the stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, renameSync, type WriteStream } from 'node:fs';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

// ---- time and logging -----------------------------------------------------------------------------

const T0 = Date.now();

/** Seconds since `from` (default: process start) with one decimal, e.g. "12.3s". */
export const elapsed = (from = T0): string => `${((Date.now() - from) / 1000).toFixed(1)}s`;

/** Whole seconds since `startMs`. */
export function seconds(startMs: number): number {
  return Math.round((Date.now() - startMs) / 1000);
}

/**
 * What each progress line starts with, chosen once by the entry point: nothing (build.ts: its lines
 * carry their own timings), the time since start (up.ts, down.ts) or the wall clock (the GitOps
 * stand-in, whose output is a long-running daemon's log).
 */
export type LogStamp = 'none' | 'elapsed' | 'clock';

let logStamp: LogStamp = 'none';

export function setLogStamp(stamp: LogStamp): void {
  logStamp = stamp;
}

/**
 * Progress and diagnostics. Always to stderr, so that stdout carries only results: the JSON of
 * `build.ts --print-paths`, the binary list of a build, the summary of `up.ts`.
 */
export function say(message: string): void {
  const prefix =
    logStamp === 'elapsed'
      ? `[${elapsed().padStart(6)}] `
      : logStamp === 'clock'
        ? `${new Date().toISOString()} `
        : '';
  process.stderr.write(`${prefix}${message}\n`);
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---- the process runner ---------------------------------------------------------------------------

export interface RunOptions {
  /** Working directory (default: the current one). */
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Written to the command's stdin; without it stdin is /dev/null. */
  input?: string | undefined;
  /** Kill the command (with `killSignal`, default SIGKILL) after this long; no limit by default. */
  timeoutMs?: number | undefined;
  killSignal?: NodeJS.Signals | undefined;
  /** 'inherit': the command's stderr goes straight to ours (progress of a child script), not captured. */
  stderr?: 'pipe' | 'inherit' | undefined;
  /** Append the command line and its output (as it arrives) to this file. */
  logFile?: string | undefined;
  /** Reject with a CommandError when the command does not exit 0 (otherwise only when it cannot start). */
  check?: boolean | undefined;
  /** Called every `heartbeatMs` (default 30 s) while the command runs, with its last output line. */
  heartbeat?: ((elapsedSeconds: number, lastLine: string) => void) | undefined;
  heartbeatMs?: number | undefined;
}

export interface RunResult {
  /** Exit code; 128 when killed by a signal. */
  code: number;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  /** stdout as bytes (`git cat-file --batch` sizes are in bytes). */
  stdoutBuf: Buffer;
  stderr: string;
  /** The last lines of stdout and stderr together, in arrival order. */
  tail: string;
}

export type CommandErrorCode = 'CANNOT_RUN' | 'FAILED';

/** A command that could not start (CANNOT_RUN, the spawn error as `cause`) or did not exit 0 (FAILED). */
export class CommandError extends Error {
  readonly code: CommandErrorCode;
  /** The command line, e.g. "go env GOVERSION". */
  readonly command: string;
  readonly result: RunResult | undefined;
  constructor(
    code: CommandErrorCode,
    command: string,
    message: string,
    options: { result?: RunResult; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CommandError';
    this.code = code;
    this.command = command;
    this.result = options.result;
  }

  /** True when the program itself was not found (not on PATH). */
  get notFound(): boolean {
    return (this.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  }
}

/** How a finished command ended, e.g. "exit code 2" or "killed by SIGKILL after 120s". */
export function howItEnded(res: RunResult, timeoutMs?: number): string {
  if (!res.signal) return `exit code ${res.code}`;
  return res.timedOut && timeoutMs
    ? `killed by ${res.signal} after ${timeoutMs / 1000}s`
    : `killed by ${res.signal}`;
}

const TAIL_LINES = 30;
const HEARTBEAT_MS = 30_000;

/** The last TAIL_LINES lines of a stream of chunks. */
class Tail {
  #lines: string[] = [];
  #partial = '';

  push(chunk: Buffer): void {
    const parts = (this.#partial + chunk.toString()).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      this.#lines.push(line);
      if (this.#lines.length > TAIL_LINES) this.#lines.shift();
    }
  }

  /** The last complete line. */
  last(): string {
    return this.#lines.at(-1) ?? '';
  }

  text(): string {
    return [...this.#lines, ...(this.#partial ? [this.#partial] : [])].join('\n');
  }
}

function openLog(file: string | undefined, header: string): WriteStream | null {
  if (!file) return null;
  const log = createWriteStream(file, { flags: 'a' });
  // logging must never break a build or the stack
  log.on('error', () => {});
  log.write(header);
  return log;
}

/**
 * Runs a command to completion. Resolves with its RunResult — also on a non-zero exit unless
 * `check` is set; rejects with a CommandError when it cannot start (or, with `check`, fails).
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const log = openLog(
      opts.logFile,
      `--- ${new Date().toISOString()}\n$ (cd ${opts.cwd ?? process.cwd()}) ${command}\n`,
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const tail = new Tail();
    let timedOut = false;
    let settled = false;
    let heartbeat: NodeJS.Timeout | null = null;
    let timer: NodeJS.Timeout | null = null;
    let child: ChildProcess;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      if (heartbeat) clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
      if (log) log.end(settle);
      else settle();
    };
    const cannotRun = (e: Error): void =>
      finish(() =>
        reject(new CommandError('CANNOT_RUN', command, `cannot run ${cmd}: ${e.message}`, { cause: e })),
      );
    try {
      child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', opts.stderr ?? 'pipe'],
      });
    } catch (e) {
      cannotRun(e as Error);
      return;
    }
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      into.push(chunk);
      log?.write(chunk);
      tail.push(chunk);
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    const beat = opts.heartbeat;
    if (beat)
      heartbeat = setInterval(() => beat(seconds(started), tail.last()), opts.heartbeatMs ?? HEARTBEAT_MS);
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill(opts.killSignal ?? 'SIGKILL');
      }, opts.timeoutMs);
    }
    child.on('error', cannotRun);
    child.on('close', (code, signal) => {
      const stdoutBuf = Buffer.concat(out);
      const res: RunResult = {
        code: code ?? (signal ? 128 : 1),
        signal,
        timedOut,
        stdout: stdoutBuf.toString('utf8'),
        stdoutBuf,
        stderr: Buffer.concat(err).toString('utf8'),
        tail: tail.text(),
      };
      if (res.code !== 0) log?.write(`(${howItEnded(res, opts.timeoutMs)})\n`);
      finish(() => {
        if (res.code === 0 || !opts.check) resolve(res);
        else {
          const why = (res.stderr || res.stdout).trim();
          const msg = `\`${command}\` failed (${howItEnded(res, opts.timeoutMs)}): ${why}`;
          reject(new CommandError('FAILED', command, msg, { result: res }));
        }
      });
    });
    if (child.stdin && opts.input !== undefined) {
      // A child that exits without reading its input (e.g. a kubectl that fails early) closes the pipe:
      // the EPIPE is not the failure to report — the child's exit code and output are.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
  });
}

// ---- command lines --------------------------------------------------------------------------------

/** A bad command line: the entry point prints the message and its usage and exits 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

interface CliConfig<O extends ParseArgsOptionsConfig> {
  args: string[];
  options: O;
  strict: true;
  allowPositionals: boolean;
}

export type CliArgs<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<CliConfig<O>>>;

/** node:util parseArgs, strict (unknown options are errors); a parse error becomes a UsageError. */
export function parseCli<const O extends ParseArgsOptionsConfig>(
  argv: string[],
  options: O,
  { positionals = false }: { positionals?: boolean } = {},
): CliArgs<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (err) {
    throw new UsageError(errorMessage(err), { cause: err });
  }
}

/**
 * Runs an entry point's `main`: a UsageError prints "error: …" and `usage` on stderr and exits 2;
 * any other error goes to `onError` and the exit code is 1.
 */
export function runMain(usage: string, main: () => Promise<void>, onError: (err: unknown) => void): void {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    onError(err);
    process.exitCode = 1;
  });
}

// ---- files ----------------------------------------------------------------------------------------

export async function exists(file: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** Parsed JSON of `file`, or `dflt` when the file does not exist (and `dflt` is given). */
export async function readJson<T>(file: string, dflt?: T): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && dflt !== undefined) return dflt;
    throw err;
  }
}

/** Writes JSON through a temporary file and a rename, so that a reader never sees half a file. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

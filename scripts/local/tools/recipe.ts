// What a tool recipe (tools/<tool>.ts) is and what it gets from build.ts: the recipe and context
// types, BuildError, and runStep (the process runner with a heartbeat, failing with the tool and step).
import { CommandError, howItEnded, run, say, type RunOptions, type RunResult } from '../common.ts';
import type { Versions } from '../versions.ts';

/** A build failure that names the tool and the step. */
export class BuildError extends Error {
  readonly code = 'BUILD_FAILED';
  readonly tool: string;
  readonly step: string;
  constructor(tool: string, step: string, message: string, detail = '', options?: { cause?: unknown }) {
    super(`[${tool}] ${step} failed: ${message}${detail ? `\n${detail}` : ''}`, options);
    this.name = 'BuildError';
    this.tool = tool;
    this.step = step;
  }
}

/** A binary a tool produces, and the arguments that make it print its version (the build checks it runs). */
export interface BinarySpec {
  name: string;
  verify: string[];
}

/** What a recipe's build() gets: where to put things, and logged steps. */
export interface BuildContext {
  readonly name: string;
  readonly version: string;
  /** The cache root. */
  readonly root: string;
  /** <cache>/src/<tool>-<version>: the generated wrapper module. */
  readonly srcDir: string;
  /** Where the binaries go (renamed to <cache>/bin/<tool>-<version> once verified). */
  readonly outDir: string;
  readonly logFile: string;
  /** Reports a step (no command). */
  step(step: string, detail?: string): void;
  /** Runs a command as a step: output to the tool's log, progress and a heartbeat on stderr. */
  run(step: string, cmd: string, args: readonly string[], opts?: StepOptions): Promise<RunResult>;
}

export type StepOptions = Pick<RunOptions, 'cwd' | 'env' | 'timeoutMs' | 'logFile'>;

/** One tool of the stack: the binaries it produces, pinned by version, and how to build them. */
export interface ToolRecipe {
  name: string;
  version: string;
  /** Recorded in build-info.json. */
  details?: Record<string, unknown>;
  binaries: BinarySpec[];
  build(ctx: BuildContext): Promise<void>;
}

export type ToolFactory = (versions: Versions) => ToolRecipe;

/**
 * Runs a command for `tool`'s `step`: resolves with its output when it exits 0; otherwise a
 * BuildError with the last lines of its output (and where the full log is). A heartbeat every 30 s
 * says it is still running.
 */
export async function runStep(
  tool: string,
  step: string,
  cmd: string,
  args: readonly string[],
  opts: StepOptions = {},
): Promise<RunResult> {
  try {
    return await run(cmd, args, {
      ...opts,
      check: true,
      killSignal: 'SIGTERM',
      heartbeat: (secs, last) =>
        say(`  [${tool}] ${step}: still running (${secs}s)${last ? ` — ${last.slice(0, 120)}` : ''}`),
    });
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    if (err.code === 'CANNOT_RUN' || !err.result) {
      const hint = err.notFound ? ` (is \`${cmd}\` on PATH?)` : '';
      throw new BuildError(tool, step, `${err.message}${hint}`, '', { cause: err });
    }
    const where = opts.logFile ? `\n  full log: ${opts.logFile}` : '';
    const tail = err.result.tail
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
    throw new BuildError(
      tool,
      step,
      `\`${err.command}\` (${howItEnded(err.result)}), last lines of its output:`,
      tail + where,
      { cause: err },
    );
  }
}

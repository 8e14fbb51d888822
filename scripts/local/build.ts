#!/usr/bin/env node
// Builds the upstream programs of the local stack (etcd, Kubernetes control plane + kubectl, kwok,
// Metacontroller, Porch, Flux), and promtool for `npm test`, from the Go module proxy, with the versions
// pinned in versions.json, into ${NEPHORAN_CACHE:-$HOME/.cache/nephoran-local}/bin/<tool>-<version>/.
// Built tools are reused.
// See USAGE below (`npm run local:build -- --help`).
//
// Progress goes to stderr; stdout carries only the result (paths or JSON).
import { constants } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import process from 'node:process';

import { UsageError, errorMessage, exists, parseCli, runMain, say, seconds } from './common.ts';
import etcd from './tools/etcd.ts';
import flux from './tools/flux.ts';
import { checkGo } from './tools/go.ts';
import kubernetes from './tools/kubernetes.ts';
import kwok from './tools/kwok.ts';
import metacontroller from './tools/metacontroller.ts';
import porch from './tools/porch.ts';
import promtool from './tools/promtool.ts';
import { BuildError, runStep, type BuildContext, type ToolFactory, type ToolRecipe } from './tools/recipe.ts';
import { loadVersions } from './versions.ts';

const FACTORIES: ToolFactory[] = [etcd, kwok, kubernetes, metacontroller, porch, flux, promtool];

export const USAGE = `usage: node scripts/local/build.ts [--print-paths] [--cached-only] [--rebuild] [--list] [tool|binary ...]
       (npm run local:build -- ..., npm run local:paths -- ...)

Builds the local stack's upstream programs from the Go module proxy (versions in
scripts/local/versions.json) into \${NEPHORAN_CACHE:-$HOME/.cache/nephoran-local}/bin/<tool>-<version>/,
reusing what is built. Without names: every tool. A name is a tool (etcd, kwok, kubernetes,
metacontroller, porch, flux, promtool) or one of its binaries (e.g. kubectl).

  --print-paths   print {"binary": "/abs/path"} as JSON on stdout (builds what is missing)
  --cached-only   never build: a tool that is not built yet is an error
  --rebuild       ignore the cache for the selected tools
  --list          show tools, versions, binaries and whether they are built
  -h, --help      show this help

Progress goes to stderr; stdout carries only the result (paths or JSON).
`;

export interface BuildOptions {
  help: boolean;
  printPaths: boolean;
  rebuild: boolean;
  list: boolean;
  cachedOnly: boolean;
  names: string[];
}

export function parseOptions(argv: string[]): BuildOptions {
  const { values, positionals } = parseCli(
    argv,
    {
      'print-paths': { type: 'boolean', default: false },
      'cached-only': { type: 'boolean', default: false },
      rebuild: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    { positionals: true },
  );
  return {
    help: values.help,
    printPaths: values['print-paths'],
    rebuild: values.rebuild,
    list: values.list,
    cachedOnly: values['cached-only'],
    names: positionals,
  };
}

/** Root of the cache: $NEPHORAN_CACHE or ~/.cache/nephoran-local (always outside the repository). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.NEPHORAN_CACHE || path.join(env.HOME || homedir(), '.cache', 'nephoran-local');
  return path.resolve(root);
}

/** The tools named (by tool or binary name), in build order; all of them without names. */
export function selectTools(tools: ToolRecipe[], names: string[]): ToolRecipe[] {
  if (names.length === 0) return tools;
  const picked = new Set<ToolRecipe>();
  for (const n of names) {
    const t = tools.find((tool) => tool.name === n || tool.binaries.some((b) => b.name === n));
    if (!t) {
      const known = tools.flatMap((tool) => [tool.name, ...tool.binaries.map((b) => b.name)]);
      throw new UsageError(`unknown tool "${n}"; known: ${[...new Set(known)].join(', ')}`);
    }
    picked.add(t);
  }
  return tools.filter((t) => picked.has(t));
}

/** The cache layout of a tool; the key (<tool>-<version>) is the version only. */
export function dirsFor(
  root: string,
  tool: ToolRecipe,
): { finalDir: string; srcDir: string; logFile: string } {
  const key = `${tool.name}-${tool.version}`;
  return {
    finalDir: path.join(root, 'bin', key),
    srcDir: path.join(root, 'src', key),
    logFile: path.join(root, 'logs', `${key}.log`),
  };
}

/** Built = build-info.json and every binary (executable) are there. */
async function isCached(tool: ToolRecipe, finalDir: string): Promise<boolean> {
  if (!(await exists(path.join(finalDir, 'build-info.json')))) return false;
  for (const b of tool.binaries) {
    if (!(await exists(path.join(finalDir, b.name), constants.X_OK))) return false;
  }
  return true;
}

/** What <cache>/bin/<tool>-<version>/build-info.json records. */
interface BuildInfo {
  tool: string;
  version: string;
  details: Record<string, unknown>;
  go: string;
  builtAt: string;
  buildSeconds: number;
  /** binary → first line of its --version/--help output */
  binaries: Record<string, string>;
}

function buildContext(tool: ToolRecipe, root: string, outDir: string, started: number): BuildContext {
  const { srcDir, logFile } = dirsFor(root, tool);
  const ctx: BuildContext = {
    name: tool.name,
    version: tool.version,
    root,
    srcDir,
    outDir,
    logFile,
    step(step, detail = '') {
      say(`  [${tool.name}] ${step}${detail ? ` (${detail})` : ''} — ${seconds(started)}s`);
    },
    async run(step, cmd, args, opts = {}) {
      ctx.step(step);
      const t0 = Date.now();
      const res = await runStep(tool.name, step, cmd, args, { logFile, ...opts });
      say(`  [${tool.name}] ${step} done in ${seconds(t0)}s`);
      return res;
    },
  };
  return ctx;
}

/** Runs each binary with its verify arguments; binary → first line of what it printed. */
async function verifyBinaries(tool: ToolRecipe, ctx: BuildContext): Promise<Record<string, string>> {
  const verified: Record<string, string> = {};
  for (const b of tool.binaries) {
    const bin = path.join(ctx.outDir, b.name);
    if (!(await exists(bin)))
      throw new BuildError(tool.name, 'collect binaries', `expected ${bin} was not produced`);
    await chmod(bin, 0o755);
    const { stdout, tail } = await ctx.run(`verify ${b.name} ${b.verify.join(' ')}`, bin, b.verify, {
      timeoutMs: 60_000,
    });
    verified[b.name] = ((stdout.trim() || tail.trim()).split('\n')[0] ?? '').slice(0, 200);
  }
  return verified;
}

/**
 * Builds into <finalDir>.tmp-<pid> and renames it into place only after every binary ran, so an
 * interrupted build never leaves a half-filled tool dir.
 */
async function buildTool(tool: ToolRecipe, root: string, goVersion: string): Promise<void> {
  const { finalDir, logFile } = dirsFor(root, tool);
  const outDir = `${finalDir}.tmp-${process.pid}`;
  const started = Date.now();
  await mkdir(path.dirname(logFile), { recursive: true });
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(
    logFile,
    `# ${tool.name} ${tool.version} built ${new Date().toISOString()} with go ${goVersion}\n`,
  );
  const ctx = buildContext(tool, root, outDir, started);
  say(`==> ${tool.name} ${tool.version}: building into ${finalDir} (log: ${logFile})`);
  try {
    await tool.build(ctx);
    const binaries = await verifyBinaries(tool, ctx);
    const info: BuildInfo = {
      tool: tool.name,
      version: tool.version,
      details: tool.details ?? {},
      go: goVersion,
      builtAt: new Date().toISOString(),
      buildSeconds: seconds(started),
      binaries,
    };
    await writeFile(path.join(outDir, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
    if (await isCached(tool, finalDir)) {
      say(`  [${tool.name}] another build finished first; keeping ${finalDir}`);
      await rm(outDir, { recursive: true, force: true });
    } else {
      await rm(finalDir, { recursive: true, force: true });
      await rename(outDir, finalDir);
    }
    say(`==> ${tool.name} ${tool.version}: built in ${seconds(started)}s`);
  } catch (err) {
    await rm(outDir, { recursive: true, force: true });
    if (err instanceof BuildError) throw err;
    throw new BuildError(tool.name, 'build', errorMessage(err), '', { cause: err });
  }
}

async function list(tools: ToolRecipe[], root: string): Promise<void> {
  for (const t of tools) {
    const { finalDir } = dirsFor(root, t);
    const state = (await isCached(t, finalDir)) ? 'built' : 'not built';
    process.stdout.write(`${t.name} ${t.version} [${state}]: ${t.binaries.map((b) => b.name).join(', ')}\n`);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  const versions = await loadVersions();
  const tools = FACTORIES.map((f) => f(versions));
  const root = cacheRoot();
  if (opts.list) return list(tools, root);

  const selected = selectTools(tools, opts.names);
  const started = Date.now();
  let goVersion: string | null = null;
  const paths: Record<string, string> = {};
  const failures: BuildError[] = [];
  // Tools are independent: one failing does not stop the others; all failures are reported at the end.
  for (const tool of selected) {
    const { finalDir } = dirsFor(root, tool);
    try {
      if (opts.rebuild || !(await isCached(tool, finalDir))) {
        if (opts.cachedOnly)
          throw new BuildError(tool.name, 'lookup', 'not built yet (run without --cached-only)');
        goVersion ??= await checkGo(versions.go.minimum, tool.name);
        await buildTool(tool, root, goVersion);
      } else {
        const info = JSON.parse(await readFile(path.join(finalDir, 'build-info.json'), 'utf8')) as BuildInfo;
        say(`==> ${tool.name} ${tool.version}: cached (built ${info.builtAt} in ${info.buildSeconds}s)`);
      }
      for (const b of tool.binaries) paths[b.name] = path.join(finalDir, b.name);
    } catch (err) {
      if (!(err instanceof BuildError)) throw err;
      say(`\nERROR ${err.message}\n`);
      failures.push(err);
    }
  }
  if (opts.printPaths) {
    process.stdout.write(`${JSON.stringify(paths, null, 2)}\n`);
  } else {
    say(`done in ${seconds(started)}s; binaries:`);
    for (const [name, p] of Object.entries(paths)) process.stdout.write(`${name}\t${p}\n`);
  }
  if (failures.length) {
    say(`\nFAILED: ${failures.map((f) => `${f.tool} (${f.step})`).join(', ')} — see the errors above`);
    process.exitCode = 1;
  }
}

if (import.meta.main) {
  runMain(USAGE, main, (err) => process.stderr.write(`\nERROR ${errorMessage(err)}\n`));
}

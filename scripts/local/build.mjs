#!/usr/bin/env node
// Builds the upstream programs of the local stack (etcd, Kubernetes control plane + kubectl, kwok,
// Metacontroller, Porch) from the Go module proxy, with the versions pinned in versions.json, into
// ${NEPHORAN_CACHE:-$HOME/.cache/nephoran-local}/bin/<tool>-<version>/. Built tools are reused.
//
//   node scripts/local/build.mjs [tool|binary ...]   build all (or the named) tools, print paths
//   node scripts/local/build.mjs --print-paths [...]  build if needed, print {"binary": "/abs/path"}
//   node scripts/local/build.mjs --list               show tools, versions and binaries
//   options: --rebuild (ignore the cache), --cached-only (with --print-paths: never build)
//
// Progress goes to stderr; stdout carries only the result (paths or JSON).
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

import { BuildError, cacheRoot, checkGo, exists, loadVersions, runCommand, say, seconds } from './lib.mjs';
import etcd from './tools/etcd.mjs';
import kubernetes from './tools/kubernetes.mjs';
import kwok from './tools/kwok.mjs';
import metacontroller from './tools/metacontroller.mjs';
import porch from './tools/porch.mjs';

const FACTORIES = [etcd, kwok, kubernetes, metacontroller, porch];

function usage() {
  return 'usage: node scripts/local/build.mjs [--print-paths] [--cached-only] [--rebuild] [--list] [tool|binary ...]';
}

function parseArgs(argv) {
  const opts = { printPaths: false, rebuild: false, list: false, cachedOnly: false, names: [] };
  for (const a of argv) {
    if (a === '--print-paths') opts.printPaths = true;
    else if (a === '--rebuild') opts.rebuild = true;
    else if (a === '--list') opts.list = true;
    else if (a === '--cached-only') opts.cachedOnly = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(`${usage()}\n`);
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${usage()}`);
    else opts.names.push(a);
  }
  return opts;
}

function selectTools(tools, names) {
  if (names.length === 0) return tools;
  const picked = new Set();
  for (const n of names) {
    const t = tools.find((tool) => tool.name === n || tool.binaries.some((b) => b.name === n));
    if (!t) {
      const known = tools.flatMap((tool) => [tool.name, ...tool.binaries.map((b) => b.name)]);
      throw new Error(`unknown tool "${n}"; known: ${[...new Set(known)].join(', ')}`);
    }
    picked.add(t);
  }
  return tools.filter((t) => picked.has(t));
}

function dirsFor(root, tool) {
  const key = `${tool.name}-${tool.version}`;
  return {
    finalDir: path.join(root, 'bin', key),
    srcDir: path.join(root, 'src', key),
    logFile: path.join(root, 'logs', `${key}.log`),
  };
}

async function isCached(tool, finalDir) {
  if (!(await exists(path.join(finalDir, 'build-info.json')))) return false;
  for (const b of tool.binaries) {
    if (!(await exists(path.join(finalDir, b.name), constants.X_OK))) return false;
  }
  return true;
}

async function buildTool(tool, root, goVersion) {
  const { finalDir, srcDir, logFile } = dirsFor(root, tool);
  const outDir = `${finalDir}.tmp-${process.pid}`;
  const started = Date.now();
  await mkdir(path.dirname(logFile), { recursive: true });
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(
    logFile,
    `# ${tool.name} ${tool.version} built ${new Date().toISOString()} with go ${goVersion}\n`,
  );
  const ctx = {
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
      const res = await runCommand(cmd, args, { tool: tool.name, step, logFile, ...opts });
      say(`  [${tool.name}] ${step} done in ${seconds(t0)}s`);
      return res;
    },
  };
  say(`==> ${tool.name} ${tool.version}: building into ${finalDir} (log: ${logFile})`);
  try {
    await tool.build(ctx);
    const verified = {};
    for (const b of tool.binaries) {
      const bin = path.join(outDir, b.name);
      if (!(await exists(bin)))
        throw new BuildError(tool.name, 'collect binaries', `expected ${bin} was not produced`);
      await chmod(bin, 0o755);
      const { stdout, tail } = await ctx.run(`verify ${b.name} ${b.verify.join(' ')}`, bin, b.verify, {
        timeoutMs: 60_000,
      });
      verified[b.name] = (stdout.trim() || tail.trim()).split('\n')[0].slice(0, 200);
    }
    const info = {
      tool: tool.name,
      version: tool.version,
      details: tool.details ?? {},
      go: goVersion,
      builtAt: new Date().toISOString(),
      buildSeconds: seconds(started),
      binaries: verified,
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
    throw new BuildError(tool.name, 'build', err.message);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const versions = await loadVersions();
  const tools = FACTORIES.map((f) => f(versions));
  const root = cacheRoot();

  if (opts.list) {
    for (const t of tools) {
      const { finalDir } = dirsFor(root, t);
      const state = (await isCached(t, finalDir)) ? 'built' : 'not built';
      process.stdout.write(
        `${t.name} ${t.version} [${state}]: ${t.binaries.map((b) => b.name).join(', ')}\n`,
      );
    }
    return;
  }

  const selected = selectTools(tools, opts.names);
  const started = Date.now();
  let goVersion = null;
  const paths = {};
  const failures = [];
  // Tools are independent: one failing does not stop the others; all failures are reported at the end.
  for (const tool of selected) {
    const { finalDir } = dirsFor(root, tool);
    try {
      if (opts.rebuild || !(await isCached(tool, finalDir))) {
        if (opts.cachedOnly)
          throw new BuildError(tool.name, 'lookup', 'not built yet (run without --cached-only)');
        goVersion ??= await checkGo(versions.go?.minimum, tool.name);
        await buildTool(tool, root, goVersion);
      } else {
        const info = JSON.parse(await readFile(path.join(finalDir, 'build-info.json'), 'utf8'));
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

main().catch((err) => {
  process.stderr.write(`\nERROR ${err.message}\n`);
  process.exitCode = 1;
});

// Shared helpers for scripts/local/build.mjs: cache layout, logging, running commands, and
// building a Go program from the module proxy through a small generated wrapper module.
//
// Nothing here copies upstream source: each tool is built by module path and version; the
// wrapper go.mod (require + replace lines) is generated inside the cache directory.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A build failure that names the tool and the step. */
export class BuildError extends Error {
  constructor(tool, step, message, detail = '') {
    super(`[${tool}] ${step} failed: ${message}${detail ? `\n${detail}` : ''}`);
    this.name = 'BuildError';
    this.tool = tool;
    this.step = step;
  }
}

/** Root of the cache: $NEPHORAN_CACHE or ~/.cache/nephoran-local (always outside the repository). */
export function cacheRoot(env = process.env) {
  const root = env.NEPHORAN_CACHE || path.join(env.HOME || homedir(), '.cache', 'nephoran-local');
  return path.resolve(root);
}

export async function loadVersions() {
  return JSON.parse(await readFile(path.join(HERE, 'versions.json'), 'utf8'));
}

/** Progress goes to stderr so that stdout stays machine-readable (--print-paths). */
export function say(message) {
  process.stderr.write(`${message}\n`);
}

export function seconds(startMs) {
  return Math.round((Date.now() - startMs) / 1000);
}

export async function exists(file, mode = constants.F_OK) {
  try {
    await access(file, mode);
    return true;
  } catch {
    return false;
  }
}

const TAIL_LINES = 30;
const HEARTBEAT_MS = 30_000;

/**
 * Runs a command, appending its output to `logFile` and keeping the last lines for error messages.
 * Resolves with { stdout, tail } when it exits 0, rejects with a BuildError otherwise.
 */
export function runCommand(cmd, args, { tool, step, cwd, env, logFile, timeoutMs, say: report = say } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
    log?.write(`\n$ (cd ${cwd ?? process.cwd()}) ${[cmd, ...args].join(' ')}\n`);
    const lines = [];
    let partial = '';
    let stdout = '';
    const keep = (chunk) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > TAIL_LINES) lines.shift();
      }
    };
    const tail = () => [...lines, ...(partial ? [partial] : [])].join('\n');
    let child;
    try {
      child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(new BuildError(tool, step, `cannot start ${cmd}: ${err.message}`));
      return;
    }
    child.stdout.on('data', (chunk) => {
      stdout += chunk.toString();
      log?.write(chunk);
      keep(chunk);
    });
    child.stderr.on('data', (chunk) => {
      log?.write(chunk);
      keep(chunk);
    });
    const heartbeat = setInterval(() => {
      const last = lines.at(-1) ?? '';
      report(
        `  [${tool}] ${step}: still running (${seconds(started)}s)${last ? ` — ${last.slice(0, 120)}` : ''}`,
      );
    }, HEARTBEAT_MS);
    const timer = timeoutMs
      ? setTimeout(() => {
          child.kill('SIGTERM');
        }, timeoutMs)
      : null;
    const finish = (fn) => {
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
      if (log) log.end(fn);
      else fn();
    };
    child.on('error', (err) => {
      finish(() => {
        const hint = err.code === 'ENOENT' ? ` (is \`${cmd}\` on PATH?)` : '';
        reject(new BuildError(tool, step, `cannot run ${cmd}: ${err.message}${hint}`));
      });
    });
    child.on('close', (code, signal) => {
      finish(() => {
        if (code === 0) {
          resolve({ stdout, tail: tail() });
          return;
        }
        const how = signal ? `killed by ${signal}` : `exit code ${code}`;
        const where = logFile ? `\n  full log: ${logFile}` : '';
        reject(
          new BuildError(
            tool,
            step,
            `\`${[cmd, ...args].join(' ')}\` (${how}), last lines of its output:`,
            tail()
              .split('\n')
              .map((l) => `    ${l}`)
              .join('\n') + where,
          ),
        );
      });
    });
  });
}

/** Checks that `go` is on PATH and new enough; returns e.g. "1.26.8". */
export async function checkGo(minimum, tool = 'go') {
  const step = 'check go toolchain';
  let stdout;
  try {
    ({ stdout } = await runCommand('go', ['env', 'GOVERSION'], { tool, step }));
  } catch (err) {
    const why = /ENOENT/.test(err.message) ? '`go` is not on PATH' : `\`go env GOVERSION\` failed`;
    throw new BuildError(tool, step, `${why}; Go >= ${minimum} is needed to build the local stack`);
  }
  const version = stdout.trim().replace(/^go/, '');
  if (minimum && compareVersions(version, minimum) < 0) {
    throw new BuildError(tool, step, `go ${version} is older than the required ${minimum}`);
  }
  return version;
}

export function compareVersions(a, b) {
  const pa = a.split(/[.-]/).map((n) => parseInt(n, 10) || 0);
  const pb = b.split(/[.-]/).map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Renders a wrapper go.mod. */
export function renderGoMod({ module, go, godebug, require = {}, replace = {} }) {
  const out = [`// Generated by scripts/local/build.mjs; do not edit.`, `module ${module}`, '', `go ${go}`];
  if (godebug) out.push('', `godebug ${godebug}`);
  const req = Object.entries(require);
  if (req.length) out.push('', 'require (', ...req.map(([m, v]) => `\t${m} ${v}`), ')');
  const rep = Object.entries(replace);
  if (rep.length) out.push('', 'replace (', ...rep.map(([m, to]) => `\t${m} => ${to}`), ')');
  return `${out.join('\n')}\n`;
}

/**
 * Builds Go main packages from a generated wrapper module.
 *  - wrapper: { go, godebug, require, replace } for the go.mod
 *  - targets: [{ pkg, out }] (out = binary file name inside ctx.outDir)
 *  - ldflags: string passed to -ldflags
 *  - goSumFrom: ["module@version", ...] whose published go.sum seeds the wrapper's go.sum
 */
export async function goWrapperBuild(ctx, { wrapper, targets, ldflags = '', env = {}, goSumFrom = [] }) {
  const dir = ctx.srcDir;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  ctx.step('write wrapper go.mod', dir);
  await writeFile(
    path.join(dir, 'go.mod'),
    renderGoMod({ module: `nephoran.local/build/${ctx.name}`, ...wrapper }),
  );
  const goEnv = {
    ...process.env,
    CGO_ENABLED: '0',
    GOFLAGS: [process.env.GOFLAGS, '-trimpath', '-mod=mod'].filter(Boolean).join(' '),
    ...env,
  };
  // Seed go.sum with the go.sum published inside the upstream module(s): some of their
  // dependencies are not in the public checksum database (404 on lookup), but the upstream
  // go.sum (part of a module zip that the checksum database did verify) records their hashes.
  const sums = [];
  for (const modVersion of goSumFrom) {
    const { stdout } = await ctx.run(
      `download ${modVersion} (for its go.sum)`,
      'go',
      ['mod', 'download', '-json', modVersion],
      {
        cwd: ctx.root,
      },
    );
    const { Dir: modDir } = JSON.parse(stdout);
    const sumFile = path.join(modDir ?? '', 'go.sum');
    if (modDir && (await exists(sumFile))) sums.push(await readFile(sumFile, 'utf8'));
  }
  if (sums.length) await writeFile(path.join(dir, 'go.sum'), sums.join('\n'));
  const pkgs = targets.map((t) => t.pkg);
  await ctx.run(
    'resolve modules (go list -deps)',
    'go',
    ['list', '-deps', '-f', '{{if .Module}}{{end}}', ...pkgs],
    {
      cwd: dir,
      env: goEnv,
    },
  );
  for (const t of targets) {
    const args = ['-n', '10', 'go', 'build', '-p', '2', '-o', path.join(ctx.outDir, t.out)];
    if (ldflags) args.push('-ldflags', ldflags);
    args.push(t.pkg);
    await ctx.run(`compile ${t.out}`, 'nice', args, { cwd: dir, env: goEnv });
  }
}

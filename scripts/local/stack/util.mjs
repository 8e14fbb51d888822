// Shared helpers of the local stack (scripts/local/up.mjs, down.mjs and the stack/* component
// modules): where state lives, settings from the environment, background processes with pid files
// and log files, bounded waits that name the component and its log, and a kubectl wrapper.
//
// Layout (all under the git-ignored .local/ of the checkout):
//   .local/kubeconfig          admin kubeconfig of the kwokctl cluster
//   .local/logs/<component>.log  one log per component (the previous run's is kept as .log.1)
//   .local/pids/<component>.json pid + command of every background process up.mjs started
//   .local/stack.json          binary paths and ports of the running stack (read by down.mjs)
//   .local/kwok, .local/porch, .local/git, .local/gitops   component state
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpRequest } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const LOCAL = path.join(ROOT, '.local');
export const LOGS = path.join(LOCAL, 'logs');
export const PIDS = path.join(LOCAL, 'pids');
export const KUBECONFIG = path.join(LOCAL, 'kubeconfig');
export const STACK_FILE = path.join(LOCAL, 'stack.json');
export const MANIFESTS = path.join(ROOT, 'scripts', 'local', 'manifests');

const int = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name} must be a port number, got "${v}"`);
  return n;
};

/** Settings of the local stack; every one can be overridden from the environment. */
export function settings() {
  return {
    cluster: process.env.NEPHORAN_CLUSTER || 'nephoran',
    // Porch's APIService points at Service porch-system/api (ExternalName localhost) on this port.
    porchPort: int('NEPHORAN_PORCH_PORT', 9443),
    // porch-server's admission webhooks (PackageRevision deletion, Repository validation)
    porchWebhookPort: int('NEPHORAN_PORCH_WEBHOOK_PORT', 8443),
    gitPort: int('NEPHORAN_GIT_PORT', 9446),
    hookPort: int('NEPHORAN_HOOK_PORT', 8080),
    metacontrollerMetricsPort: int('NEPHORAN_MC_METRICS_PORT', 9999),
    metacontrollerHealthPort: int('NEPHORAN_MC_HEALTH_PORT', 8081),
    // Same default as hooks/config.ts DEFAULT_PORCH_REPOSITORY. Porch repositories, their
    // PackageRevisions and the CNFDeployments that own them must share one namespace: Metacontroller
    // only creates children in the parent's namespace.
    repository: process.env.PORCH_REPOSITORY || 'cnf-packages',
    namespace: process.env.NEPHORAN_NAMESPACE || 'default',
    activeTimeoutSeconds: int('NEPHORAN_ACTIVE_TIMEOUT', 300),
  };
}

// ---- output ---------------------------------------------------------------------------------------

const T0 = Date.now();
export const elapsed = (from = T0) => `${((Date.now() - from) / 1000).toFixed(1)}s`;

export function say(message) {
  process.stdout.write(`[${elapsed().padStart(6)}] ${message}\n`);
}

export const rel = (p) => path.relative(process.cwd(), p) || '.';
export const logFile = (component) => path.join(LOGS, `${component}.log`);

/** A failure that names the component and where to look. */
export class StackError extends Error {
  constructor(component, message, log = logFile(component)) {
    super(`[${component}] ${message}\n  log: ${rel(log)}`);
    this.name = 'StackError';
    this.component = component;
  }
}

// ---- files ----------------------------------------------------------------------------------------

export async function readJson(file, dflt = undefined) {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT' && dflt !== undefined) return dflt;
    throw err;
  }
}

export async function writeJson(file, value) {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** `${NAME}` substitution for the local-only YAML templates in scripts/local/manifests. */
export async function template(file, vars) {
  const text = await readFile(path.join(MANIFESTS, file), 'utf8');
  return text.replace(/\$\{([A-Z_]+)\}/g, (m, k) => {
    if (!(k in vars)) throw new Error(`${file}: no value for ${m}`);
    return String(vars[k]);
  });
}

// ---- commands -------------------------------------------------------------------------------------

/**
 * Runs a command to completion and resolves with { code, stdout, stderr } (never rejects on a non-zero
 * exit; `check: true` does). Output is appended to `log` when given.
 */
export function run(cmd, args, { input, env, cwd = ROOT, timeoutMs = 120_000, log, check = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (log) {
        appendLog(
          log,
          `$ ${[cmd, ...args].join(' ')}\n${stdout}${stderr}${code === 0 ? '' : `(exit ${code ?? signal})\n`}`,
        );
      }
      if (check && res.code !== 0) {
        const how = signal ? `killed by ${signal} after ${timeoutMs / 1000}s` : `exit code ${code}`;
        reject(new Error(`\`${[cmd, ...args].join(' ')}\` failed (${how}): ${(stderr || stdout).trim()}`));
      } else resolve(res);
    });
    // A child that exits without reading its input (e.g. a kubectl that fails early) closes the pipe:
    // the EPIPE is not the failure to report — the child's exit code and output are.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

export function appendLog(file, text) {
  try {
    appendFileSync(file, `--- ${new Date().toISOString()}\n${text.endsWith('\n') ? text : `${text}\n`}`);
  } catch {
    // logging must never break the stack
  }
}

/** kubectl against the local cluster. */
export function kubectl(bins, args, opts = {}) {
  return run(bins.kubectl, ['--kubeconfig', KUBECONFIG, ...args], opts);
}

export async function kubectlApply(bins, component, yamlText, extra = []) {
  const res = await kubectl(bins, ['apply', ...extra, '-f', '-'], {
    input: yamlText,
    log: logFile(component),
  });
  if (res.code !== 0) {
    throw new StackError(component, `kubectl apply failed: ${(res.stderr || res.stdout).trim()}`);
  }
  return res.stdout;
}

// ---- background processes -----------------------------------------------------------------------

const pidFile = (component) => path.join(PIDS, `${component}.json`);

export function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // An exited process whose parent is gone stays a zombie until PID 1 reaps it, which is slow on
  // this machine: it has exited all the same.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
}

export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The recorded process of a component when it is still the same process (pid and command match). */
export async function running(component) {
  const rec = await readJson(pidFile(component), null);
  if (!rec || !alive(rec.pid)) return null;
  if (rec.marker && !cmdline(rec.pid).includes(rec.marker)) return null;
  return rec;
}

/**
 * Starts a long-running process in its own process group (so that down.mjs can stop it with
 * everything it started), output to .local/logs/<component>.log, pid recorded in .local/pids/.
 */
export async function startDaemon(component, cmd, args, { env, cwd = ROOT, marker } = {}) {
  await mkdir(LOGS, { recursive: true });
  await mkdir(PIDS, { recursive: true });
  const log = logFile(component);
  if (existsSync(log)) renameSync(log, `${log}.1`);
  const fd = openSync(log, 'a');
  writeSync(fd, `# ${new Date().toISOString()} ${[cmd, ...args].join(' ')}\n`);
  let child;
  try {
    child = spawn(cmd, args, { cwd, env: env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new StackError(component, `cannot start ${cmd}: ${err.message}`)));
  });
  const rec = {
    component,
    pid: child.pid,
    cmd,
    args,
    marker: marker ?? path.basename(cmd),
    startedAt: new Date().toISOString(),
  };
  child.unref();
  await writeJson(pidFile(component), rec);
  return rec;
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; removes the pid file. */
export async function stopDaemon(component, { graceMs = 10_000, quiet = false } = {}) {
  const rec = await running(component);
  if (rec) {
    const signal = (sig) => {
      try {
        process.kill(-rec.pid, sig);
      } catch {
        try {
          process.kill(rec.pid, sig);
        } catch {
          // gone
        }
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive(rec.pid) && Date.now() < deadline) await sleep(100);
    if (alive(rec.pid)) {
      if (!quiet) say(`${component}: still running after ${graceMs / 1000}s, sending SIGKILL`);
      signal('SIGKILL');
      const hard = Date.now() + 5000;
      while (alive(rec.pid) && Date.now() < hard) await sleep(100);
    } else {
      // the group may still hold children that ignored SIGTERM while the leader exited
      signal('SIGKILL');
    }
    if (!quiet) say(`${component}: stopped (pid ${rec.pid})`);
  }
  await rm(pidFile(component), { force: true });
  return Boolean(rec);
}

/** Fails with the component's log tail when its recorded process has exited. */
export async function assertRunning(component) {
  if (await running(component)) return;
  throw new StackError(component, `process exited; last lines of its log:\n${tail(logFile(component))}`);
}

export function tail(file, lines = 15) {
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

// ---- waiting --------------------------------------------------------------------------------------

/**
 * Polls `probe` (resolves truthy when done; may throw, the last error is reported) every
 * `intervalMs` until `timeoutMs`. `component` names who is waited for; when `daemon` is set, a dead
 * process fails the wait at once instead of running into the timeout.
 */
export async function waitFor(component, what, probe, { timeoutMs, intervalMs = 500, daemon } = {}) {
  const started = Date.now();
  let last = '';
  for (;;) {
    try {
      const ok = await probe();
      if (ok) return ok;
      last = '';
    } catch (err) {
      last = err.message;
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

export function tcpOpen(port, host = '127.0.0.1') {
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
export async function ensurePortFree(component, port, envName) {
  if (await tcpOpen(port)) {
    throw new StackError(
      component,
      `port ${port} is already in use by another program; stop it or set ${envName} to a free port`,
    );
  }
}

export function httpGet(url, { timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export { sleep };

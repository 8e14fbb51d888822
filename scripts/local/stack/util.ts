// Shared helpers of the local stack (scripts/local/up.ts, down.ts and the stack/* component
// modules): where state lives, settings from the environment, the binaries and the context every
// component gets, StackError, commands and kubectl, and bounded waits that name the component and
// its log. Background processes (pid files) are in daemon.ts; logging and the process runner in
// ../common.ts.
//
// Layout (all under the git-ignored .local/ of the checkout):
//   .local/kubeconfig          admin kubeconfig of the kwokctl cluster
//   .local/logs/<component>.log  one log per component (the previous run's is kept as .log.1)
//   .local/pids/<component>.json pid + command of every background process up.ts started
//   .local/stack.json          binary paths and ports of the running stack (read by down.ts)
//   .local/kwok, .local/porch, .local/git, .local/flux   component state
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

import { run, type RunOptions, type RunResult } from '../common.ts';
import type { Versions } from '../versions.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const LOCAL = path.join(ROOT, '.local');
export const LOGS = path.join(LOCAL, 'logs');
export const PIDS = path.join(LOCAL, 'pids');
export const KUBECONFIG = path.join(LOCAL, 'kubeconfig');
export const STACK_FILE = path.join(LOCAL, 'stack.json');
export const MANIFESTS = path.join(ROOT, 'scripts', 'local', 'manifests');

// ---- settings -------------------------------------------------------------------------------------

export interface Settings {
  /** kwok cluster name (NEPHORAN_CLUSTER). */
  cluster: string;
  porchPort: number;
  porchWebhookPort: number;
  gitPort: number;
  hookPort: number;
  /** The hook server's metrics-only port (its METRICS_PORT). */
  hookMetricsPort: number;
  metacontrollerMetricsPort: number;
  /** Metacontroller's --workers (its default, 5, unless NEPHORAN_MC_WORKERS says otherwise). */
  metacontrollerWorkers: number;
  metacontrollerHealthPort: number;
  /**
   * Flux's ports, from here up: source-controller's artifact server (base), its health (+1) and
   * metrics (+2), kustomize-controller's health (+3) and metrics (+4).
   */
  fluxPortBase: number;
  /**
   * Porch's cache: `db` (its database cache on PostgreSQL, stack/postgres.ts: what the stack runs)
   * or `cr` (Porch's default, NEPHORAN_PORCH_CACHE=cr), and the database's port. The CR cache's cost
   * per write grows with the packages of a repository (docs/operations.md, "Porch under load").
   */
  porchCache: 'cr' | 'db';
  porchDbPort: number;
  /** How often Flux's source-controller looks at a branch head (GitRepository spec.interval). */
  fluxInterval: string;
  /** Porch repository the product publishes to (PORCH_REPOSITORY). */
  repository: string;
  /**
   * A second deployment Repository whose branch is not `main` (`edgeBranch`), for CNFDeployments that
   * name it in spec.porch.repository: Porch names its branch revisions after the branch.
   */
  edgeRepository: string;
  edgeBranch: string;
  namespace: string;
  activeTimeoutSeconds: number;
}

const int = (env: NodeJS.ProcessEnv, name: string, dflt: number): number => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name} must be a port number, got "${v}"`);
  return n;
};

/** A Go duration as Flux takes it (e.g. 2s, 500ms, 1m). */
const duration = (env: NodeJS.ProcessEnv, name: string, dflt: string): string => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(v))
    throw new Error(`${name} must be a duration like 2s or 1m, got "${v}"`);
  return v;
};

const cacheType = (v: string | undefined): 'cr' | 'db' => {
  if (v === undefined || v === '' || v.toLowerCase() === 'db') return 'db';
  if (v.toLowerCase() === 'cr') return 'cr';
  throw new Error(`NEPHORAN_PORCH_CACHE must be cr or db, got "${v}"`);
};

/** Settings of the local stack; every one can be overridden from the environment. */
export function settings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    cluster: env.NEPHORAN_CLUSTER || 'nephoran',
    // Porch's APIService points at Service porch-system/api (ExternalName localhost) on this port.
    porchPort: int(env, 'NEPHORAN_PORCH_PORT', 9443),
    // porch-server's admission webhooks (PackageRevision deletion, Repository validation)
    porchWebhookPort: int(env, 'NEPHORAN_PORCH_WEBHOOK_PORT', 8443),
    gitPort: int(env, 'NEPHORAN_GIT_PORT', 9446),
    hookPort: int(env, 'NEPHORAN_HOOK_PORT', 8080),
    hookMetricsPort: int(env, 'NEPHORAN_HOOK_METRICS_PORT', 9090),
    metacontrollerMetricsPort: int(env, 'NEPHORAN_MC_METRICS_PORT', 9999),
    metacontrollerHealthPort: int(env, 'NEPHORAN_MC_HEALTH_PORT', 8081),
    metacontrollerWorkers: int(env, 'NEPHORAN_MC_WORKERS', 5),
    fluxPortBase: int(env, 'NEPHORAN_FLUX_PORT_BASE', 9450),
    fluxInterval: duration(env, 'NEPHORAN_FLUX_INTERVAL', '2s'),
    porchCache: cacheType(env.NEPHORAN_PORCH_CACHE),
    porchDbPort: int(env, 'NEPHORAN_PORCH_DB_PORT', 9455),
    // Same default as hooks/config.ts DEFAULT_PORCH_REPOSITORY. Porch repositories, their
    // PackageRevisions and the CNFDeployments that own them must share one namespace: Metacontroller
    // only creates children in the parent's namespace.
    repository: env.PORCH_REPOSITORY || 'cnf-packages',
    edgeRepository: env.NEPHORAN_EDGE_REPOSITORY || 'edge-packages',
    edgeBranch: env.NEPHORAN_EDGE_BRANCH || 'edge',
    namespace: env.NEPHORAN_NAMESPACE || 'default',
    activeTimeoutSeconds: int(env, 'NEPHORAN_ACTIVE_TIMEOUT', 300),
  };
}

// ---- binaries and the context of every component --------------------------------------------------

/** Every binary the stack runs (built by build.ts, or NEPHORAN_BIN_<BINARY>). */
export const BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'kwokctl',
  'porch-server',
  'metacontroller',
  'source-controller',
  'kustomize-controller',
] as const;

export type Binary = (typeof BINARIES)[number];

/** Absolute paths of the binaries; no metacontroller with `up.ts --without-metacontroller`. */
export type Bins = Record<Exclude<Binary, 'metacontroller'>, string> & { metacontroller?: string };

/** What up.ts hands every component's up(). */
export interface StackContext {
  bins: Bins;
  settings: Settings;
  versions: Versions;
}

/** .local/stack.json: what the running stack was started with (down.ts reads it). */
export interface StackFile {
  bins: Bins;
  settings: Settings;
  startedAt: string;
}

// ---- errors and output ----------------------------------------------------------------------------

export const rel = (p: string): string => path.relative(process.cwd(), p) || '.';
export const logFile = (component: string): string => path.join(LOGS, `${component}.log`);

/** A failure that names the component and where to look. */
export class StackError extends Error {
  readonly code = 'STACK_FAILED';
  readonly component: string;
  constructor(component: string, message: string, log = logFile(component), options?: { cause?: unknown }) {
    super(`[${component}] ${message}\n  log: ${rel(log)}`, options);
    this.name = 'StackError';
    this.component = component;
  }
}

/** `${NAME}` substitution for the local-only YAML templates in scripts/local/manifests. */
export async function template(file: string, vars: Record<string, string | number>): Promise<string> {
  const text = await readFile(path.join(MANIFESTS, file), 'utf8');
  return text.replace(/\$\{([A-Z_]+)\}/g, (m, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`${file}: no value for ${m}`);
    return String(v);
  });
}

// ---- commands -------------------------------------------------------------------------------------

/**
 * The process runner with the stack's defaults: run in the checkout, killed after 2 minutes.
 * Resolves with the result also on a non-zero exit (unless `check`); `logFile` gets the transcript.
 */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(cmd, args, { cwd: ROOT, timeoutMs: 120_000, ...opts });
}

/** kubectl against the local cluster. */
export function kubectl(
  bins: Pick<Bins, 'kubectl'>,
  args: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return runCommand(bins.kubectl, ['--kubeconfig', KUBECONFIG, ...args], opts);
}

export async function kubectlApply(
  bins: Pick<Bins, 'kubectl'>,
  component: string,
  yamlText: string,
  extra: string[] = [],
): Promise<string> {
  const res = await kubectl(bins, ['apply', ...extra, '-f', '-'], {
    input: yamlText,
    logFile: logFile(component),
  });
  if (res.code !== 0) {
    throw new StackError(component, `kubectl apply failed: ${(res.stderr || res.stdout).trim()}`);
  }
  return res.stdout;
}

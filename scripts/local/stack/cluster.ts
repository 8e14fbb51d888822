// The Kubernetes control plane: `kwokctl create cluster --runtime binary` with the etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok binaries built by build.ts.
// kwokctl runs them as processes of its own (pids under .local/kwok/clusters/<name>/pids) and
// `kwokctl delete cluster` stops them; their logs are linked into .local/logs/.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

import { errorMessage, say, type RunOptions, type RunResult } from '../common.ts';
import type { Versions } from '../versions.ts';
import { alive, cmdline } from './daemon.ts';
import {
  KUBECONFIG,
  LOCAL,
  LOGS,
  MANIFESTS,
  StackError,
  kubectl,
  kubectlApply,
  logFile,
  rel,
  runCommand,
  type Bins,
  type Settings,
  type StackContext,
} from './util.ts';
import { waitFor } from './wait.ts';

const COMPONENT = 'cluster';
export const KWOK_WORKDIR = path.join(LOCAL, 'kwok');

type KwokBins = Pick<Bins, 'kwokctl' | 'kubectl'>;

function kwokEnv(bins: Pick<Bins, 'kubectl'>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KWOK_WORKDIR,
    // kwokctl looks kubectl up on PATH (and would download one otherwise): use the one we built.
    PATH: `${path.dirname(bins.kubectl)}:${process.env.PATH ?? ''}`,
  };
}

function kwokctl(
  bins: KwokBins,
  settings: Settings,
  args: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return runCommand(bins.kwokctl, ['--name', settings.cluster, ...args], {
    env: kwokEnv(bins),
    logFile: logFile(COMPONENT),
    ...opts,
  });
}

export async function clusterExists(bins: KwokBins, settings: Settings): Promise<boolean> {
  const res = await runCommand(bins.kwokctl, ['get', 'clusters'], { env: kwokEnv(bins) });
  return res.code === 0 && res.stdout.split(/\s+/).includes(settings.cluster);
}

export async function apiReady(bins: Pick<Bins, 'kubectl'>): Promise<boolean> {
  if (!existsSync(KUBECONFIG)) return false;
  const res = await kubectl(bins, ['get', '--raw', '/readyz', '--request-timeout=3s'], { timeoutMs: 5000 });
  if (res.code !== 0) throw new Error((res.stderr || res.stdout).trim());
  return res.stdout.trim() === 'ok';
}

async function linkLogs(settings: Settings): Promise<void> {
  const dir = path.join(KWOK_WORKDIR, 'clusters', settings.cluster, 'logs');
  if (!existsSync(dir)) return;
  await mkdir(LOGS, { recursive: true });
  for (const f of readdirSync(dir)) {
    const link = path.join(LOGS, f);
    await rm(link, { force: true });
    await symlink(path.join(dir, f), link);
  }
}

/** kwok's default stages, as kwokctl would use them (kustomize/stage/... of the kwok module). */
const KWOK_DEFAULT_STAGES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

/**
 * One kwokctl configuration file with kwok's default stages plus manifests/kwok-stages.yaml (kwokctl
 * drops its defaults once any Stage is configured). The defaults are read from the kwok module that
 * build.ts built kwok from (Go module cache; `go mod download` when it is not there).
 */
async function stagesConfig(versions: Versions): Promise<string> {
  const { module, version } = versions.kwok;
  const cache = (await runCommand('go', ['env', 'GOMODCACHE'], { check: true })).stdout.trim();
  let dir = path.join(cache, `${module}@${version}`);
  if (!existsSync(path.join(dir, 'kustomize', 'stage'))) {
    const res = await runCommand('go', ['mod', 'download', '-json', `${module}@${version}`], {
      timeoutMs: 300_000,
      logFile: logFile(COMPONENT),
    });
    if (res.code !== 0) {
      throw new StackError(
        COMPONENT,
        `go mod download ${module}@${version} failed: ${(res.stderr || res.stdout).trim()}`,
      );
    }
    dir = (JSON.parse(res.stdout) as { Dir: string }).Dir;
  }
  const docs = [];
  for (const f of KWOK_DEFAULT_STAGES)
    docs.push(await readFile(path.join(dir, 'kustomize', 'stage', f), 'utf8'));
  docs.push(await readFile(path.join(MANIFESTS, 'kwok-stages.yaml'), 'utf8'));
  const file = path.join(KWOK_WORKDIR, 'nephoran-stages.yaml');
  await mkdir(KWOK_WORKDIR, { recursive: true });
  await writeFile(file, docs.map((d) => d.trim()).join('\n---\n') + '\n');
  return file;
}

async function create({ bins, settings, versions }: StackContext): Promise<void> {
  // kwokctl gives kube-apiserver a proxy client certificate (signed by the cluster CA) but no
  // requestheader settings, so aggregated apiservers (Porch) cannot trust the user it forwards and
  // log "missing content for CA bundle ... requestheader-client-ca-file" over and over.
  const ca = path.join(KWOK_WORKDIR, 'clusters', settings.cluster, 'pki', 'ca.crt');
  const apiserverArgs = [
    `requestheader-client-ca-file=${ca}`,
    'requestheader-username-headers=X-Remote-User',
    'requestheader-group-headers=X-Remote-Group',
    'requestheader-extra-headers-prefix=X-Remote-Extra-',
  ].flatMap((a) => ['--extra-args', `kube-apiserver=${a}`]);
  const res = await kwokctl(
    bins,
    settings,
    [
      '-c',
      path.join(MANIFESTS, 'kwokctl.yaml'),
      '-c',
      await stagesConfig(versions),
      'create',
      'cluster',
      '--runtime',
      'binary',
      '--etcd-binary',
      bins.etcd,
      '--kube-apiserver-binary',
      bins['kube-apiserver'],
      '--kube-controller-manager-binary',
      bins['kube-controller-manager'],
      '--kube-scheduler-binary',
      bins['kube-scheduler'],
      '--kwok-controller-binary',
      bins.kwok,
      '--kubeconfig',
      KUBECONFIG,
      '--wait',
      '3m',
      ...apiserverArgs,
    ],
    { timeoutMs: 300_000 },
  );
  if (res.code !== 0) {
    throw new StackError(COMPONENT, `kwokctl create cluster failed:\n${(res.stderr || res.stdout).trim()}`);
  }
}

/** Reuses a serving cluster, starts a stopped one (recreates it when that fails), or creates one. */
async function startOrReuse(ctx: StackContext): Promise<boolean> {
  const { bins, settings } = ctx;
  if (!(await clusterExists(bins, settings))) {
    say(
      `cluster: creating kwok cluster "${settings.cluster}" (binary runtime; log ${rel(logFile(COMPONENT))})`,
    );
    await create(ctx);
    return false;
  }
  if (await apiReady(bins).catch(() => false)) {
    say(`cluster: reusing running kwok cluster "${settings.cluster}"`);
    return true;
  }
  say(`cluster: kwok cluster "${settings.cluster}" exists but is not serving; starting it`);
  const res = await kwokctl(bins, settings, ['start', 'cluster'], { timeoutMs: 180_000 });
  const ok =
    res.code === 0 &&
    (await waitFor(COMPONENT, 'kube-apiserver /readyz', () => apiReady(bins), {
      timeoutMs: 60_000,
    }).catch(() => false));
  if (!ok) {
    say('cluster: could not start the existing cluster; deleting and recreating it');
    await kwokctl(bins, settings, ['delete', 'cluster'], { timeoutMs: 120_000 });
    await create(ctx);
  }
  return false;
}

/**
 * `kwokctl start cluster` on the existing cluster: kwokctl starts every component whose pid file
 * (.local/kwok/clusters/<name>/pids/<component>.pid) is missing or names no running process, with the
 * command line kept in the cluster's kwok.yaml, and leaves running ones alone. Used by
 * stack/faults.ts to bring back a killed kube-apiserver (same flags, same etcd).
 */
export async function startStoppedComponents({
  bins,
  settings,
}: Pick<StackContext, 'bins' | 'settings'>): Promise<void> {
  const res = await kwokctl(bins, settings, ['start', 'cluster'], { timeoutMs: 180_000 });
  if (res.code !== 0) {
    throw new StackError(COMPONENT, `kwokctl start cluster failed:\n${(res.stderr || res.stdout).trim()}`);
  }
}

/** The pid file kwokctl keeps for one of the cluster's components. */
export const componentPidFile = (settings: Pick<Settings, 'cluster'>, component: string): string =>
  path.join(KWOK_WORKDIR, 'clusters', settings.cluster, 'pids', `${component}.pid`);

/** A wait whose failure also names the log of the process that should have done it. */
function seeAlso(log: string): (err: unknown) => never {
  return (err) => {
    throw new StackError(COMPONENT, `${errorMessage(err)}\n  see also ${rel(logFile(log))}`, undefined, {
      cause: err,
    });
  };
}

export async function up(ctx: StackContext): Promise<{ seconds: number; reused: boolean }> {
  const { bins, settings } = ctx;
  const t0 = Date.now();
  const reused = await startOrReuse(ctx);
  await linkLogs(settings);
  await waitFor(COMPONENT, 'kube-apiserver /readyz', () => apiReady(bins), {
    timeoutMs: 120_000,
  }).catch(seeAlso('kube-apiserver'));
  await kubectlApply(bins, COMPONENT, await readFile(path.join(MANIFESTS, 'kwok-node.yaml'), 'utf8'));
  await waitFor(
    COMPONENT,
    'node kwok-node-0 Ready (kwok-controller)',
    async () => {
      const res = await kubectl(bins, [
        'get',
        'node',
        'kwok-node-0',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      if (res.code !== 0) throw new Error(res.stderr.trim());
      return res.stdout.trim() === 'True';
    },
    { timeoutMs: 60_000 },
  ).catch(seeAlso('kwok-controller'));
  // The default ServiceAccount appears shortly after the namespace; workloads need it.
  await waitFor(
    COMPONENT,
    'ServiceAccount default/default (kube-controller-manager)',
    async () => (await kubectl(bins, ['get', 'serviceaccount', 'default', '-n', 'default'])).code === 0,
    { timeoutMs: 60_000 },
  ).catch(seeAlso('kube-controller-manager'));
  const took = (Date.now() - t0) / 1000;
  say(`cluster: ready in ${took.toFixed(1)}s (kubeconfig ${rel(KUBECONFIG)})`);
  return { seconds: took, reused };
}

/** Stops and deletes the kwok cluster; falls back to the pid files when kwokctl is unavailable. */
export async function down({ bins, settings }: { bins: Partial<Bins>; settings: Settings }): Promise<void> {
  const dir = path.join(KWOK_WORKDIR, 'clusters', settings.cluster);
  const { kwokctl: kwokctlBin, kubectl: kubectlBin } = bins;
  if (kwokctlBin && kubectlBin && existsSync(kwokctlBin) && existsSync(dir)) {
    const kwok = { kwokctl: kwokctlBin, kubectl: kubectlBin };
    const res = await kwokctl(kwok, settings, ['delete', 'cluster'], { timeoutMs: 120_000 });
    if (res.code === 0) say(`cluster: deleted kwok cluster "${settings.cluster}"`);
    else say(`cluster: kwokctl delete cluster failed (exit ${res.code}): ${res.stderr.trim()}`);
  }
  // Whatever kwokctl left running (or when it is missing): its pid files name the processes.
  const pids = path.join(dir, 'pids');
  if (!existsSync(pids)) return;
  for (const f of readdirSync(pids)) {
    const pid = Number((await readFile(path.join(pids, f), 'utf8')).trim());
    const name = f.replace(/\.pid$/, '');
    // only a process that still is that component (pids get reused)
    if (!Number.isInteger(pid) || pid <= 1 || !alive(pid) || !cmdline(pid).includes(name)) continue;
    try {
      process.kill(pid, 'SIGTERM');
      say(`cluster: sent SIGTERM to ${name} (pid ${pid})`);
    } catch {
      // already gone
    }
  }
}

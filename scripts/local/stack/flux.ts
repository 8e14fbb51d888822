// Flux, the local stack's GitOps agent: source-controller and kustomize-controller (built by
// build.ts from the Go module proxy, scripts/local/tools/flux.ts) run as processes against the
// local cluster (KUBECONFIG, admin credentials), with their CRDs from the same module zips. Per
// deployment repository one GitRepository + Kustomization (manifests/flux-sync.yaml): what Porch
// publishes on the branch is applied with prune, as on a cluster that runs Flux.
//
// Out of a cluster, two things differ from Flux's own install: source-controller's artifact server
// listens on, and advertises, 127.0.0.1:<port> (kustomize-controller downloads each revision from
// it), and leader election is off (one replica of each).
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

import { say } from '../common.ts';
import { FLUX_CRD_DIR } from '../tools/flux.ts';
import { running, startDaemon, stopDaemon } from './daemon.ts';
import { repoUrl } from './gitserver.ts';
import {
  KUBECONFIG,
  LOCAL,
  StackError,
  kubectl,
  kubectlApply,
  logFile,
  rel,
  template,
  type Bins,
  type Settings,
  type StackContext,
} from './util.ts';
import { ensurePortFree, healthy, waitFor, waitForCrds } from './wait.ts';

/** Where the stack's Flux objects live (Flux's own default namespace). */
export const FLUX_NAMESPACE = 'flux-system';

/** source-controller's artifacts (one tarball per synced revision). */
const STORAGE = path.join(LOCAL, 'flux', 'storage');
const SOURCE = 'flux-source';
const KUSTOMIZE = 'flux-kustomize';
/** The daemons, in the order down.ts stops them (the applier first). */
export const FLUX_COMPONENTS = [KUSTOMIZE, SOURCE] as const;

const CRDS = ['gitrepositories.source.toolkit.fluxcd.io', 'kustomizations.kustomize.toolkit.fluxcd.io'];

interface Controller {
  component: string;
  binary: 'source-controller' | 'kustomize-controller';
  healthPort: number;
  metricsPort: number;
  /** Every port it listens on. */
  ports: number[];
  args: string[];
}

function controllers(settings: Settings): Controller[] {
  const storage = `127.0.0.1:${settings.fluxPortBase}`;
  const common = (c: Pick<Controller, 'healthPort' | 'metricsPort'>): string[] => [
    `--health-addr=127.0.0.1:${c.healthPort}`,
    `--metrics-addr=127.0.0.1:${c.metricsPort}`,
    '--enable-leader-election=false',
    '--watch-all-namespaces=true',
    '--log-level=info',
    '--log-encoding=console',
  ];
  const source = { healthPort: settings.fluxPortBase + 1, metricsPort: settings.fluxPortBase + 2 };
  const kustomize = { healthPort: settings.fluxPortBase + 3, metricsPort: settings.fluxPortBase + 4 };
  return [
    {
      component: SOURCE,
      binary: 'source-controller',
      ...source,
      ports: [settings.fluxPortBase, source.healthPort, source.metricsPort],
      args: [
        ...common(source),
        `--storage-path=${STORAGE}`,
        `--storage-addr=${storage}`,
        `--storage-adv-addr=${storage}`,
      ],
    },
    {
      component: KUSTOMIZE,
      binary: 'kustomize-controller',
      ...kustomize,
      ports: [kustomize.healthPort, kustomize.metricsPort],
      // a Kustomization whose GitRepository has no artifact yet (just created) is asked again after
      // this, not Flux's default 30 s
      args: [...common(kustomize), '--requeue-dependency=5s'],
    },
  ];
}

const readyz = (c: Controller): string => `http://127.0.0.1:${c.healthPort}/readyz`;

/** The CRDs that came with the controllers' module zips (<bin dir>/crds, tools/flux.ts). */
async function applyCrds(bins: Bins): Promise<void> {
  const dir = path.join(path.dirname(bins['source-controller']), FLUX_CRD_DIR);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const docs = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
  // server-side: the CRDs are larger than client-side apply's last-applied annotation allows
  await kubectlApply(bins, SOURCE, docs.join('\n---\n'), ['--server-side', '--force-conflicts']);
  await waitForCrds(bins, SOURCE, 'Flux CRDs Established', CRDS);
}

/** GitRepository + Kustomization `name` syncing `branch` of `url` into the cluster. */
export async function syncRepository(
  bins: Pick<Bins, 'kubectl'>,
  settings: Pick<Settings, 'fluxInterval'>,
  name: string,
  url: string,
  branch = 'main',
): Promise<void> {
  await kubectlApply(
    bins,
    KUSTOMIZE,
    await template('flux-sync.yaml', {
      NAME: name,
      FLUX_NAMESPACE,
      GIT_URL: url,
      BRANCH: branch,
      GIT_INTERVAL: settings.fluxInterval,
    }),
  );
}

/**
 * Deletes the sync of `name`. Flux garbage-collects what the Kustomization applied (prune: true), so
 * this also removes the workloads that came from that repository.
 */
export async function removeSync(bins: Pick<Bins, 'kubectl'>, name: string): Promise<void> {
  const res = await kubectl(
    bins,
    [
      'delete',
      '-n',
      FLUX_NAMESPACE,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=60s',
      `kustomization/${name}`,
      `gitrepository/${name}`,
    ],
    { logFile: logFile(KUSTOMIZE) },
  );
  if (res.code !== 0) throw new StackError(KUSTOMIZE, `deleting the Flux sync ${name}: ${res.stderr.trim()}`);
}

/** The Ready condition of Kustomization `name`, or null while it has none (or cannot be read). */
async function kustomizationReady(
  bins: Pick<Bins, 'kubectl'>,
  name: string,
): Promise<{ ready: boolean; message: string } | null> {
  const res = await kubectl(bins, ['get', '-n', FLUX_NAMESPACE, `kustomization/${name}`, '-o', 'json']);
  if (res.code !== 0) return null;
  const obj = JSON.parse(res.stdout) as {
    status?: { conditions?: { type: string; status: string; message?: string }[] };
  };
  const c = obj.status?.conditions?.find((x) => x.type === 'Ready');
  return c ? { ready: c.status === 'True', message: c.message ?? '' } : null;
}

async function startController(bins: Bins, c: Controller): Promise<void> {
  if ((await running(c.component)) && (await healthy(readyz(c)).catch(() => false))) {
    say(`flux: reusing running ${c.binary}`);
    return;
  }
  await stopDaemon(c.component, { quiet: true });
  for (const port of c.ports) await ensurePortFree(c.component, port, 'NEPHORAN_FLUX_PORT_BASE');
  await startDaemon(c.component, bins[c.binary], c.args, {
    // RUNTIME_NAMESPACE: where Flux reads its own secrets and config from
    env: { ...process.env, KUBECONFIG, RUNTIME_NAMESPACE: FLUX_NAMESPACE },
    marker: c.binary,
  });
}

export async function up({ bins, settings }: StackContext): Promise<{ seconds: number }> {
  const t0 = Date.now();
  await applyCrds(bins);
  await kubectlApply(bins, SOURCE, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${FLUX_NAMESPACE}\n`);
  const cs = controllers(settings);
  // source-controller refuses a storage path that does not exist
  await mkdir(STORAGE, { recursive: true });
  for (const c of cs) await startController(bins, c);
  for (const c of cs) {
    await waitFor(c.component, readyz(c), () => healthy(readyz(c)), {
      timeoutMs: 60_000,
      daemon: c.component,
    });
  }
  const repos: [string, string, string][] = [
    [settings.repository, repoUrl(settings), 'main'],
    [settings.edgeRepository, repoUrl(settings, settings.edgeRepository), settings.edgeBranch],
  ];
  for (const [name, url, branch] of repos) await syncRepository(bins, settings, name, url, branch);
  // The first sync of each: proves the whole chain (clone, artifact server, build, apply) works
  // before anything depends on it.
  for (const [name] of repos) {
    await waitFor(
      KUSTOMIZE,
      `Kustomization ${FLUX_NAMESPACE}/${name} Ready`,
      async () => {
        const r = await kustomizationReady(bins, name);
        if (!r?.ready) throw new Error(r ? `Ready=False: ${r.message}` : 'no Ready condition yet');
        return true;
      },
      { timeoutMs: 90_000, daemon: KUSTOMIZE },
    );
  }
  const seconds = (Date.now() - t0) / 1000;
  say(
    `flux: source-controller + kustomize-controller syncing ${repos.map(([n, , b]) => `${n} (${b})`).join(', ')} ` +
      `with prune, ready after ${seconds.toFixed(1)}s (logs ${rel(logFile(SOURCE))}, ${rel(logFile(KUSTOMIZE))})`,
  );
  return { seconds };
}

export async function down(): Promise<void> {
  for (const c of FLUX_COMPONENTS) await stopDaemon(c);
}

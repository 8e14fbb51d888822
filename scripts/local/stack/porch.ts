// Porch: porch-server out of cluster (an aggregated apiserver on 127.0.0.1:<porchPort>, standalone
// debug mode, its database cache on PostgreSQL — stack/postgres.ts — or, with NEPHORAN_PORCH_CACHE=cr,
// its CR cache), its CRDs read at run time from the porch module source in the Go module
// cache, the APIService + ExternalName Service that route porch.kpt.dev to it, and the Repository
// the product publishes to.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

import { say } from '../common.ts';
import { running, startDaemon, stopDaemon } from './daemon.ts';
import { ensureRepository, repoUrl } from './gitserver.ts';
import * as postgres from './postgres.ts';
import { porchDbEnv } from './postgres.ts';
import {
  KUBECONFIG,
  LOCAL,
  StackError,
  kubectl,
  kubectlApply,
  logFile,
  rel,
  runCommand,
  template,
  type Bins,
  type Settings,
  type StackContext,
} from './util.ts';
import { ensurePortFree, waitFor, waitForCrds } from './wait.ts';

const COMPONENT = 'porch';

/** CRD files of the porch module, relative to its root (what Porch's own local-dev script applies). */
const CRDS = [
  'api/porchconfig/v1alpha1/config.porch.kpt.dev_repositories.yaml',
  'internal/api/porchinternal/v1alpha1/config.porch.kpt.dev_packagerevs.yaml',
  'controllers/config/crd/bases/config.porch.kpt.dev_packagevariants.yaml',
  'controllers/config/crd/bases/config.porch.kpt.dev_packagevariantsets.yaml',
];

/** Directory of a module in the Go module cache (downloads the source if needed, no build). */
export async function goModuleDir(
  component: string,
  module: string,
  version: string,
  { noSumDb = false } = {},
): Promise<string> {
  const env = { ...process.env };
  // a module the public checksum database does not know (build.ts fetches it the same way)
  if (noSumDb) env.GONOSUMDB = [env.GONOSUMDB, module].filter(Boolean).join(',');
  const res = await runCommand('go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: LOCAL,
    timeoutMs: 300_000,
    env,
  });
  let info: { Dir?: string; Error?: string } = {};
  try {
    info = JSON.parse(res.stdout) as typeof info;
  } catch {
    // reported below
  }
  if (res.code !== 0 || !info.Dir) {
    throw new StackError(
      component,
      `go mod download ${module}@${version} failed: ${info.Error ?? (res.stderr || res.stdout).trim()}`,
    );
  }
  return info.Dir;
}

/** `status message` of a condition, as jsonpath for `kubectl get -o`. */
const conditionPath = (type: string): string =>
  `jsonpath={.status.conditions[?(@.type=="${type}")].status} {.status.conditions[?(@.type=="${type}")].message}`;

async function serving(bins: Pick<Bins, 'kubectl'>): Promise<boolean> {
  const res = await kubectl(bins, [
    'get',
    'apiservice',
    'v1alpha1.porch.kpt.dev',
    '-o',
    conditionPath('Available'),
  ]);
  if (res.code !== 0) throw new Error(res.stderr.trim());
  const [status, ...msg] = res.stdout.trim().split(' ');
  if (status !== 'True') throw new Error(`APIService not Available: ${msg.join(' ')}`);
  const list = await kubectl(bins, ['get', 'packagerevisions', '-A', '--request-timeout=10s'], {
    timeoutMs: 15_000,
  });
  if (list.code !== 0) throw new Error(list.stderr.trim());
  return true;
}

/** Porch's CRDs from its module source, and the APIService + Service that route to porch-server. */
async function applyApi({ bins, settings, versions }: StackContext): Promise<void> {
  const { module, version } = versions.porch;
  const dir = await goModuleDir(COMPONENT, module, version);
  for (const f of CRDS) {
    const file = path.join(dir, f);
    if (!existsSync(file)) throw new StackError(COMPONENT, `CRD ${f} not found in ${dir}`);
    await kubectlApply(bins, COMPONENT, await readFile(file, 'utf8'), ['--server-side', '--force-conflicts']);
  }
  await waitForCrds(bins, COMPONENT, 'porch CRDs Established', [
    'repositories.config.porch.kpt.dev',
    'packagerevs.config.porch.kpt.dev',
  ]);
  await kubectlApply(
    bins,
    COMPONENT,
    await template('porch-apiservice.yaml', {
      PORCH_PORT: settings.porchPort,
      PORCH_WEBHOOK_PORT: settings.porchWebhookPort,
    }),
  );
}

function serverEnv(settings: Settings, state: string): NodeJS.ProcessEnv {
  // --standalone-debug-mode exists only when KUBERNETES_SERVICE_HOST/PORT are unset.
  const env = { ...process.env };
  for (const k of [
    'KUBERNETES_SERVICE_HOST',
    'KUBERNETES_SERVICE_PORT',
    'WEBHOOK_SERVICE_NAME',
    'CERT_NAMESPACE',
  ])
    delete env[k];
  // porch-server's admission webhooks are set up only when CERT_STORAGE_DIR is set. They matter:
  // the PackageRevision deletion webhook is what refuses to delete a Published revision (403
  // unless DeletionProposed); without it the local stack would accept what production refuses.
  // WEBHOOK_HOST makes the deletion webhook a URL (https://localhost:<port>); the Repository webhook
  // always targets the Service of the APIService (porch-system/api, ExternalName localhost).
  env.CERT_STORAGE_DIR = path.join(state, 'webhook-certs');
  env.WEBHOOK_HOST = 'localhost';
  env.WEBHOOK_PORT = String(settings.porchWebhookPort);
  // ... and finds that Service through the APIService with controller-runtime, which reads KUBECONFIG.
  env.KUBECONFIG = KUBECONFIG;
  // No OpenTelemetry collector here (porch-server otherwise retries localhost:4318 every second).
  env.OTEL_TRACES_EXPORTER = 'none';
  env.OTEL_METRICS_EXPORTER = 'none';
  return env;
}

async function startServer(bins: Bins, settings: Settings): Promise<void> {
  await stopDaemon(COMPONENT, { quiet: true });
  await ensurePortFree(COMPONENT, settings.porchPort, 'NEPHORAN_PORCH_PORT');
  await ensurePortFree(COMPONENT, settings.porchWebhookPort, 'NEPHORAN_PORCH_WEBHOOK_PORT');
  const state = path.join(LOCAL, 'porch');
  await mkdir(path.join(state, 'cache'), { recursive: true });
  await mkdir(path.join(state, 'certs'), { recursive: true });
  await mkdir(path.join(state, 'webhook-certs'), { recursive: true });
  await startDaemon(
    COMPONENT,
    bins['porch-server'],
    [
      '--standalone-debug-mode',
      `--bind-address=127.0.0.1`,
      `--secure-port=${settings.porchPort}`,
      `--kubeconfig=${KUBECONFIG}`,
      `--authentication-kubeconfig=${KUBECONFIG}`,
      `--authorization-kubeconfig=${KUBECONFIG}`,
      `--cert-dir=${path.join(state, 'certs')}`,
      `--cache-directory=${path.join(state, 'cache')}`,
      `--cache-type=${settings.porchCache.toUpperCase()}`,
      // No function runner here: packages without a Kptfile pipeline never call it.
      '--function-runner=127.0.0.1:9445',
      // Porch v1.5.8's cache can fall behind git under concurrent writes (a lifecycle change lost by
      // a racing refresh, then "cannot find draft package branch"); a periodic repository sync is
      // what re-reads git. Porch's default is 10 min; see docs/operations.md, "Porch under load".
      '--repo-sync-frequency=10s',
    ],
    {
      env: { ...serverEnv(settings, state), ...(settings.porchCache === 'db' ? porchDbEnv(settings) : {}) },
      marker: 'porch-server',
    },
  );
  say(`porch: started porch-server on 127.0.0.1:${settings.porchPort} (log ${rel(logFile(COMPONENT))})`);
}

/**
 * A Porch Repository `name` in `namespace` on the git repository `gitRepo` of the stack's git server
 * (created when missing, with `branch`), and waits until Porch says it is Ready. The stack registers
 * the product's own; the scale benchmark registers one per site.
 */
export async function registerRepository(
  bins: Pick<Bins, 'kubectl'>,
  settings: Pick<Settings, 'gitPort'>,
  repo: { namespace: string; name: string; gitRepo: string; branch?: string },
): Promise<void> {
  const branch = repo.branch ?? 'main';
  await ensureRepository(repo.gitRepo, branch);
  await kubectlApply(
    bins,
    COMPONENT,
    await template('porch-repository.yaml', {
      REPO_NAME: repo.name,
      NAMESPACE: repo.namespace,
      GIT_URL: repoUrl({ gitPort: settings.gitPort, repository: repo.gitRepo }),
      BRANCH: branch,
    }),
  );
  await waitFor(
    COMPONENT,
    `Repository ${repo.namespace}/${repo.name} Ready`,
    async () => {
      const res = await kubectl(bins, [
        'get',
        'repositories.config.porch.kpt.dev',
        repo.name,
        '-n',
        repo.namespace,
        '-o',
        conditionPath('Ready'),
      ]);
      if (res.code !== 0) throw new Error(res.stderr.trim());
      const [status, ...msg] = res.stdout.trim().split(' ');
      if (status !== 'True') throw new Error(`Ready=${status || '(none)'} ${msg.join(' ')}`);
      return true;
    },
    { timeoutMs: 90_000, intervalMs: 1000, daemon: COMPONENT },
  );
}

/** The Repository the product publishes to; waits until Porch says Ready. */
async function applyRepository(bins: Bins, settings: Settings): Promise<void> {
  await registerRepository(bins, settings, {
    namespace: settings.namespace,
    name: settings.repository,
    gitRepo: settings.repository,
  });
}

/** PostgreSQL with Porch's own schema (api/sql/porch-db.sql of the pinned porch module). */
export async function startDatabase(ctx: StackContext): Promise<void> {
  const dir = await goModuleDir(COMPONENT, ctx.versions.porch.module, ctx.versions.porch.version);
  await postgres.up(ctx, path.join(dir, 'api', 'sql', 'porch-db.sql'));
}

export async function up(ctx: StackContext): Promise<{ seconds: number; apiSeconds: number }> {
  const { bins, settings } = ctx;
  const t0 = Date.now();
  await applyApi(ctx);
  if (settings.porchCache === 'db') await startDatabase(ctx);
  const rec = await running(COMPONENT);
  // a porch-server of the other cache type (NEPHORAN_PORCH_CACHE changed) is started again
  const sameCache = rec?.args.includes(`--cache-type=${settings.porchCache.toUpperCase()}`) === true;
  if (rec && sameCache && (await serving(bins).catch(() => false))) {
    say(`porch: reusing running porch-server on 127.0.0.1:${settings.porchPort}`);
  } else {
    await startServer(bins, settings);
  }
  await waitFor(
    COMPONENT,
    'APIService v1alpha1.porch.kpt.dev Available and packagerevisions listable',
    () => serving(bins),
    { timeoutMs: 120_000, intervalMs: 1000, daemon: COMPONENT },
  );
  const apiSeconds = (Date.now() - t0) / 1000;
  say(`porch: API served through the aggregator after ${apiSeconds.toFixed(1)}s`);
  await applyRepository(bins, settings);
  // A second deployment Repository on a branch other than main (docs/local-stack.md).
  await registerRepository(bins, settings, {
    namespace: settings.namespace,
    name: settings.edgeRepository,
    gitRepo: settings.edgeRepository,
    branch: settings.edgeBranch,
  });
  const seconds = (Date.now() - t0) / 1000;
  say(
    `porch: Repositories ${settings.namespace}/${settings.repository} (${repoUrl(settings)}, main) and ${settings.edgeRepository} (branch ${settings.edgeBranch}) Ready after ${seconds.toFixed(1)}s`,
  );
  return { seconds, apiSeconds };
}

export async function down(): Promise<void> {
  // porch-server often sits out SIGTERM (open aggregator connections); its state is in git and CRs.
  await stopDaemon(COMPONENT, { graceMs: 5000 });
  await postgres.down();
}

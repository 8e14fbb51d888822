// Metacontroller out of cluster (--kubeconfig, admin credentials, so no RBAC is needed), its CRDs
// read at run time from the metacontroller module source in the Go module cache, and the product's
// CompositeControllers (metacontroller/compositecontroller.yaml for CNFDeployments,
// networkintent-controller.yaml for NetworkIntents) with their hooks pointed at the local
// hook server: the in-cluster `service:` reference is replaced by `url: http://127.0.0.1:<port>/<path>`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { parseAllDocuments, stringify } from 'yaml';

import { say } from '../common.ts';
import type { Versions } from '../versions.ts';
import { running, startDaemon, stopDaemon } from './daemon.ts';
import { goModuleDir } from './porch.ts';
import {
  KUBECONFIG,
  ROOT,
  StackError,
  kubectlApply,
  logFile,
  rel,
  type Settings,
  type StackContext,
} from './util.ts';
import { ensurePortFree, healthy, waitFor, waitForCrds } from './wait.ts';

const COMPONENT = 'metacontroller';
const CRD_FILE = 'manifests/production/metacontroller-crds-v1.yaml';

/** How to run the pinned Metacontroller release. */
export interface Flavour {
  legacy: boolean;
  hookVersion: 'v1' | 'v2';
  /** URL that answers 200 once it is up. */
  ready: string;
  /** [port, env var that moves it] of every port it listens on. */
  ports: [number, string][];
  args: string[];
}

/**
 * versions.json pins either a v4 release (built from a pseudo-version) or, while the module proxy
 * here serves nothing newer, v1.5.20 (2021). They differ in flags, health endpoints and hook versions:
 *  - v4: --kubeconfig, --metrics-address, --health-probe-bind-address (/readyz), --zap-log-level;
 *    hooks `version: v2` (children keyed namespace/name);
 *  - v1.5.x: --kubeconfig is overwritten by the deprecated --client-config-path (always applied,
 *    empty by default), so the kubeconfig goes there; --debug-addr serves /metrics only; klog -v;
 *    no hook `version` field (v1 hooks, children keyed by name).
 */
export function flavour(
  versions: Versions,
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): Flavour {
  const { version, hookVersion } = versions.metacontroller;
  const legacy = /^v1\./.test(version);
  const metrics = `127.0.0.1:${settings.metacontrollerMetricsPort}`;
  const health = `127.0.0.1:${settings.metacontrollerHealthPort}`;
  // Workers: Metacontroller's default of 5 unless NEPHORAN_MC_WORKERS says otherwise; on this
  // 2-core machine more did not bring 100 CNFs up faster (docs/performance.md, "Many CNFs at once").
  const common = [
    '--discovery-interval=5s',
    '--client-go-qps=100',
    '--client-go-burst=200',
    `--workers=${settings.metacontrollerWorkers}`,
  ];
  return legacy
    ? {
        legacy,
        hookVersion: hookVersion ?? 'v1',
        ready: `http://${metrics}/metrics`,
        ports: [[settings.metacontrollerMetricsPort, 'NEPHORAN_MC_METRICS_PORT']],
        args: [
          `--client-config-path=${KUBECONFIG}`,
          ...common,
          `--debug-addr=${metrics}`,
          `-v=${env.NEPHORAN_MC_LOG_LEVEL || '2'}`,
        ],
      }
    : {
        legacy,
        hookVersion: hookVersion ?? 'v2',
        ready: `http://${health}/readyz`,
        ports: [
          [settings.metacontrollerHealthPort, 'NEPHORAN_MC_HEALTH_PORT'],
          [settings.metacontrollerMetricsPort, 'NEPHORAN_MC_METRICS_PORT'],
        ],
        args: [
          `--kubeconfig=${KUBECONFIG}`,
          ...common,
          `--metrics-address=${metrics}`,
          `--health-probe-bind-address=${health}`,
          `--zap-log-level=${env.NEPHORAN_MC_LOG_LEVEL || 'info'}`,
        ],
      };
}

export async function up({ bins, settings, versions }: StackContext): Promise<{ seconds: number }> {
  const t0 = Date.now();
  const { module, version, pseudoVersion } = versions.metacontroller;
  if (!bins.metacontroller) throw new StackError(COMPONENT, 'no metacontroller binary');
  const f = flavour(versions, settings);
  const dir = await goModuleDir(COMPONENT, module, pseudoVersion || version, { noSumDb: f.legacy });
  const crds = path.join(dir, CRD_FILE);
  if (!existsSync(crds)) throw new StackError(COMPONENT, `CRDs ${CRD_FILE} not found in ${dir}`);
  await kubectlApply(bins, COMPONENT, await readFile(crds, 'utf8'), ['--server-side', '--force-conflicts']);
  await waitForCrds(bins, COMPONENT, 'metacontroller CRDs Established', [
    'compositecontrollers.metacontroller.k8s.io',
    'controllerrevisions.metacontroller.k8s.io',
  ]);

  if ((await running(COMPONENT)) && (await healthy(f.ready).catch(() => false))) {
    say('metacontroller: reusing running metacontroller');
  } else {
    await stopDaemon(COMPONENT, { quiet: true });
    for (const [port, envName] of f.ports) await ensurePortFree(COMPONENT, port, envName);
    await startDaemon(COMPONENT, bins.metacontroller, f.args, {
      env: { ...process.env, KUBECONFIG },
      marker: 'metacontroller',
    });
    say(`metacontroller: started ${version} (log ${rel(logFile(COMPONENT))})`);
  }
  await waitFor(COMPONENT, f.ready, () => healthy(f.ready), { timeoutMs: 60_000, daemon: COMPONENT });
  const seconds = (Date.now() - t0) / 1000;
  say(`metacontroller: ready after ${seconds.toFixed(1)}s`);
  return { seconds };
}

/** The parts of a CompositeController this module touches. */
interface CompositeController {
  kind: string;
  metadata: { annotations?: Record<string, string> };
  spec?: {
    hooks?: Record<
      string,
      | {
          version?: string;
          webhook?: { url?: string; path?: string; service?: unknown; authorization?: unknown };
        }
      | undefined
    >;
  };
}

/** The product's CompositeControllers: CNFDeployments, and NetworkIntents (docs/intent.md). */
export const COMPOSITE_CONTROLLER_FILES = ['compositecontroller.yaml', 'networkintent-controller.yaml'];

/**
 * A CompositeController of metacontroller/ (compositecontroller.yaml unless `fileName` says which)
 * with every hook as `url: http://127.0.0.1:<port><path>`.
 */
export async function localCompositeController(
  settings: Settings,
  versions: Versions,
  fileName = COMPOSITE_CONTROLLER_FILES[0]!,
): Promise<string> {
  const { hookVersion } = flavour(versions, settings);
  const file = path.join(ROOT, 'metacontroller', fileName);
  const docs = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as unknown);
  const cc = docs.find(
    (d): d is CompositeController =>
      (d as Partial<CompositeController> | null)?.kind === 'CompositeController',
  );
  if (!cc) throw new StackError(COMPONENT, `no CompositeController in ${rel(file)}`);
  for (const [name, hook] of Object.entries(cc.spec?.hooks ?? {})) {
    const webhook = hook?.webhook;
    if (!hook || !webhook) continue;
    const hookPath = webhook.path ?? `/${name}`;
    delete webhook.service;
    delete webhook.path;
    // No token on the local stack (the hook server runs with HOOK_AUTH=none, scripts/local/stack/
    // hooks.ts): Metacontroller v1.5.x cannot send one, and its CRD schema refuses the field.
    delete webhook.authorization;
    webhook.url = `http://127.0.0.1:${settings.hookPort}${hookPath}`;
    // Metacontroller v1.5.x has no `version` field (v1 hooks only); its CRD schema would reject it.
    if (hookVersion === 'v1') delete hook.version;
    else hook.version = hookVersion;
  }
  cc.metadata.annotations = {
    ...(cc.metadata.annotations ?? {}),
    'nephoran.com/local-stack': `generated by scripts/local/stack/metacontroller.ts from ${path.relative(ROOT, file)}`,
  };
  return stringify(cc);
}

export async function applyCompositeController({ bins, settings, versions }: StackContext): Promise<void> {
  for (const name of COMPOSITE_CONTROLLER_FILES) {
    await kubectlApply(bins, COMPONENT, await localCompositeController(settings, versions, name));
  }
  say(
    `metacontroller: CompositeControllers applied, hooks at http://127.0.0.1:${settings.hookPort}/{sync,finalize,customize} and /intent/{sync,finalize}`,
  );
}

export async function down(): Promise<void> {
  await stopDaemon(COMPONENT);
}

// Metacontroller out of cluster (--kubeconfig, admin credentials, so no RBAC is needed), its CRDs
// read at run time from the metacontroller module source in the Go module cache, and the product's
// CompositeController (metacontroller/compositecontroller.yaml) with its hooks pointed at the local
// hook server: the in-cluster `service:` reference is replaced by `url: http://127.0.0.1:<port>/<path>`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { parseAllDocuments, stringify } from 'yaml';

import { goModuleDir } from './porch.mjs';
import {
  KUBECONFIG,
  ROOT,
  StackError,
  ensurePortFree,
  httpGet,
  kubectl,
  kubectlApply,
  logFile,
  rel,
  running,
  say,
  startDaemon,
  stopDaemon,
  waitFor,
} from './util.mjs';

const COMPONENT = 'metacontroller';
const CRD_FILE = 'manifests/production/metacontroller-crds-v1.yaml';

/**
 * versions.json pins either a v4 release (built from a pseudo-version) or, while the module proxy
 * here serves nothing newer, v1.5.20 (2021). They differ in flags, health endpoints and hook versions:
 *  - v4: --kubeconfig, --metrics-address, --health-probe-bind-address (/readyz), --zap-log-level;
 *    hooks `version: v2` (children keyed namespace/name);
 *  - v1.5.x: --kubeconfig is overwritten by the deprecated --client-config-path (always applied,
 *    empty by default), so the kubeconfig goes there; --debug-addr serves /metrics only; klog -v;
 *    no hook `version` field (v1 hooks, children keyed by name).
 */
function flavour(versions, settings) {
  const { version, hookVersion } = versions.metacontroller;
  const legacy = /^v1\./.test(version);
  const metrics = `127.0.0.1:${settings.metacontrollerMetricsPort}`;
  const health = `127.0.0.1:${settings.metacontrollerHealthPort}`;
  const common = ['--discovery-interval=5s', '--client-go-qps=100', '--client-go-burst=200'];
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
          `-v=${process.env.NEPHORAN_MC_LOG_LEVEL || '2'}`,
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
          `--zap-log-level=${process.env.NEPHORAN_MC_LOG_LEVEL || 'info'}`,
        ],
      };
}

async function healthy(url) {
  const res = await httpGet(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${res.body.slice(0, 200).trim()}`);
  return true;
}

export async function up({ bins, settings, versions }) {
  const t0 = Date.now();
  const { module, version, pseudoVersion } = versions.metacontroller;
  const f = flavour(versions, settings);
  const dir = await goModuleDir(COMPONENT, module, pseudoVersion || version, { noSumDb: f.legacy });
  const crds = path.join(dir, CRD_FILE);
  if (!existsSync(crds)) throw new StackError(COMPONENT, `CRDs ${CRD_FILE} not found in ${dir}`);
  await kubectlApply(bins, COMPONENT, await readFile(crds, 'utf8'), ['--server-side', '--force-conflicts']);
  await waitFor(
    COMPONENT,
    'metacontroller CRDs Established',
    async () =>
      (
        await kubectl(bins, [
          'wait',
          '--for=condition=Established',
          '--timeout=5s',
          'crd/compositecontrollers.metacontroller.k8s.io',
          'crd/controllerrevisions.metacontroller.k8s.io',
        ])
      ).code === 0,
    { timeoutMs: 60_000 },
  );

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

/** metacontroller/compositecontroller.yaml with every hook as `url: http://127.0.0.1:<port><path>`. */
export async function localCompositeController(settings, versions) {
  const { hookVersion } = flavour(versions, settings);
  const file = path.join(ROOT, 'metacontroller', 'compositecontroller.yaml');
  const docs = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS());
  const cc = docs.find((d) => d?.kind === 'CompositeController');
  if (!cc) throw new StackError(COMPONENT, `no CompositeController in ${rel(file)}`);
  for (const [name, hook] of Object.entries(cc.spec?.hooks ?? {})) {
    const webhook = hook?.webhook;
    if (!webhook) continue;
    const hookPath = webhook.path ?? `/${name}`;
    delete webhook.service;
    delete webhook.path;
    webhook.url = `http://127.0.0.1:${settings.hookPort}${hookPath}`;
    // Metacontroller v1.5.x has no `version` field (v1 hooks only); its CRD schema would reject it.
    if (hookVersion === 'v1') delete hook.version;
    else hook.version = hookVersion;
  }
  cc.metadata.annotations = {
    ...(cc.metadata.annotations ?? {}),
    'nephoran.com/local-stack': `generated by scripts/local/stack/metacontroller.mjs from ${path.relative(ROOT, file)}`,
  };
  return stringify(cc);
}

export async function applyCompositeController({ bins, settings, versions }) {
  const yamlText = await localCompositeController(settings, versions);
  await kubectlApply(bins, COMPONENT, yamlText);
  say(
    `metacontroller: CompositeController applied, hooks at http://127.0.0.1:${settings.hookPort}/{sync,finalize,customize}`,
  );
}

export async function down() {
  await stopDaemon(COMPONENT);
}

// The product: the hook server of this checkout (`npm start`), on 127.0.0.1:<hookPort>, with the
// local kubeconfig and the local Porch repository. Always (re)started by up.ts so that what runs is
// the code in the working tree. tests/e2e/helpers.ts calls up() too, to restart it after a kill.
import process from 'node:process';

import { say } from '../common.ts';
import { startDaemon, stopDaemon } from './daemon.ts';
import { KUBECONFIG, ROOT, logFile, rel, type Settings } from './util.ts';
import { ensurePortFree, httpGet, waitFor } from './wait.ts';

const COMPONENT = 'hooks';

export function hookEnv(settings: Settings, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    ...env,
    PORT: String(settings.hookPort),
    METRICS_PORT: String(settings.hookMetricsPort),
    HOST: '127.0.0.1',
    // Metacontroller v1.5.20, the newest the Go module proxy serves, cannot send a token (webhook
    // authorization arrived in v4): the local stack opts out explicitly, on 127.0.0.1 only.
    HOOK_AUTH: 'none',
    KUBECONFIG,
    PORCH_REPOSITORY: settings.repository,
    LOG_LEVEL: env.LOG_LEVEL || 'info',
  };
  // Out of cluster: never let in-cluster settings of the calling shell leak in.
  delete out.KUBERNETES_SERVICE_HOST;
  delete out.KUBERNETES_SERVICE_PORT;
  return out;
}

export async function up({ settings }: { settings: Settings }): Promise<{ seconds: number }> {
  const t0 = Date.now();
  if (await stopDaemon(COMPONENT, { quiet: true })) say('hooks: stopped the previous hook server');
  await ensurePortFree(COMPONENT, settings.hookPort, 'NEPHORAN_HOOK_PORT', 10_000);
  await ensurePortFree(COMPONENT, settings.hookMetricsPort, 'NEPHORAN_HOOK_METRICS_PORT', 10_000);
  await startDaemon(COMPONENT, 'npm', ['start'], { env: hookEnv(settings), cwd: ROOT, marker: 'npm' });
  say(
    `hooks: npm start (PORT=${settings.hookPort} PORCH_REPOSITORY=${settings.repository}; log ${rel(logFile(COMPONENT))})`,
  );
  const base = `http://127.0.0.1:${settings.hookPort}`;
  await waitFor(
    COMPONENT,
    `${base}/readyz to answer 200`,
    async () => {
      const res = await httpGet(`${base}/readyz`);
      if (res.status !== 200) throw new Error(`/readyz answered ${res.status}: ${res.body.slice(0, 300)}`);
      return true;
    },
    { timeoutMs: 60_000, daemon: COMPONENT },
  );
  const seconds = (Date.now() - t0) / 1000;
  say(`hooks: ready after ${seconds.toFixed(1)}s`);
  return { seconds };
}

export async function down(): Promise<void> {
  await stopDaemon(COMPONENT);
}

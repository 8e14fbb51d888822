// The process: configuration from the environment (fail fast), clients, the app, listen, and a
// graceful shutdown on SIGTERM/SIGINT (stop accepting, let in-flight hooks finish within
// SHUTDOWN_TIMEOUT_MS, flush events, close clients, exit 0).
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { porchClientFromKubeConfig } from '../lib/clients/porch.ts';
import { A1HttpClient } from '../lib/clients/a1.ts';
import { E2HttpClient } from '../lib/clients/e2.ts';
import { ApiReachability, KubeEventRecorder, kubeApiFromKubeConfig } from '../lib/clients/kube.ts';
import { hookApp, metricsApp, serverOptions, type HookApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { HookMetrics } from './metrics.ts';

/**
 * Serves renewed certificates without a restart: every TLS_RELOAD_MS, reads the certificate and key
 * files (a Secret volume swaps them atomically) and, when they changed, sets them on the listening
 * server. A pair that does not load (half written, mismatched) keeps the old one and is logged.
 */
export function reloadTls(
  server: Pick<TlsServer, 'setSecureContext'>,
  tls: NonNullable<Config['tls']>,
  log: FastifyBaseLogger,
  intervalMs: number,
): NodeJS.Timeout {
  let served = Buffer.concat([tls.cert, tls.key]);
  const timer = setInterval(() => {
    try {
      const cert = readFileSync(tls.certFile);
      const key = readFileSync(tls.keyFile);
      const next = Buffer.concat([cert, key]);
      if (next.equals(served)) return;
      server.setSecureContext({ cert, key });
      served = next;
      log.info({ certFile: tls.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      log.error({ err, certFile: tls.certFile }, 'TLS certificate not reloaded: keeping the one served');
    }
  }, intervalMs);
  timer.unref();
  return timer;
}

function kubeConfig(config: Config): KubeConfig {
  const kc = new KubeConfig();
  if (config.kube.source === 'kubeconfig') kc.loadFromFile(config.kube.path);
  else kc.loadFromCluster();
  return kc;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`nephoran-cnf hooks: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const kc = kubeConfig(config);
  const now = Date.now;
  const metrics = new HookMetrics({ now, gaugeTtlSeconds: config.gaugeTtlSeconds });
  const porch = await porchClientFromKubeConfig(kc, { requestTimeoutMs: config.porchTimeoutMs, now });
  const kube = kubeApiFromKubeConfig(kc);
  // RIC endpoints come from each CNF's spec.oran; one keep-alive pool per endpoint.
  const oran = {
    a1: new A1HttpClient({ requestTimeoutMs: config.porchTimeoutMs, now }),
    // Creates are not idempotent: the client lists the subscriptions first and reuses a match, so a
    // sync that sees a stale parent, on this replica or another, does not create a duplicate.
    e2: new E2HttpClient({ requestTimeoutMs: config.porchTimeoutMs, now }),
  };
  const events = new KubeEventRecorder({
    api: kube,
    now,
    onOutcome: (outcome, event, err) => {
      metrics.event(outcome);
      if (outcome === 'failed') app.log.warn({ err, reason: event.reason }, 'could not record event');
      else if (outcome === 'dropped')
        app.log.warn({ reason: event.reason }, 'event queue full; event dropped');
    },
  });
  const reachability = new ApiReachability({ api: kube, now });

  // JSON logs always (pino via Fastify); pretty printing is a pipe away (`| npx pino-pretty`).
  const app = Fastify(
    serverOptions(config, { level: config.logLevel, base: { component: 'cnf-hooks' } }),
  ) as unknown as HookApp;
  await app.register(hookApp, {
    config,
    porch,
    oran,
    events,
    apiServer: kube,
    metrics,
    now,
    ready: async () =>
      (await reachability.check())
        ? { ok: true }
        : { ok: false, reason: `Kubernetes API unreachable: ${reachability.lastError ?? 'unknown error'}` },
  });
  const logger = app.log;
  // /metrics on its own port as well (METRICS_PORT): the NetworkPolicy admits Prometheus only there.
  const metricsServer = Fastify({ logger: false });
  await metricsServer.register(metricsApp, { metrics });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing in-flight hooks');
    app.drain();
    const force = setTimeout(() => {
      logger.error(
        { timeoutMs: config.shutdownTimeoutMs },
        'in-flight requests did not finish in time; exiting',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    void Promise.all([app.close(), metricsServer.close()])
      .then(() => events.flush(2000))
      .then(() => Promise.all([porch.close(), oran.a1.close(), oran.e2.close()]))
      .then(() => {
        clearTimeout(force);
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  await metricsServer.listen({ port: config.metricsPort, host: config.host });
  if (config.tls !== undefined) {
    reloadTls(app.server as unknown as TlsServer, config.tls, logger, config.tlsReloadMs);
  }
  logger.info(
    {
      port: config.port,
      metricsPort: config.metricsPort,
      host: config.host,
      tls: config.tls !== undefined,
      repository: config.porchRepository,
    },
    'hook server listening',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `nephoran-cnf hooks: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});

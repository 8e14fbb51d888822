// The hook server as a Fastify plugin: Metacontroller's sync/finalize/customize hooks (and the
// NetworkIntent controller's, hooks/intent.ts), probes and metrics. The server module (server.ts)
// owns the process and the Fastify instance, built from serverOptions(); tests build the same
// instance and drive it with inject(). Everything with I/O or a clock is injected.
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyLoggerOptions,
  type FastifyServerOptions,
} from 'fastify';
import { Ajv } from 'ajv';
import type { PorchClient } from '../lib/clients/porch.ts';
import type { EventRecorder, KubeApi } from '../lib/clients/kube.ts';
import { narrowsByNamespace, relatedResources } from '../lib/related.ts';
import * as pureReconciler from '../lib/reconcile/index.ts';
import type { Config } from './config.ts';
import type { OranClients } from './dispatch.ts';
import { errorBody, HookError, toHookError } from './errors.ts';
import { runHook, type FlowDeps, type Reconciler } from './flow.ts';
import { Lru } from '../lib/lru.ts';
import type { HookMetrics } from './metrics.ts';
import type { HookRequest } from './request.ts';
import { intentRoutes } from './intent.ts';
import { customizeRequestSchema, syncRequestSchema } from './schema.ts';

export interface AppDeps {
  config: Pick<Config, 'porchRepository' | 'hookToken' | 'hookDeadlineMs'>;
  porch: PorchClient;
  /** A1/E2 clients for the O-RAN configuration stage (lib/clients/a1.ts, e2.ts); tests pass fakes. */
  oran?: OranClients;
  events: EventRecorder;
  /** The API server's copy of a parent: every write acts on it, not on the request's claims. */
  apiServer: Pick<KubeApi, 'getCNFDeployment'>;
  metrics: HookMetrics;
  /** Epoch milliseconds. */
  now: () => number;
  /** Readiness beyond "configured": e.g. the Kubernetes API is reachable. */
  ready?: () => Promise<{ ok: true } | { ok: false; reason: string }>;
  /** The pure reconciler (lib/reconcile/); tests may substitute one. */
  reconciler?: Reconciler;
}

export interface HookApp extends FastifyInstance {
  /** Makes /readyz answer 503 (shutdown has begun). */
  drain(): void;
}

/** Routes whose requests are not logged (probes hit them every few seconds). */
const QUIET_ROUTES = new Set(['/metrics', '/healthz', '/readyz']);

/** Content hashes kept by revision and resourceVersion (a few bytes each; one per pending revision). */
const CONTENT_HASH_CACHE_ENTRIES = 4096;

/** The Fastify instance options: logging, TLS and the body limit come from the configuration. */
export function serverOptions(
  config: Pick<Config, 'bodyLimitBytes'> & {
    tls?: Pick<NonNullable<Config['tls']>, 'cert' | 'key'> | undefined;
  },
  logger?: FastifyBaseLogger | (FastifyLoggerOptions & { base?: Record<string, unknown> }),
): FastifyServerOptions {
  return {
    ...(logger === undefined
      ? { logger: false }
      : 'child' in logger
        ? { loggerInstance: logger }
        : { logger }),
    ...(config.tls === undefined ? {} : { https: { cert: config.tls.cert, key: config.tls.key } }),
    bodyLimit: config.bodyLimitBytes,
    // We log one line per request ourselves, with the parent's identity on it.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // "__proto__" and "constructor" are legal keys of free-form fields (spec.configuration, A1
    // policies): keep them as the own data properties JSON.parse makes, not a 400 (lib/json.ts).
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  };
}

/** The plugin. Not encapsulated (like fastify-plugin): its error handler and `drain` apply to the root. */
export async function hookApp(app: FastifyInstance, deps: AppDeps): Promise<void> {
  let draining = false;
  app.decorate('drain', () => {
    draining = true;
  });
  // Our own ajv: strict types, no coercion, no removal of unknown fields (Fastify's defaults would
  // quietly coerce and strip what Metacontroller sent).
  const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, strict: true });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  errorHandling(app, () => draining);
  requestMetrics(app, deps.metrics);
  await app.register(hookRoutes, deps);
  probeRoutes(app, deps, () => draining);
}
(hookApp as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

function errorHandling(app: FastifyInstance, draining: () => boolean): void {
  app.setErrorHandler((err, request, reply) => {
    const e = toHookError(err);
    if (e.statusCode >= 500) request.log.error({ err }, e.message);
    else request.log.info({ code: e.code }, e.message);
    if (e.code === 'HOOK_UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer');
    return reply.status(e.statusCode).send(errorBody(e));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new HookError('HOOK_NOT_FOUND', 404, `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(errorBody(e));
  });
  // While draining, tell keep-alive clients to go away so close() is not held up by idle sockets.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining()) void reply.header('connection', 'close');
    done(null, payload);
  });
}

/** One metric observation and (except for probes) one log line per request. */
function requestMetrics(app: FastifyInstance, metrics: HookMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === '/metrics') return done();
    const hook = route === undefined ? '__unknown__' : route.replace(/^\//, '');
    metrics.observeRequest(hook, reply.statusCode, reply.elapsedTime / 1000);
    if (route === undefined || !QUIET_ROUTES.has(route) || reply.statusCode >= 500) {
      const fields = { method: request.method, url: request.url, statusCode: reply.statusCode };
      request.log.info({ ...fields, ms: Math.round(reply.elapsedTime) }, 'request completed');
    }
    done();
  });
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** POST /sync, /finalize, /customize: JSON only, bearer token when configured. */
function hookRoutes(hooks: FastifyInstance, deps: AppDeps, next: (err?: Error) => void): void {
  // Metacontroller sends JSON; anything else is a 415, not a string body that fails validation.
  hooks.removeContentTypeParser('text/plain');
  const token = deps.config.hookToken;
  if (token !== undefined) {
    const want = digest(`Bearer ${token}`);
    hooks.addHook('onRequest', (request, _reply, done) => {
      const got = request.headers.authorization;
      if (typeof got !== 'string' || !timingSafeEqual(digest(got), want)) {
        done(new HookError('HOOK_UNAUTHORIZED', 401, 'missing or wrong bearer token'));
        return;
      }
      done();
    });
  }
  hooks.addHook('preHandler', (request, _reply, done) => {
    // Every later log line of this request carries the parent's identity.
    const meta = (request.body as HookRequest).parent.metadata;
    request.log = request.log.child({
      parent: { namespace: meta.namespace, name: meta.name, uid: meta.uid },
    });
    done();
  });
  const flow: FlowDeps = {
    porch: deps.porch,
    oran: deps.oran,
    events: deps.events,
    apiServer: deps.apiServer,
    metrics: deps.metrics,
    reconciler: deps.reconciler ?? pureReconciler,
    now: deps.now,
    repository: deps.config.porchRepository,
    deadlineMs: deps.config.hookDeadlineMs,
    contentHashes: new Lru<string | null>({ maxEntries: CONTENT_HASH_CACHE_ENTRIES }),
  };
  const body = (request: { body: unknown }): HookRequest => request.body as HookRequest;
  hooks.post('/sync', { schema: { body: syncRequestSchema } }, (r) => runHook('sync', body(r), flow, r.log));
  hooks.post('/finalize', { schema: { body: syncRequestSchema } }, (r) =>
    runHook('finalize', body(r), flow, r.log),
  );
  hooks.post('/customize', { schema: { body: customizeRequestSchema } }, (r) =>
    Promise.resolve(relatedResources(body(r).parent, narrowsByNamespace(body(r).controller))),
  );
  // The NetworkIntent controller's /intent/sync and /intent/finalize: same token, same logging.
  void hooks.register(intentRoutes, { events: deps.events, now: deps.now });
  next();
}

/**
 * /metrics alone, for the metrics port (server.ts): the NetworkPolicy admits Prometheus there and
 * only Metacontroller to the hook port. The hook port keeps /metrics too (the seed's checks curl it).
 */
export function metricsApp(
  app: FastifyInstance,
  deps: Pick<AppDeps, 'metrics'>,
  done: (err?: Error) => void,
): void {
  metricsRoute(app, deps.metrics);
  done();
}

function metricsRoute(app: FastifyInstance, metrics: HookMetrics): void {
  app.get('/metrics', { logLevel: 'silent' }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  });
}

/** /healthz (alive), /readyz (ready to take hooks) and /metrics. */
function probeRoutes(app: FastifyInstance, deps: AppDeps, draining: () => boolean): void {
  app.get('/healthz', () => Promise.resolve({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (draining()) return reply.status(503).header('retry-after', '5').send({ status: 'shutting down' });
    const r = deps.ready === undefined ? { ok: true as const } : await deps.ready();
    if (!r.ok)
      return reply.status(503).header('retry-after', '5').send({ status: 'not ready', reason: r.reason });
    return { status: 'ok' };
  });
  metricsRoute(app, deps.metrics);
}

// Shared by the hook tests: fixtures (a fresh copy per call), a scripted Porch, an in-memory
// event recorder, and an app built with them.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import Fastify from 'fastify';
import { hookApp, serverOptions, type AppDeps, type HookApp } from '../../hooks/app.ts';
import { HookMetrics } from '../../hooks/metrics.ts';
import type { Reconciler } from '../../hooks/flow.ts';
import type { EventRecorder } from '../../lib/clients/kube.ts';
import type { PorchClient } from '../../lib/clients/porch.ts';
import { MemoryApiServer } from '../doubles/api-server.ts';
import { MemoryEvents } from '../doubles/events.ts';
import { StubPorch } from '../doubles/porch.ts';
import type { HookRequest } from '../../hooks/request.ts';

export { MemoryEvents } from '../doubles/events.ts';
export { StubPorch } from '../doubles/porch.ts';
export { MemoryApiServer } from '../doubles/api-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export function fixture(name: string): Json {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/metacontroller/${name}.json`, import.meta.url), 'utf8'),
  );
}

export const NOW = Date.parse('2026-02-16T10:01:00Z');
export const TOKEN = 'test-token-0123456789abcdef';

export interface TestApp {
  app: HookApp;
  porch: PorchClient;
  events: EventRecorder;
  apiServer: MemoryApiServer;
  metrics: HookMetrics;
  logs: Json[];
  clock: { t: number };
}

export async function makeApp(
  opts: {
    porch?: PorchClient;
    events?: EventRecorder;
    reconciler?: Reconciler;
    hookToken?: string;
    bodyLimitBytes?: number;
    hookDeadlineMs?: number;
    ready?: AppDeps['ready'];
    logLevel?: string;
    /**
     * The API server's copies of parents. Without one, the API server holds exactly the parent of
     * each request (as it does when Metacontroller's cache is current): for tests about other things.
     */
    apiServer?: MemoryApiServer;
    /** Defaults to a fixed clock (clock.t); pass Date.now for tests that depend on real deadlines. */
    now?: () => number;
  } = {},
): Promise<TestApp> {
  const clock = { t: NOW };
  const now = opts.now ?? ((): number => clock.t);
  const metrics = new HookMetrics({ now, gaugeTtlSeconds: 900, processMetrics: false });
  const logs: Json[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line));
      done();
    },
  });
  const porch = opts.porch ?? new StubPorch();
  const events = opts.events ?? new MemoryEvents();
  const apiServer = opts.apiServer ?? new MemoryApiServer();
  const app = await buildApp(
    { bodyLimitBytes: opts.bodyLimitBytes ?? 32 * 1024 * 1024 },
    { level: opts.logLevel ?? 'info', stream },
    {
      config: {
        porchRepository: 'cnf-packages',
        hookToken: opts.hookToken,
        hookDeadlineMs: opts.hookDeadlineMs ?? 8000,
      },
      porch,
      events,
      apiServer,
      metrics,
      now,
      ...(opts.ready === undefined ? {} : { ready: opts.ready }),
      ...(opts.reconciler === undefined ? {} : { reconciler: opts.reconciler }),
    },
  );
  if (opts.apiServer === undefined) mirrorParents(app, apiServer);
  await app.ready();
  return { app, porch, events, apiServer, metrics, logs, clock };
}

/**
 * Makes `apiServer` hold each request's parent as sent, before the hook reads it: the API server as
 * it is when Metacontroller's cache is current. Call before app.ready().
 */
export function mirrorParents(app: HookApp, apiServer: MemoryApiServer): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const parent = (request.body as HookRequest | undefined)?.parent;
    if (parent?.metadata !== undefined) apiServer.put(parent);
    done();
  });
}

/** The hook server as server.ts builds it: a Fastify instance with the hook app registered. */
export async function buildApp(
  config: Parameters<typeof serverOptions>[0],
  logger: Parameters<typeof serverOptions>[1],
  deps: AppDeps,
): Promise<HookApp> {
  const app = Fastify(serverOptions(config, logger));
  await app.register(hookApp, deps);
  return app as unknown as HookApp;
}

export const ALLOWED_SYNC_KEYS = ['children', 'resyncAfterSeconds', 'status'];
export const ALLOWED_FINALIZE_KEYS = ['children', 'finalized', 'resyncAfterSeconds', 'status'];

export function post(
  app: HookApp,
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, payload: payload as object, headers });
}

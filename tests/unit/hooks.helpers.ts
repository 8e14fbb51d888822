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
import { MemoryEvents } from '../doubles/events.ts';
import { StubPorch } from '../doubles/porch.ts';

export { MemoryEvents } from '../doubles/events.ts';
export { StubPorch } from '../doubles/porch.ts';

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
      metrics,
      now,
      ...(opts.ready === undefined ? {} : { ready: opts.ready }),
      ...(opts.reconciler === undefined ? {} : { reconciler: opts.reconciler }),
    },
  );
  await app.ready();
  return { app, porch, events, metrics, logs, clock };
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

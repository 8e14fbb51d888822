// Shared by the hook tests: fixtures (a fresh copy per call), a scripted Porch, an in-memory
// event recorder, and an app built with them.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps, type HookApp } from '../../hooks/app.ts';
import { HookMetrics } from '../../hooks/metrics.ts';
import type { Reconciler } from '../../hooks/sync.ts';
import type { EventRecorder, InvolvedObject } from '../../lib/clients/kube.ts';
import type {
  ApproveOutcome,
  DeleteOutcome,
  PorchClient,
  ResourcesSnapshot,
  WriteOutcome,
} from '../../lib/clients/porch.ts';
import type { EventSpec } from '../../lib/events.ts';
import type { PackageRevision } from '../../lib/types.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export function fixture(name: string): Json {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/metacontroller/${name}.json`, import.meta.url), 'utf8'),
  );
}

/** Porch stub: content hashes per revision name; calls recorded. */
export class StubPorch implements PorchClient {
  readonly hashes = new Map<string, string | null | Error>();
  readonly calls: string[] = [];
  getPackageRevision(_ns: string, name: string): Promise<PackageRevision> {
    this.calls.push(`getPackageRevision ${name}`);
    return Promise.reject(new Error('not scripted'));
  }
  getResources(ns: string, name: string): Promise<ResourcesSnapshot> {
    this.calls.push(`getResources ${ns}/${name}`);
    const h = this.hashes.get(name) ?? null;
    if (h instanceof Error) return Promise.reject(h);
    return Promise.resolve({ resourceVersion: '1', resources: {}, contentHash: h });
  }
  writeResources(
    _ns: string,
    name: string,
    _files: Record<string, string>,
    hash: string,
  ): Promise<WriteOutcome> {
    this.calls.push(`writeResources ${name}`);
    this.hashes.set(name, hash);
    return Promise.resolve('written');
  }
  approve(_ns: string, name: string): Promise<ApproveOutcome> {
    this.calls.push(`approve ${name}`);
    return Promise.resolve('approved');
  }
  deletePackageRevision(_ns: string, name: string): Promise<DeleteOutcome> {
    this.calls.push(`deletePackageRevision ${name}`);
    return Promise.resolve('deleted');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class MemoryEvents implements EventRecorder {
  readonly recorded: Array<{ obj: InvolvedObject; event: EventSpec }> = [];
  record(obj: InvolvedObject, event: EventSpec): void {
    this.recorded.push({ obj, event });
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
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
  const app = await buildApp({
    config: {
      porchRepository: 'cnf-packages',
      hookToken: opts.hookToken,
      bodyLimitBytes: opts.bodyLimitBytes ?? 32 * 1024 * 1024,
      hookDeadlineMs: opts.hookDeadlineMs ?? 8000,
    },
    porch,
    events,
    metrics,
    now,
    logger: { level: opts.logLevel ?? 'info', stream },
    ...(opts.ready === undefined ? {} : { ready: opts.ready }),
    ...(opts.reconciler === undefined ? {} : { reconciler: opts.reconciler }),
  });
  await app.ready();
  return { app, porch, events, metrics, logs, clock };
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

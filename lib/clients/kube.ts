// Thin Kubernetes client for the hook server: the CNFDeployment as the API server holds it (the hooks
// act on that, never on a request's claims), core/v1 Events about CNFDeployments, and whether the
// API server is reachable (readiness). Events are fire-and-forget: recording one never waits on the
// API server, never fails a hook answer, and repeats within a TTL are sent once.
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  Observable,
  VersionApi,
  type ConfigurationOptions,
  type CoreV1Event,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { hostname } from 'node:os';
import type { EventSpec } from '../events.ts';
import type { CNFDeployment } from '../types.ts';

/** The Kubernetes calls the hook server makes; tests substitute their own. */
export interface KubeApi {
  /** The CNFDeployment as the API server holds it now; null when it does not exist. */
  getCNFDeployment(namespace: string, name: string, timeoutMs: number): Promise<CNFDeployment | null>;
  createEvent(namespace: string, event: CoreV1Event, timeoutMs: number): Promise<void>;
  /** Resolves when the API server answered (any version), rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
}

/** Per-call options that bound the request with an abort signal (client-node has no timeout option). */
function withSignal(signal: AbortSignal): ConfigurationOptions {
  const mw: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
  };
  return { middleware: [mw], middlewareMergeStrategy: 'append' };
}

export function kubeApiFromKubeConfig(kc: KubeConfig): KubeApi {
  const core = kc.makeApiClient(CoreV1Api);
  const version = kc.makeApiClient(VersionApi);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    async getCNFDeployment(namespace, name, timeoutMs) {
      try {
        const obj: unknown = await custom.getNamespacedCustomObject(
          { group: 'nephoran.com', version: 'v1', namespace, plural: 'cnfdeployments', name },
          withSignal(AbortSignal.timeout(timeoutMs)),
        );
        return obj as CNFDeployment;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return null;
        throw err;
      }
    },
    async createEvent(namespace, event, timeoutMs) {
      await core.createNamespacedEvent(
        { namespace, body: event },
        withSignal(AbortSignal.timeout(timeoutMs)),
      );
    },
    async ping(timeoutMs) {
      await version.getCode(undefined, withSignal(AbortSignal.timeout(timeoutMs)));
    },
  };
}

// ---- events --------------------------------------------------------------------------------------

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

export type EventOutcome = 'sent' | 'deduplicated' | 'dropped' | 'failed';

export interface EventRecorder {
  /** Queues an event; returns at once. */
  record(obj: InvolvedObject, event: EventSpec): void;
  /** Waits (bounded) for queued events to be sent; used at shutdown. */
  flush(timeoutMs: number): Promise<void>;
}

export interface EventRecorderOptions {
  api: Pick<KubeApi, 'createEvent'>;
  now?: () => number;
  /** Same object + reason + message within this window → sent once. */
  dedupTtlMs?: number;
  /** Events waiting to be sent; beyond it new events are dropped (and counted). */
  maxQueue?: number;
  /** Timeout of each create call. */
  timeoutMs?: number;
  component?: string;
  instance?: string;
  onOutcome?: (outcome: EventOutcome, event: EventSpec, err?: unknown) => void;
}

interface Queued {
  obj: InvolvedObject;
  event: EventSpec;
}

export class KubeEventRecorder implements EventRecorder {
  private readonly api: Pick<KubeApi, 'createEvent'>;
  private readonly now: () => number;
  private readonly dedupTtlMs: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly component: string;
  private readonly instance: string;
  private readonly onOutcome: (outcome: EventOutcome, event: EventSpec, err?: unknown) => void;
  /** dedup key → time it was last sent (or queued). */
  private readonly recent = new Map<string, number>();
  private readonly queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private seq = 0;

  constructor(opts: EventRecorderOptions) {
    this.api = opts.api;
    this.now = opts.now ?? Date.now;
    this.dedupTtlMs = opts.dedupTtlMs ?? 10 * 60_000;
    this.maxQueue = opts.maxQueue ?? 256;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.component = opts.component ?? 'nephoran-cnf-controller';
    this.instance = opts.instance ?? hostname();
    this.onOutcome = opts.onOutcome ?? (() => undefined);
  }

  record(obj: InvolvedObject, event: EventSpec): void {
    const t = this.now();
    const key = `${obj.uid ?? `${obj.namespace}/${obj.name}`}\u0000${event.reason}\u0000${event.message}`;
    const last = this.recent.get(key);
    if (last !== undefined && t - last < this.dedupTtlMs) {
      this.onOutcome('deduplicated', event);
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.onOutcome('dropped', event);
      return;
    }
    this.recent.set(key, t);
    this.prune(t);
    this.queue.push({ obj, event });
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  async flush(timeoutMs: number): Promise<void> {
    if (this.draining === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([this.draining, timeout]);
    clearTimeout(timer);
  }

  /** Keeps the dedup map bounded: forget keys older than the TTL once it grows. */
  private prune(t: number): void {
    if (this.recent.size < 4096) return;
    for (const [k, at] of this.recent) if (t - at >= this.dedupTtlMs) this.recent.delete(k);
  }

  private async drain(): Promise<void> {
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      try {
        await this.api.createEvent(item.obj.namespace, this.toEvent(item), this.timeoutMs);
        this.onOutcome('sent', item.event);
      } catch (err) {
        this.onOutcome('failed', item.event, err);
      }
    }
  }

  private toEvent({ obj, event }: Queued): CoreV1Event {
    const t = new Date(this.now());
    // client-go names events <object>.<unix nanos in hex>; a sequence number keeps them unique.
    const suffix = (BigInt(t.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16);
    const involved: CoreV1Event['involvedObject'] = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.name,
      namespace: obj.namespace,
    };
    if (obj.uid !== undefined) involved.uid = obj.uid;
    if (obj.resourceVersion !== undefined) involved.resourceVersion = obj.resourceVersion;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.name}.${suffix}`, namespace: obj.namespace },
      involvedObject: involved,
      type: event.type,
      reason: event.reason,
      message: event.message,
      count: 1,
      firstTimestamp: t,
      lastTimestamp: t,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.instance,
    };
  }
}

// ---- readiness -----------------------------------------------------------------------------------

export interface ReachabilityOptions {
  api: Pick<KubeApi, 'ping'>;
  now?: () => number;
  /** How long a result is reused. */
  ttlMs?: number;
  timeoutMs?: number;
}

/**
 * Cached, single-flight API-server reachability: probes can hit /readyz often without each one
 * reaching the API server, and a slow API server cannot stack up concurrent checks.
 */
export class ApiReachability {
  private readonly api: Pick<KubeApi, 'ping'>;
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private last: { at: number; ok: boolean; error?: string } | undefined;
  private inflight: Promise<boolean> | undefined;

  constructor(opts: ReachabilityOptions) {
    this.api = opts.api;
    this.now = opts.now ?? Date.now;
    this.ttlMs = opts.ttlMs ?? 5000;
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  /** The last failure's message, for the readiness answer. */
  get lastError(): string | undefined {
    return this.last?.error;
  }

  check(): Promise<boolean> {
    if (this.last !== undefined && this.now() - this.last.at < this.ttlMs)
      return Promise.resolve(this.last.ok);
    this.inflight ??= this.api
      .ping(this.timeoutMs)
      .then(
        () => {
          this.last = { at: this.now(), ok: true };
          return true;
        },
        (err: unknown) => {
          this.last = { at: this.now(), ok: false, error: err instanceof Error ? err.message : String(err) };
          return false;
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}

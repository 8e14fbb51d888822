// What the A1 and E2 clients share: one pooled keep-alive dispatcher per RIC endpoint (origin),
// a typed error with the reconciler's error classes, and a retry loop with jittered backoff bounded
// by attempts and the hook deadline. Endpoints come from CNF specs, so the pool cache is bounded:
// the least recently used pool is closed when a new one would exceed it.
import { Pool, type Dispatcher } from 'undici';
import type { ErrorClass } from '../types.ts';
import {
  backoffDelay,
  requestJson,
  sleep as defaultSleep,
  TransportError,
  type BackoffPolicy,
  type JsonRequest,
  type JsonResponse,
} from './http.ts';

export class RicError extends Error {
  readonly class: ErrorClass;
  readonly reason: string;
  readonly httpStatus: number | undefined;
  /** Whether repeating the same request can succeed. */
  readonly retryable: boolean;
  /** The request may have taken effect although it failed (timeout, lost or malformed answer). */
  readonly uncertain: boolean;
  constructor(
    message: string,
    opts: {
      class: ErrorClass;
      reason: string;
      httpStatus?: number | undefined;
      retryable?: boolean;
      uncertain?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RicError';
    this.class = opts.class;
    this.reason = opts.reason;
    this.httpStatus = opts.httpStatus;
    this.retryable = opts.retryable ?? false;
    this.uncertain = opts.uncertain ?? false;
  }
}

export interface RicCallOptions {
  /** Absolute deadline (epoch ms) for the whole operation including retries. */
  deadline?: number;
}

export interface RicHttpOptions {
  /** Builds the dispatcher for one origin; defaults to an undici Pool. Tests pass a MockAgent. */
  dispatcherFor?: (origin: string) => Dispatcher;
  /** Connections per endpoint for the default Pool. */
  connections?: number;
  /** Endpoints (origins) with an open pool at most; the least recently used is closed beyond it. */
  maxEndpoints?: number;
  requestTimeoutMs?: number;
  /** Total attempts per operation (first try included); at most 3. */
  attempts?: number;
  backoff?: Partial<BackoffPolicy>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Splits an endpoint URL into the origin (pool key) and a path prefix without trailing slash. */
export function splitEndpoint(endpoint: string): { origin: string; base: string } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (err) {
    throw new RicError(`invalid endpoint ${JSON.stringify(endpoint)}`, {
      class: 'Configuration',
      reason: 'InvalidEndpoint',
      cause: err,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RicError(`endpoint ${endpoint} is not http(s)`, {
      class: 'Configuration',
      reason: 'InvalidEndpoint',
    });
  }
  return { origin: url.origin, base: url.pathname.replace(/\/+$/, '') };
}

/** A short, single-line excerpt of an error answer (JSON detail/message/title, or the raw body). */
export function answerDetail(res: JsonResponse): string {
  const d = res.data;
  if (typeof d === 'string' && d !== '') return d.slice(0, 200);
  if (d !== null && typeof d === 'object') {
    const o = d as Record<string, unknown>;
    for (const k of ['detail', 'message', 'title', 'error']) {
      const v = o[k];
      if (typeof v === 'string' && v !== '') return v.slice(0, 200);
    }
    return JSON.stringify(d).slice(0, 200);
  }
  return res.unparsed ?? `HTTP ${res.status}`;
}

export class RicHttp {
  private readonly pools = new Map<string, Dispatcher>();
  private readonly dispatcherFor: (origin: string) => Dispatcher;
  private readonly maxEndpoints: number;
  private readonly requestTimeoutMs: number;
  private readonly attempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;

  constructor(opts: RicHttpOptions = {}) {
    const connections = opts.connections ?? 4;
    this.dispatcherFor =
      opts.dispatcherFor ?? ((origin) => new Pool(origin, { connections, keepAliveTimeout: 30_000 }));
    this.maxEndpoints = Math.max(1, opts.maxEndpoints ?? 32);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 3000;
    this.attempts = Math.min(3, Math.max(1, opts.attempts ?? 3));
    this.backoff = {
      baseDelayMs: opts.backoff?.baseDelayMs ?? 200,
      maxDelayMs: opts.backoff?.maxDelayMs ?? 1000,
      random: opts.backoff?.random ?? Math.random,
    };
    this.sleep = opts.sleep ?? defaultSleep;
    this.now = opts.now ?? Date.now;
  }

  /** One request to `endpoint` + `path`; transport failures become RicError (Transient). */
  async send(
    endpoint: string,
    req: Omit<JsonRequest, 'origin' | 'timeoutMs'>,
    opts: RicCallOptions,
  ): Promise<JsonResponse> {
    const { origin, base } = splitEndpoint(endpoint);
    const what = `${req.method} ${base}${req.path}`;
    const timeoutMs = this.timeoutFor(opts, what);
    try {
      return await requestJson(this.dispatcher(origin), {
        ...req,
        origin,
        path: base + req.path,
        timeoutMs,
      });
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      const refused = (err.cause as { code?: unknown } | undefined)?.code === 'ECONNREFUSED';
      throw new RicError(`${endpoint}: ${err.message}`, {
        class: 'Transient',
        reason: err.kind === 'Timeout' ? 'Timeout' : err.kind === 'Aborted' ? 'Aborted' : 'ConnectionFailed',
        retryable: err.kind !== 'Aborted',
        // A refused connection never reached the server; a timeout or reset may have.
        uncertain: !refused,
        cause: err,
      });
    }
  }

  /**
   * Runs `fn` up to `attempts` times while `retry(error)` says so and the deadline allows.
   * Non-idempotent operations pass a narrower `retry`.
   */
  async operation<T>(
    opts: RicCallOptions,
    fn: () => Promise<T>,
    retry: (e: RicError) => boolean = (e) => e.retryable,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e =
          err instanceof RicError
            ? err
            : new RicError(err instanceof Error ? err.message : String(err), {
                class: 'Transient',
                reason: 'ClientError',
                cause: err,
              });
        const delay = backoffDelay(attempt, this.backoff);
        const timeLeft = opts.deadline === undefined ? Infinity : opts.deadline - this.now();
        if (!retry(e) || attempt >= this.attempts || timeLeft <= delay) throw e;
        await this.sleep(delay);
      }
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private dispatcher(origin: string): Dispatcher {
    const found = this.pools.get(origin);
    if (found !== undefined) {
      // Move to the back: Map iteration order is the LRU order.
      this.pools.delete(origin);
      this.pools.set(origin, found);
      return found;
    }
    while (this.pools.size >= this.maxEndpoints) {
      const [oldest, pool] = this.pools.entries().next().value as [string, Dispatcher];
      this.pools.delete(oldest);
      // In-flight requests on it finish; close() waits for them without blocking us.
      void pool.close().catch(() => undefined);
    }
    const created = this.dispatcherFor(origin);
    this.pools.set(origin, created);
    return created;
  }

  private timeoutFor(opts: RicCallOptions, what: string): number {
    if (opts.deadline === undefined) return this.requestTimeoutMs;
    const left = opts.deadline - this.now();
    if (left <= 0) {
      throw new RicError(`${what}: hook deadline exceeded before the request`, {
        class: 'Transient',
        reason: 'DeadlineExceeded',
      });
    }
    return Math.min(this.requestTimeoutMs, left);
  }
}

/** Classification shared by both RIC APIs for answers an operation does not treat specially. */
export function unexpectedAnswer(what: string, res: JsonResponse): RicError {
  const detail = answerDetail(res);
  const status = res.status;
  if (status >= 500) {
    return new RicError(`${what}: ${status} ${detail}`, {
      class: 'Transient',
      reason: `HTTP${status}`,
      httpStatus: status,
      retryable: true,
    });
  }
  if (status === 408 || status === 429) {
    // Transient, but not repeated inside this call: the next sync (after backoff) tries again.
    return new RicError(`${what}: ${status} ${detail}`, {
      class: 'Transient',
      reason: `HTTP${status}`,
      httpStatus: status,
    });
  }
  return new RicError(`${what}: ${status} ${detail}`, {
    class: status === 401 || status === 403 ? 'Configuration' : 'Permanent',
    reason: `HTTP${status}`,
    httpStatus: status,
  });
}

export function malformedAnswer(what: string, res: JsonResponse, expected: string): RicError {
  const body =
    res.unparsed ?? (res.data === undefined ? 'empty body' : JSON.stringify(res.data).slice(0, 200));
  return new RicError(`${what}: malformed answer (${res.status}): expected ${expected}, got ${body}`, {
    class: 'Transient',
    reason: 'MalformedResponse',
    httpStatus: res.status,
  });
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

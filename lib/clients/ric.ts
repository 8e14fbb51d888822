// What the A1 and E2 clients share: one pooled keep-alive dispatcher per RIC endpoint (origin), and
// the classification of answers neither treats specially. Endpoints come from CNF specs, so the pool
// cache is bounded: the least recently used pool is closed when a new one would exceed it.
import { Pool, type Dispatcher } from 'undici';
import { Lru } from '../lru.ts';
import {
  ApiError,
  Caller,
  requestJson,
  type CallerOptions,
  type CallOptions,
  type JsonRequest,
  type JsonResponse,
} from './http.ts';

export interface RicHttpOptions extends CallerOptions {
  /** Builds the dispatcher for one origin; defaults to an undici Pool. Tests pass a MockAgent. */
  dispatcherFor?: (origin: string) => Dispatcher;
  /** Connections per endpoint for the default Pool. */
  connections?: number;
  /** Endpoints (origins) with an open pool at most; the least recently used is closed beyond it. */
  maxEndpoints?: number;
}

/** Splits an endpoint URL into the origin (pool key) and a path prefix without trailing slash. */
export function splitEndpoint(endpoint: string): { origin: string; base: string } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (err) {
    throw new ApiError(`invalid endpoint ${JSON.stringify(endpoint)}`, {
      class: 'Configuration',
      reason: 'InvalidEndpoint',
      cause: err,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ApiError(`endpoint ${endpoint} is not http(s)`, {
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
  readonly caller: Caller;
  private readonly pools: Lru<Dispatcher>;
  private readonly dispatcherFor: (origin: string) => Dispatcher;

  constructor(opts: RicHttpOptions = {}) {
    const connections = opts.connections ?? 4;
    this.dispatcherFor =
      opts.dispatcherFor ?? ((origin) => new Pool(origin, { connections, keepAliveTimeout: 30_000 }));
    // In-flight requests on an evicted pool finish; close() waits for them without blocking us.
    this.pools = new Lru<Dispatcher>({
      maxEntries: opts.maxEndpoints ?? 32,
      onEvict: (_origin, pool) => void pool.close().catch(() => undefined),
    });
    this.caller = new Caller(
      { ...opts, attempts: Math.min(3, opts.attempts ?? 3) },
      { requestTimeoutMs: 3000, attempts: 3, maxDelayMs: 1000 },
    );
  }

  /** One request to `endpoint` + `path`; transport failures are ApiErrors naming the endpoint. */
  async send(
    endpoint: string,
    req: Omit<JsonRequest, 'origin' | 'timeoutMs'>,
    opts: CallOptions,
  ): Promise<JsonResponse> {
    const { origin, base } = splitEndpoint(endpoint);
    const timeoutMs = this.caller.timeoutFor(opts, `${req.method} ${base}${req.path}`);
    try {
      return await requestJson(this.dispatcher(origin), { ...req, origin, path: base + req.path, timeoutMs });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      throw new ApiError(`${endpoint}: ${err.message}`, {
        class: err.class,
        reason: err.reason,
        retryable: err.retryable,
        uncertain: err.uncertain,
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    const pools = this.pools.values();
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private dispatcher(origin: string): Dispatcher {
    const found = this.pools.get(origin);
    if (found !== undefined) return found;
    const created = this.dispatcherFor(origin);
    this.pools.set(origin, created);
    return created;
  }
}

/** Classification shared by both RIC APIs for answers an operation does not treat specially. */
export function unexpectedAnswer(what: string, res: JsonResponse): ApiError {
  const detail = answerDetail(res);
  const status = res.status;
  const base = { reason: `HTTP${status}` as const, httpStatus: status };
  if (status >= 500)
    return new ApiError(`${what}: ${status} ${detail}`, { ...base, class: 'Transient', retryable: true });
  // 408/429: Transient, but not repeated inside this call: the next sync (after backoff) tries again.
  if (status === 408 || status === 429)
    return new ApiError(`${what}: ${status} ${detail}`, { ...base, class: 'Transient' });
  return new ApiError(`${what}: ${status} ${detail}`, {
    ...base,
    class: status === 401 || status === 403 ? 'Configuration' : 'Permanent',
  });
}

export function malformedAnswer(what: string, res: JsonResponse, expected: string): ApiError {
  const body =
    res.unparsed ?? (res.data === undefined ? 'empty body' : JSON.stringify(res.data).slice(0, 200));
  return new ApiError(`${what}: malformed answer (${res.status}): expected ${expected}, got ${body}`, {
    class: 'Transient',
    reason: 'MalformedResponse',
    httpStatus: res.status,
  });
}

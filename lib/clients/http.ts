// The one HTTP seam every API client shares (Porch through the Kubernetes API server, A1 mediators,
// E2 subscription managers):
// - requestJson: one JSON request that never throws on an HTTP status (it answers {status, data} and
//   keeps the real status when the body does not parse); transport failures become ApiError;
// - ApiError: the one error type, with the reconciler's error class and reason;
// - Caller: the one retry loop (jittered exponential backoff, bounded by attempts and by the hook's
//   deadline) and the one per-request timeout rule.
import type { Dispatcher } from 'undici';
import type { ErrorClass } from '../types.ts';
import type { ErrorReason } from '../errors.ts';

export interface JsonResponse<T = unknown> {
  status: number;
  /** Parsed JSON body; undefined when the body is empty or not JSON. */
  data: T | undefined;
  /** Set when a non-empty body failed to parse: the first bytes of it, for the error message. */
  unparsed?: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface ApiErrorOptions {
  class: ErrorClass;
  reason: ErrorReason;
  httpStatus?: number | undefined;
  /** Whether repeating the operation (after re-reading, where it reads first) can succeed. */
  retryable?: boolean;
  /** The request may have taken effect although it failed (timeout, lost or malformed answer). */
  uncertain?: boolean;
  cause?: unknown;
}

/** Every failure of an API call, classified for status.lastError. */
export class ApiError extends Error {
  readonly class: ErrorClass;
  readonly reason: ErrorReason;
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  readonly uncertain: boolean;
  constructor(message: string, opts: ApiErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ApiError';
    this.class = opts.class;
    this.reason = opts.reason;
    this.httpStatus = opts.httpStatus;
    this.retryable = opts.retryable ?? false;
    this.uncertain = opts.uncertain ?? false;
  }
}

/** Anything thrown, as an ApiError (an unexpected one is a Transient ClientError). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(message, { class: 'Transient', reason: 'ClientError', cause: err });
}

export interface JsonRequest {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  origin: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Per-request timeout (headers and body). */
  timeoutMs: number;
}

const MAX_UNPARSED = 200;

/** Sends one request through `dispatcher`; resolves for every HTTP status, rejects with ApiError. */
export async function requestJson<T = unknown>(
  dispatcher: Dispatcher,
  req: JsonRequest,
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  const signal = AbortSignal.timeout(Math.max(1, req.timeoutMs));
  let res: Dispatcher.ResponseData;
  let text: string;
  try {
    res = await dispatcher.request({
      origin: req.origin,
      path: req.path,
      method: req.method,
      headers,
      body: body ?? null,
      signal,
    });
    text = await res.body.text();
  } catch (err) {
    throw transportError(err, req, signal);
  }
  const out: JsonResponse<T> = { status: res.statusCode, data: undefined, headers: res.headers };
  if (text.length > 0) {
    try {
      out.data = JSON.parse(text) as T;
    } catch {
      out.unparsed = text.slice(0, MAX_UNPARSED);
    }
  }
  return out;
}

/**
 * A timeout, an abort or a failed connection. Retryable unless aborted; `uncertain` unless the
 * connection was refused (a refused request never reached the server; a timed-out one may have).
 */
function transportError(err: unknown, req: JsonRequest, signal: AbortSignal): ApiError {
  const what = `${req.method} ${req.path}`;
  const e = err as { name?: string; code?: string; message?: string };
  const fail = (reason: ErrorReason, message: string, uncertain = true): ApiError =>
    new ApiError(message, {
      class: 'Transient',
      reason,
      retryable: reason !== 'Aborted',
      uncertain,
      cause: err,
    });
  if (signal.aborted) return fail('Timeout', `${what} timed out after ${req.timeoutMs} ms`);
  if (e.name === 'AbortError') return fail('Aborted', `${what} aborted`);
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return fail('Timeout', `${what} timed out (${e.code})`);
  }
  return fail(
    'ConnectionFailed',
    `${what} failed: ${e.code ?? e.message ?? String(err)}`,
    e.code !== 'ECONNREFUSED',
  );
}

/**
 * Error class for an HTTP status. 404 is Transient because aggregated APIs (Porch) are eventually
 * consistent: an object Metacontroller just created may not be readable yet.
 */
export function classifyStatus(status: number): ErrorClass {
  if (status === 401 || status === 403) return 'Configuration';
  if (status === 404 || status === 408 || status === 409 || status === 429 || status >= 500)
    return 'Transient';
  return 'Permanent';
}

/** Statuses worth repeating the same request for (after re-reading the object). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Kubernetes Status body fields, when the server sent one. */
export function statusDetails(data: unknown): { reason?: string; message?: string } {
  if (data === null || typeof data !== 'object') return {};
  const d = data as { reason?: unknown; message?: unknown };
  const out: { reason?: string; message?: string } = {};
  if (typeof d.reason === 'string' && d.reason !== '') out.reason = d.reason;
  if (typeof d.message === 'string' && d.message !== '') out.message = d.message;
  return out;
}

export interface CallOptions {
  /** Absolute deadline (epoch ms) for the whole operation including retries. */
  deadline?: number;
}

export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Uniform [0, 1); injected so tests are deterministic. */
  random: () => number;
}

/**
 * Delay before retry number `retry` (1 = first retry): exponential, capped, with "equal jitter"
 * (half fixed, half random) so concurrent clients spread out but never retry instantly.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(exp / 2 + policy.random() * (exp / 2));
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

export interface CallerOptions {
  requestTimeoutMs?: number;
  /** Total attempts per operation (first try included). */
  attempts?: number;
  backoff?: Partial<BackoffPolicy>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** How a client calls its API: per-request timeouts and the bounded retry loop. */
export class Caller {
  readonly now: () => number;
  private readonly requestTimeoutMs: number;
  private readonly attempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    opts: CallerOptions,
    defaults: { requestTimeoutMs: number; attempts: number; maxDelayMs: number },
  ) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? defaults.requestTimeoutMs;
    this.attempts = Math.max(1, opts.attempts ?? defaults.attempts);
    this.backoff = {
      baseDelayMs: opts.backoff?.baseDelayMs ?? 200,
      maxDelayMs: opts.backoff?.maxDelayMs ?? defaults.maxDelayMs,
      random: opts.backoff?.random ?? Math.random,
    };
    this.sleep = opts.sleep ?? sleep;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Runs `fn` up to `attempts` times while `retry(error)` says so and the deadline leaves time for
   * the backoff. Non-idempotent operations pass a narrower `retry`.
   */
  async retrying<T>(
    opts: CallOptions,
    fn: () => Promise<T>,
    retry: (e: ApiError) => boolean = (e) => e.retryable,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = toApiError(err);
        const delay = backoffDelay(attempt, this.backoff);
        const timeLeft = opts.deadline === undefined ? Infinity : opts.deadline - this.now();
        if (!retry(e) || attempt >= this.attempts || timeLeft <= delay) throw e;
        await this.sleep(delay);
      }
    }
  }

  /** The timeout of one request: the configured one, or what is left before the deadline. */
  timeoutFor(opts: CallOptions, what: string): number {
    if (opts.deadline === undefined) return this.requestTimeoutMs;
    const left = opts.deadline - this.now();
    if (left <= 0) {
      throw new ApiError(`${what}: hook deadline exceeded before the request`, {
        class: 'Transient',
        reason: 'DeadlineExceeded',
      });
    }
    return Math.min(this.requestTimeoutMs, left);
  }
}

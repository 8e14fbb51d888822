// The one HTTP seam the API clients share: a JSON request that never throws on an HTTP status (it
// answers {status, data} and keeps the real status when the body does not parse), error
// classification into the reconciler's error classes, and jittered exponential backoff.
// Transport failures (timeout, refused connection, reset) are thrown as TransportError.
import type { Dispatcher } from 'undici';
import type { ErrorClass } from '../types.ts';

export interface JsonResponse<T = unknown> {
  status: number;
  /** Parsed JSON body; undefined when the body is empty or not JSON. */
  data: T | undefined;
  /** Set when a non-empty body failed to parse: the first bytes of it, for the error message. */
  unparsed?: string;
  headers: Record<string, string | string[] | undefined>;
}

export type TransportFailure = 'Timeout' | 'Connection' | 'Aborted';

export class TransportError extends Error {
  readonly kind: TransportFailure;
  constructor(kind: TransportFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.kind = kind;
  }
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

/** Sends one request through `dispatcher`; resolves for every HTTP status, rejects with TransportError. */
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
    throw toTransportError(err, req, signal);
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

function toTransportError(err: unknown, req: JsonRequest, signal: AbortSignal): TransportError {
  const what = `${req.method} ${req.path}`;
  if (signal.aborted) {
    return new TransportError('Timeout', `${what} timed out after ${req.timeoutMs} ms`, { cause: err });
  }
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'AbortError') return new TransportError('Aborted', `${what} aborted`, { cause: err });
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return new TransportError('Timeout', `${what} timed out (${e.code})`, { cause: err });
  }
  const detail = e.code ?? e.message ?? String(err);
  return new TransportError('Connection', `${what} failed: ${detail}`, { cause: err });
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

/** Kubernetes Status body fields, when the server sent one. */
export function statusDetails(data: unknown): { reason?: string; message?: string } {
  if (data === null || typeof data !== 'object') return {};
  const d = data as { kind?: unknown; reason?: unknown; message?: unknown };
  const out: { reason?: string; message?: string } = {};
  if (typeof d.reason === 'string' && d.reason !== '') out.reason = d.reason;
  if (typeof d.message === 'string' && d.message !== '') out.message = d.message;
  return out;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

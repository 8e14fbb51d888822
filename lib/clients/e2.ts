// E2 subscription client for the O-RAN SC subscription manager (REST, base /ric/v1). Creating is
// not idempotent (each POST makes a new subscription), so a create is repeated inside one call only
// when the request certainly did not take effect: 503 (E2 node not connected) or a refused
// connection. A timeout, a reset or a 2xx without an id is reported as `uncertain`, and the
// reconciler bounds how often that may happen (docs/oran.md). Deleting is idempotent (404 = gone).
import type { E2SubscriptionRequest } from '../types.ts';
import { isObject } from '../json.ts';
import { ApiError, type CallOptions } from './http.ts';
import { answerDetail, malformedAnswer, RicHttp, unexpectedAnswer, type RicHttpOptions } from './ric.ts';
import type { DeleteOutcome } from './a1.ts';
import { Lru } from '../lru.ts';

const E2_BASE = '/ric/v1';

/** What the hooks need from a subscription manager; tests substitute their own. */
export interface E2Client {
  /** Resolves to the SubscriptionId the subscription manager gave. */
  createSubscription(endpoint: string, request: E2SubscriptionRequest, opts?: CallOptions): Promise<string>;
  deleteSubscription(endpoint: string, subscriptionId: string, opts?: CallOptions): Promise<DeleteOutcome>;
  close(): Promise<void>;
}

export class E2HttpClient implements E2Client {
  private readonly http: RicHttp;

  constructor(opts: RicHttpOptions = {}) {
    this.http = new RicHttp(opts);
  }

  createSubscription(
    endpoint: string,
    request: E2SubscriptionRequest,
    opts: CallOptions = {},
  ): Promise<string> {
    const path = `${E2_BASE}/subscriptions`;
    const what = `POST ${path}`;
    return this.http.caller.retrying(
      opts,
      async () => {
        const res = await this.http.send(endpoint, { method: 'POST', path, body: request }, opts);
        if (res.status === 200 || res.status === 201) {
          const id = isObject(res.data) ? res.data['SubscriptionId'] : undefined;
          if (typeof id === 'string' && id !== '') return id;
          if (typeof id === 'number') return String(id);
          // Created, most likely, but without an id we cannot delete it: say so.
          const e = malformedAnswer(what, res, '{SubscriptionId}');
          throw new ApiError(e.message, {
            class: 'Transient',
            reason: e.reason,
            httpStatus: res.status,
            uncertain: true,
          });
        }
        if (res.status === 503) {
          throw new ApiError(`${what}: 503 E2 node not connected: ${answerDetail(res)}`, {
            class: 'Transient',
            reason: 'E2NodeNotConnected',
            httpStatus: 503,
            retryable: true,
          });
        }
        if (res.status === 400) {
          throw new ApiError(`${what}: 400 subscription request refused: ${answerDetail(res)}`, {
            class: 'Configuration',
            reason: 'InvalidSubscription',
            httpStatus: 400,
          });
        }
        const e = unexpectedAnswer(what, res);
        // Any other 5xx: the subscription manager may have registered it before failing.
        if (res.status >= 500) {
          throw new ApiError(e.message, {
            class: e.class,
            reason: e.reason,
            httpStatus: res.status,
            uncertain: true,
          });
        }
        throw e;
      },
      // Repeat only what certainly did not create anything.
      (e) => e.retryable && !e.uncertain,
    );
  }

  deleteSubscription(
    endpoint: string,
    subscriptionId: string,
    opts: CallOptions = {},
  ): Promise<DeleteOutcome> {
    const path = `${E2_BASE}/subscriptions/${encodeURIComponent(subscriptionId)}`;
    return this.http.caller.retrying(opts, async () => {
      const res = await this.http.send(endpoint, { method: 'DELETE', path }, opts);
      if (res.status === 200 || res.status === 202 || res.status === 204) return 'deleted';
      if (res.status === 404) return 'gone';
      throw unexpectedAnswer(`DELETE ${path}`, res);
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/**
 * Remembers the subscriptions this process created, so that repeating the same create soon after
 * returns the id it already has instead of POSTing again. Needed because Metacontroller may call
 * sync again with a parent from its informer cache that does not yet hold the status (and so the
 * subscription id) written from the previous answer: without this, that second sync would create a
 * duplicate subscription. Keyed by endpoint and the exact request; bounded in size and age; a
 * successful delete forgets the id. Another hook replica does not share this memory (docs/oran.md).
 */
export class RecentCreatesE2Client implements E2Client {
  private readonly created: Lru<{ id: string; at: number }>;
  private readonly inner: E2Client;
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(inner: E2Client, opts: { now: () => number; ttlMs?: number; maxEntries?: number }) {
    this.inner = inner;
    this.now = opts.now;
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.created = new Lru({ maxEntries: opts.maxEntries ?? 1024 });
  }

  async createSubscription(
    endpoint: string,
    request: E2SubscriptionRequest,
    opts?: CallOptions,
  ): Promise<string> {
    const key = `${endpoint}\n${JSON.stringify(request)}`;
    const seen = this.created.get(key);
    if (seen !== undefined && this.now() - seen.at < this.ttlMs) return seen.id;
    const id = await this.inner.createSubscription(endpoint, request, opts);
    this.created.set(key, { id, at: this.now() });
    return id;
  }

  async deleteSubscription(
    endpoint: string,
    subscriptionId: string,
    opts?: CallOptions,
  ): Promise<DeleteOutcome> {
    const outcome = await this.inner.deleteSubscription(endpoint, subscriptionId, opts);
    for (const [k, v] of this.created.entries()) if (v.id === subscriptionId) this.created.delete(k);
    return outcome;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

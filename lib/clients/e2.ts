// E2 subscription client for the O-RAN SC subscription manager (REST, base /ric/v1). Creating is
// not idempotent (each POST makes a new subscription), so a create is repeated inside one call only
// when the request certainly did not take effect: 503 (E2 node not connected) or a refused
// connection. A timeout, a reset or a 2xx without an id is reported as `uncertain`, and the
// reconciler bounds how often that may happen (docs/oran.md). Deleting is idempotent (404 = gone).
import type { E2SubscriptionRequest } from '../types.ts';
import {
  answerDetail,
  isObject,
  malformedAnswer,
  RicError,
  RicHttp,
  unexpectedAnswer,
  type RicCallOptions,
  type RicHttpOptions,
} from './ric.ts';
import type { DeleteOutcome } from './a1.ts';

export const E2_BASE = '/ric/v1';

/** What the hooks need from a subscription manager; tests substitute their own. */
export interface E2Client {
  /** Resolves to the SubscriptionId the subscription manager gave. */
  createSubscription(
    endpoint: string,
    request: E2SubscriptionRequest,
    opts?: RicCallOptions,
  ): Promise<string>;
  deleteSubscription(endpoint: string, subscriptionId: string, opts?: RicCallOptions): Promise<DeleteOutcome>;
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
    opts: RicCallOptions = {},
  ): Promise<string> {
    const path = `${E2_BASE}/subscriptions`;
    const what = `POST ${path}`;
    return this.http.operation(
      opts,
      async () => {
        const res = await this.http.send(endpoint, { method: 'POST', path, body: request }, opts);
        if (res.status === 200 || res.status === 201) {
          const id = isObject(res.data) ? res.data['SubscriptionId'] : undefined;
          if (typeof id === 'string' && id !== '') return id;
          if (typeof id === 'number') return String(id);
          // Created, most likely, but without an id we cannot delete it: say so.
          const e = malformedAnswer(what, res, '{SubscriptionId}');
          throw new RicError(e.message, {
            class: 'Transient',
            reason: e.reason,
            httpStatus: res.status,
            uncertain: true,
          });
        }
        if (res.status === 503) {
          throw new RicError(`${what}: 503 E2 node not connected: ${answerDetail(res)}`, {
            class: 'Transient',
            reason: 'E2NodeNotConnected',
            httpStatus: 503,
            retryable: true,
          });
        }
        if (res.status === 400) {
          throw new RicError(`${what}: 400 subscription request refused: ${answerDetail(res)}`, {
            class: 'Configuration',
            reason: 'InvalidSubscription',
            httpStatus: 400,
          });
        }
        const e = unexpectedAnswer(what, res);
        // Any other 5xx: the subscription manager may have registered it before failing.
        if (res.status >= 500) {
          throw new RicError(e.message, {
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
    opts: RicCallOptions = {},
  ): Promise<DeleteOutcome> {
    const path = `${E2_BASE}/subscriptions/${encodeURIComponent(subscriptionId)}`;
    return this.http.operation(opts, async () => {
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

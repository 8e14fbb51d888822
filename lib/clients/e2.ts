// E2 subscription client for the O-RAN SC subscription manager (REST, base /ric/v1). Creating is
// not idempotent (each POST makes a new subscription), so a create first lists the subscriptions
// (GET /ric/v1/subscriptions) and answers the id of one made from exactly this request, if listed;
// the lookup keeps no memory, so every hook replica sees the same answer (docs/oran.md). A failed
// lookup creates nothing: it is Transient, and the next sync looks again. The POST is repeated
// inside one call only when it certainly did not take effect: 503 (E2 node not connected) or a
// refused connection. A timeout, a reset or a 2xx without an id is reported as `uncertain`, and the
// reconciler bounds how often that may happen (docs/oran.md). Deleting is idempotent (404 = gone).
import type { E2SubscriptionRequest } from '../types.ts';
import { canonicalJson, isObject } from '../json.ts';
import { ApiError, toApiError, type CallOptions } from './http.ts';
import { answerDetail, malformedAnswer, RicHttp, unexpectedAnswer, type RicHttpOptions } from './ric.ts';
import type { DeleteOutcome } from './a1.ts';

const SUBSCRIPTIONS = '/ric/v1/subscriptions';

/** What the hooks need from a subscription manager; tests substitute their own. */
export interface E2Client {
  /** Resolves to the SubscriptionId the subscription manager gave (now, or to an earlier create). */
  createSubscription(endpoint: string, request: E2SubscriptionRequest, opts?: CallOptions): Promise<string>;
  deleteSubscription(endpoint: string, subscriptionId: string, opts?: CallOptions): Promise<DeleteOutcome>;
  close(): Promise<void>;
}

/**
 * What identifies the subscription a request makes: everything but the optional SubscriptionId,
 * compared as canonical JSON (key order aside, exact). A listed entry without these fields — O-RAN
 * SC lists E2-level entries `{SubscriptionId: <E2 instance>, Meid, ClientEndpoint: ["host:port"]}`
 * — never equals a request, so it is never taken for one (docs/oran.md).
 */
function identity(r: Record<string, unknown>): string {
  return canonicalJson([r['ClientEndpoint'], r['Meid'], r['RANFunctionID'], r['SubscriptionDetails']]);
}

/** The id of a listed entry, when it has one we could DELETE by. */
function listedId(entry: Record<string, unknown>): string | undefined {
  const id = entry['SubscriptionId'];
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number') return String(id);
  return undefined;
}

export class E2HttpClient implements E2Client {
  private readonly http: RicHttp;

  constructor(opts: RicHttpOptions = {}) {
    this.http = new RicHttp(opts);
  }

  async createSubscription(
    endpoint: string,
    request: E2SubscriptionRequest,
    opts: CallOptions = {},
  ): Promise<string> {
    const existing = await this.findSubscription(endpoint, request, opts);
    return existing ?? this.post(endpoint, request, opts);
  }

  /**
   * The id of the first listed subscription made from exactly `request`, or undefined. A GET is
   * safe to repeat, so it is retried like any read; when it still fails the error is Transient and
   * never `uncertain` (nothing was sent that could have created anything).
   */
  private async findSubscription(
    endpoint: string,
    request: E2SubscriptionRequest,
    opts: CallOptions,
  ): Promise<string | undefined> {
    const what = `GET ${SUBSCRIPTIONS}`;
    let listed: unknown[];
    try {
      listed = await this.http.caller.retrying(opts, async () => {
        const res = await this.http.send(endpoint, { method: 'GET', path: SUBSCRIPTIONS }, opts);
        if (res.status !== 200) throw unexpectedAnswer(what, res);
        if (!Array.isArray(res.data)) throw malformedAnswer(what, res, 'an array of subscriptions');
        return res.data as unknown[];
      });
    } catch (err) {
      const e = toApiError(err);
      throw new ApiError(
        `${e.message} (listing existing subscriptions before creating; nothing was created)`,
        { class: 'Transient', reason: e.reason, httpStatus: e.httpStatus, cause: e },
      );
    }
    const wanted = identity(request as unknown as Record<string, unknown>);
    for (const entry of listed) {
      if (!isObject(entry) || identity(entry) !== wanted) continue;
      const id = listedId(entry);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  private post(endpoint: string, request: E2SubscriptionRequest, opts: CallOptions): Promise<string> {
    const what = `POST ${SUBSCRIPTIONS}`;
    return this.http.caller.retrying(
      opts,
      async () => {
        const res = await this.http.send(
          endpoint,
          { method: 'POST', path: SUBSCRIPTIONS, body: request },
          opts,
        );
        if (res.status === 200 || res.status === 201) {
          const id = isObject(res.data) ? listedId(res.data) : undefined;
          if (id !== undefined) return id;
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
    const path = `${SUBSCRIPTIONS}/${encodeURIComponent(subscriptionId)}`;
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

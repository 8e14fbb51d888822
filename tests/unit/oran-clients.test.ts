// A1 and E2 clients against recorded request/response shapes of the O-RAN SC a1mediator (A1-P v2)
// and subscription manager (/ric/v1), through undici's MockAgent (no real network); the E2 create's
// lookup also against the O-RAN responder double on 127.0.0.1, with two clients as two replicas.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { MockAgent, type Dispatcher } from 'undici';
import { A1HttpClient } from '../../lib/clients/a1.ts';
import { E2HttpClient } from '../../lib/clients/e2.ts';
import { dispatch, type OranClients } from '../../hooks/dispatch.ts';
import { ApiError } from '../../lib/clients/http.ts';
import type { PorchClient } from '../../lib/clients/porch.ts';
import { RicHttp, splitEndpoint } from '../../lib/clients/ric.ts';
import type { E2SubscriptionRequest, OranAction } from '../../lib/types.ts';
import { OranResponder } from '../doubles/oran-responder.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork({ allowLoopback: true });

const A1 = 'http://ric-a1mediator.ricplt:10000';
const SUBMGR = 'http://service-ricplt-submgr-http.ricplt:8088';

let agent: MockAgent;
let sleeps: number[];

function opts(extra: Record<string, unknown> = {}) {
  return {
    dispatcherFor: (): Dispatcher => agent,
    requestTimeoutMs: 200,
    backoff: { random: () => 0.5 },
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...extra,
  };
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  sleeps = [];
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

/** The subscription manager lists no subscription (the lookup before each create), `times` times. */
function listsNothing(times = 1): void {
  agent.get(SUBMGR).intercept({ path: '/ric/v1/subscriptions', method: 'GET' }).reply(200, []).times(times);
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a failure');
}

const request: E2SubscriptionRequest = {
  ClientEndpoint: { Host: 'odu.ran', HTTPPort: 8080, RMRPort: 4560 },
  Meid: 'gnb_001_001_00019b',
  RANFunctionID: 2,
  SubscriptionDetails: [
    {
      XappEventInstanceId: 1,
      EventTriggers: [8, 39, 15],
      ActionToBeSetupList: [
        {
          ActionID: 1,
          ActionType: 'report',
          ActionDefinition: [5, 6],
          SubsequentAction: { SubsequentActionType: 'continue', TimeToWait: 'zero' },
        },
      ],
    },
  ],
};

describe('A1 client (A1-P v2)', () => {
  it('creates a policy type (201), and treats 400 for an existing one as exists', async () => {
    const body = { name: 'tsa', description: '', policy_type_id: 20008, create_schema: { type: 'object' } };
    const pool = agent.get(A1);
    pool
      .intercept({ path: '/A1-P/v2/policytypes/20008', method: 'PUT', body: JSON.stringify(body) })
      .reply(201, '');
    pool
      .intercept({ path: '/A1-P/v2/policytypes/20008', method: 'PUT' })
      .reply(400, 'policy type already exists');
    pool.intercept({ path: '/A1-P/v2/policytypes/20008', method: 'GET' }).reply(200, body);
    const a1 = new A1HttpClient(opts());
    expect(await a1.putPolicyType(A1, 20008, body)).toBe('created');
    expect(await a1.putPolicyType(A1, 20008, body)).toBe('exists');
  });

  it('a 400 for a type that does not exist is a Configuration error', async () => {
    const pool = agent.get(A1);
    pool
      .intercept({ path: '/A1-P/v2/policytypes/7', method: 'PUT' })
      .reply(400, { detail: 'bad create_schema' });
    pool.intercept({ path: '/A1-P/v2/policytypes/7', method: 'GET' }).reply(404, '');
    const e = await failure(
      new A1HttpClient(opts()).putPolicyType(A1, 7, {
        name: 'x',
        description: '',
        policy_type_id: 7,
        create_schema: {},
      }),
    );
    expect(e).toMatchObject({ class: 'Configuration', reason: 'InvalidPolicyType', httpStatus: 400 });
    expect(e.message).toContain('bad create_schema');
  });

  it('creates and replaces a policy (PUT → 202), the body being the policy itself', async () => {
    const pool = agent.get(A1);
    const path = '/A1-P/v2/policytypes/20008/policies/ran-odu-1-20008';
    pool.intercept({ path, method: 'PUT', body: '{"threshold":5}' }).reply(202, '');
    pool.intercept({ path, method: 'PUT', body: '{"threshold":6}' }).reply(202, '');
    const a1 = new A1HttpClient(opts());
    await a1.putPolicy(A1, 20008, 'ran-odu-1-20008', { threshold: 5 });
    await a1.putPolicy(A1, 20008, 'ran-odu-1-20008', { threshold: 6 });
  });

  it('reads the enforcement status: ENFORCED, NOT_ENFORCED with its reason, absent on 404', async () => {
    const pool = agent.get(A1);
    const status = (id: string) => `/A1-P/v2/policytypes/20008/policies/${id}/status`;
    pool.intercept({ path: status('a'), method: 'GET' }).reply(200, { enforceStatus: 'ENFORCED' });
    pool
      .intercept({ path: status('b'), method: 'GET' })
      .reply(200, { enforceStatus: 'NOT_ENFORCED', enforceReason: 'STATEMENT_NOT_APPLICABLE' });
    pool.intercept({ path: status('c'), method: 'GET' }).reply(404, '');
    const a1 = new A1HttpClient(opts());
    expect(await a1.getPolicyStatus(A1, 20008, 'a')).toEqual({ enforceStatus: 'ENFORCED' });
    expect(await a1.getPolicyStatus(A1, 20008, 'b')).toEqual({
      enforceStatus: 'NOT_ENFORCED',
      enforceReason: 'STATEMENT_NOT_APPLICABLE',
    });
    expect(await a1.getPolicyStatus(A1, 20008, 'c')).toEqual({ enforceStatus: 'absent' });
  });

  it('404 for an unknown policy type and 400 for an invalid policy are Configuration errors', async () => {
    const pool = agent.get(A1);
    pool.intercept({ path: '/A1-P/v2/policytypes/99/policies/p', method: 'PUT' }).reply(404, '');
    pool
      .intercept({ path: '/A1-P/v2/policytypes/20008/policies/p', method: 'PUT' })
      .reply(400, { detail: "'threshold' is a required property" });
    const a1 = new A1HttpClient(opts());
    expect(await failure(a1.putPolicy(A1, 99, 'p', {}))).toMatchObject({
      class: 'Configuration',
      reason: 'UnknownPolicyType',
      httpStatus: 404,
    });
    const invalid = await failure(a1.putPolicy(A1, 20008, 'p', {}));
    expect(invalid).toMatchObject({ class: 'Configuration', reason: 'PolicyInvalid', httpStatus: 400 });
    expect(invalid.message).toContain('required property');
    expect(sleeps).toEqual([]);
  });

  it('retries 503 with backoff, then succeeds; gives up after 3 attempts', async () => {
    const pool = agent.get(A1);
    const path = '/A1-P/v2/policytypes/20008/policies/p';
    pool.intercept({ path, method: 'PUT' }).reply(503, 'unavailable');
    pool.intercept({ path, method: 'PUT' }).reply(202, '');
    const a1 = new A1HttpClient(opts());
    await a1.putPolicy(A1, 20008, 'p', {});
    expect(sleeps).toEqual([150]);

    pool.intercept({ path, method: 'PUT' }).reply(503, 'unavailable').times(3);
    const e = await failure(a1.putPolicy(A1, 20008, 'p', {}));
    expect(e).toMatchObject({ class: 'Transient', reason: 'HTTP503', httpStatus: 503 });
    expect(sleeps).toEqual([150, 150, 300]);
  });

  it('other refusals are Permanent and not retried; 401/403 are Configuration', async () => {
    const pool = agent.get(A1);
    pool.intercept({ path: '/A1-P/v2/policytypes/1/policies/p', method: 'PUT' }).reply(409, 'conflict');
    pool.intercept({ path: '/A1-P/v2/policytypes/1/policies/q', method: 'PUT' }).reply(403, 'forbidden');
    const a1 = new A1HttpClient(opts());
    expect(await failure(a1.putPolicy(A1, 1, 'p', {}))).toMatchObject({
      class: 'Permanent',
      httpStatus: 409,
    });
    expect(await failure(a1.putPolicy(A1, 1, 'q', {}))).toMatchObject({
      class: 'Configuration',
      httpStatus: 403,
    });
    expect(sleeps).toEqual([]);
  });

  it('a malformed status answer is a typed error that keeps the HTTP status', async () => {
    const pool = agent.get(A1);
    const path = '/A1-P/v2/policytypes/1/policies/p/status';
    pool.intercept({ path, method: 'GET' }).reply(200, '<html>gateway</html>');
    pool.intercept({ path, method: 'GET' }).reply(200, { instance_status: 'IN EFFECT' });
    const a1 = new A1HttpClient(opts());
    const e = await failure(a1.getPolicyStatus(A1, 1, 'p'));
    expect(e).toMatchObject({ class: 'Transient', reason: 'MalformedResponse', httpStatus: 200 });
    expect(e.message).toContain('<html>gateway</html>');
    expect(await failure(a1.getPolicyStatus(A1, 1, 'p'))).toMatchObject({
      reason: 'MalformedResponse',
      httpStatus: 200,
    });
  });

  it('deletes a policy (202), and a policy already gone (404) is fine', async () => {
    const pool = agent.get(A1);
    pool.intercept({ path: '/A1-P/v2/policytypes/1/policies/p', method: 'DELETE' }).reply(202, '');
    pool.intercept({ path: '/A1-P/v2/policytypes/1/policies/p', method: 'DELETE' }).reply(404, '');
    const a1 = new A1HttpClient(opts());
    expect(await a1.deletePolicy(A1, 1, 'p')).toBe('deleted');
    expect(await a1.deletePolicy(A1, 1, 'p')).toBe('gone');
  });

  it('keeps a path prefix of the endpoint and escapes ids', async () => {
    agent
      .get('http://kong.ricplt:32080')
      .intercept({ path: '/a1mediator/A1-P/v2/policytypes/1/policies/a%2Fb', method: 'DELETE' })
      .reply(204, '');
    const a1 = new A1HttpClient(opts());
    expect(await a1.deletePolicy('http://kong.ricplt:32080/a1mediator/', 1, 'a/b')).toBe('deleted');
  });

  it('connection errors and timeouts are Transient and retried', async () => {
    const pool = agent.get(A1);
    const path = '/A1-P/v2/policytypes/1/policies/p/status';
    pool
      .intercept({ path, method: 'GET' })
      .replyWithError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    pool.intercept({ path, method: 'GET' }).reply(200, { enforceStatus: 'ENFORCED' }).delay(1000);
    pool.intercept({ path, method: 'GET' }).reply(200, { enforceStatus: 'ENFORCED' });
    const a1 = new A1HttpClient(opts({ requestTimeoutMs: 50 }));
    expect(await a1.getPolicyStatus(A1, 1, 'p')).toEqual({ enforceStatus: 'ENFORCED' });
    expect(sleeps).toHaveLength(2);
  });

  it('stops at the hook deadline', async () => {
    const a1 = new A1HttpClient(opts({ now: () => 1000 }));
    expect(await failure(a1.getPolicyStatus(A1, 1, 'p', { deadline: 999 }))).toMatchObject({
      class: 'Transient',
      reason: 'DeadlineExceeded',
    });
  });
});

describe('E2 subscription client (/ric/v1)', () => {
  it('creates a subscription (201 → SubscriptionId) with the submgr request shape', async () => {
    listsNothing();
    agent
      .get(SUBMGR)
      .intercept({ path: '/ric/v1/subscriptions', method: 'POST', body: JSON.stringify(request) })
      .reply(201, { SubscriptionId: 'xapp-odu-17' });
    expect(await new E2HttpClient(opts()).createSubscription(SUBMGR, request)).toBe('xapp-odu-17');
  });

  it('503 (E2 node not connected) is Transient and retried; three in a row fail', async () => {
    listsNothing(2);
    const pool = agent.get(SUBMGR);
    pool.intercept({ path: '/ric/v1/subscriptions', method: 'POST' }).reply(503, 'E2 node not connected');
    pool.intercept({ path: '/ric/v1/subscriptions', method: 'POST' }).reply(201, { SubscriptionId: 'id-2' });
    const e2 = new E2HttpClient(opts());
    expect(await e2.createSubscription(SUBMGR, request)).toBe('id-2');
    pool
      .intercept({ path: '/ric/v1/subscriptions', method: 'POST' })
      .reply(503, 'E2 node not connected')
      .times(3);
    expect(await failure(e2.createSubscription(SUBMGR, request))).toMatchObject({
      class: 'Transient',
      reason: 'E2NodeNotConnected',
      httpStatus: 503,
      uncertain: false,
    });
  });

  it('a 201 without an id, a 500 or a timeout are uncertain and never repeated in the call', async () => {
    listsNothing(3);
    const pool = agent.get(SUBMGR);
    pool.intercept({ path: '/ric/v1/subscriptions', method: 'POST' }).reply(201, 'ok');
    pool.intercept({ path: '/ric/v1/subscriptions', method: 'POST' }).reply(500, 'internal');
    pool
      .intercept({ path: '/ric/v1/subscriptions', method: 'POST' })
      .reply(201, { SubscriptionId: 'late' })
      .delay(1000);
    const e2 = new E2HttpClient(opts({ requestTimeoutMs: 50 }));
    expect(await failure(e2.createSubscription(SUBMGR, request))).toMatchObject({
      class: 'Transient',
      reason: 'MalformedResponse',
      httpStatus: 201,
      uncertain: true,
    });
    expect(await failure(e2.createSubscription(SUBMGR, request))).toMatchObject({
      reason: 'HTTP500',
      uncertain: true,
    });
    expect(await failure(e2.createSubscription(SUBMGR, request))).toMatchObject({
      reason: 'Timeout',
      uncertain: true,
    });
    expect(sleeps).toEqual([]);
  });

  it('400 is a Configuration error', async () => {
    listsNothing();
    agent
      .get(SUBMGR)
      .intercept({ path: '/ric/v1/subscriptions', method: 'POST' })
      .reply(400, 'bad RANFunctionID');
    expect(await failure(new E2HttpClient(opts()).createSubscription(SUBMGR, request))).toMatchObject({
      class: 'Configuration',
      reason: 'InvalidSubscription',
    });
  });

  it('deletes a subscription (204), and one already gone (404) is fine', async () => {
    const pool = agent.get(SUBMGR);
    pool.intercept({ path: '/ric/v1/subscriptions/id-1', method: 'DELETE' }).reply(204, '');
    pool.intercept({ path: '/ric/v1/subscriptions/id-1', method: 'DELETE' }).reply(404, '');
    pool
      .intercept({ path: '/ric/v1/subscriptions/id-2', method: 'DELETE' })
      .reply(502, 'bad gateway')
      .times(3);
    const e2 = new E2HttpClient(opts());
    expect(await e2.deleteSubscription(SUBMGR, 'id-1')).toBe('deleted');
    expect(await e2.deleteSubscription(SUBMGR, 'id-1')).toBe('gone');
    expect(await failure(e2.deleteSubscription(SUBMGR, 'id-2'))).toMatchObject({
      class: 'Transient',
      httpStatus: 502,
    });
  });
});

describe('E2 create: the lookup before the POST', () => {
  const other = { ...request, RANFunctionID: 3 };

  it('answers the id of a listed subscription made from exactly this request, without a POST', async () => {
    agent
      .get(SUBMGR)
      .intercept({ path: '/ric/v1/subscriptions', method: 'GET' })
      .reply(200, [
        // O-RAN SC's E2-level entries carry neither the request nor the REST id: never a match.
        {
          SubscriptionId: 7,
          Meid: request.Meid,
          ClientEndpoint: ['odu.ran:4560'],
          SubscriptionInstances: null,
        },
        { ...other, SubscriptionId: 'other-1' },
        { ...request, SubscriptionId: '' },
        'not an object',
        // Key order does not matter; the request does, exactly.
        {
          SubscriptionDetails: request.SubscriptionDetails,
          SubscriptionId: 'mine-2',
          RANFunctionID: 2,
          Meid: request.Meid,
          ClientEndpoint: { RMRPort: 4560, HTTPPort: 8080, Host: 'odu.ran' },
        },
        { ...request, SubscriptionId: 'mine-3' },
      ]);
    expect(await new E2HttpClient(opts()).createSubscription(SUBMGR, request)).toBe('mine-2');
  });

  it('a failed lookup creates nothing: Transient, never uncertain, after the usual retries', async () => {
    const pool = agent.get(SUBMGR);
    pool.intercept({ path: '/ric/v1/subscriptions', method: 'GET' }).reply(500, 'internal').times(3);
    pool.intercept({ path: '/ric/v1/subscriptions', method: 'GET' }).reply(200, { not: 'a list' });
    pool.intercept({ path: '/ric/v1/subscriptions', method: 'GET' }).reply(404, 'no such route');
    pool.intercept({ path: '/ric/v1/subscriptions', method: 'GET' }).reply(200, []).delay(1000).times(3);
    const e2 = new E2HttpClient(opts({ requestTimeoutMs: 50 }));
    const notCreated = { class: 'Transient', uncertain: false, retryable: false };
    expect(await failure(e2.createSubscription(SUBMGR, request))).toMatchObject({
      ...notCreated,
      reason: 'HTTP500',
      httpStatus: 500,
      message: expect.stringContaining('nothing was created'),
    });
    expect(sleeps).toHaveLength(2);
    expect(await failure(e2.createSubscription(SUBMGR, request))).toMatchObject({
      ...notCreated,
      reason: 'MalformedResponse',
    });
    expect(await failure(e2.createSubscription(SUBMGR, request))).toMatchObject({
      ...notCreated,
      reason: 'HTTP404',
    });
    expect(await failure(e2.createSubscription(SUBMGR, request))).toMatchObject({
      ...notCreated,
      reason: 'Timeout',
    });
    // No POST was made: the agent has no POST interceptor, and none is pending.
  });
});

describe('E2 create against the subscription manager double (two hook replicas)', () => {
  let ric: OranResponder;
  let url: string;
  let replicas: E2HttpClient[];
  const real = { requestTimeoutMs: 1000, backoff: { baseDelayMs: 5, maxDelayMs: 20 } };

  async function start(submgr: 'detailed' | 'oran-sc' = 'detailed'): Promise<void> {
    ric = new OranResponder({ submgr });
    url = await ric.start();
    // Two independent clients, as two hook server replicas have: nothing shared but the RIC.
    replicas = [new E2HttpClient(real), new E2HttpClient(real)];
  }
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await ric.stop();
  });

  /** Creates `req` through the replicas in turn, `rounds` times each; the ids answered. */
  async function alternate(req: E2SubscriptionRequest, rounds: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < rounds * replicas.length; i++) {
      ids.push(await (replicas[i % replicas.length] as E2HttpClient).createSubscription(url, req));
    }
    return ids;
  }

  it('the same subscription created through both replicas, alternately, exists once', async () => {
    await start();
    const ids = await alternate(request, 3);
    expect(new Set(ids)).toEqual(new Set(['gnb_001_001_00019b-1']));
    expect(ric.subscriptions.size).toBe(1);
    expect(ric.calls('POST', '/ric/v1/subscriptions')).toHaveLength(1);
    expect(ric.calls('GET', '/ric/v1/subscriptions')).toHaveLength(6);
  });

  it('a different request creates a new subscription; each replica then answers each one', async () => {
    await start();
    const [a, b] = replicas as [E2HttpClient, E2HttpClient];
    const first = await a.createSubscription(url, request);
    const second = await b.createSubscription(url, { ...request, RANFunctionID: 3 });
    const third = await a.createSubscription(url, {
      ...request,
      ClientEndpoint: { ...request.ClientEndpoint, Host: 'odu-2.ran' },
    });
    expect(new Set([first, second, third]).size).toBe(3);
    expect(ric.subscriptions.size).toBe(3);
    expect(await b.createSubscription(url, request)).toBe(first);
    expect(await a.createSubscription(url, { ...request, RANFunctionID: 3 })).toBe(second);
    expect(ric.calls('POST', '/ric/v1/subscriptions')).toHaveLength(3);
  });

  it('a deleted subscription is no longer listed: the next create makes a new one', async () => {
    await start();
    const [a, b] = replicas as [E2HttpClient, E2HttpClient];
    const first = await a.createSubscription(url, request);
    expect(await b.deleteSubscription(url, first)).toBe('deleted');
    const second = await a.createSubscription(url, request);
    expect(second).not.toBe(first);
    expect([...ric.subscriptions.keys()]).toEqual([second]);
  });

  it('when the list cannot be read, nothing is created; the next attempt creates once', async () => {
    await start();
    const [a, b] = replicas as [E2HttpClient, E2HttpClient];
    ric.unavailable.push({ method: 'GET', path: '/ric/v1/subscriptions', times: 3 });
    expect(await failure(a.createSubscription(url, request))).toMatchObject({
      class: 'Transient',
      reason: 'HTTP503',
      uncertain: false,
    });
    expect(ric.calls('GET', '/ric/v1/subscriptions')).toHaveLength(3);
    expect(ric.calls('POST')).toEqual([]);
    expect(ric.subscriptions.size).toBe(0);
    await ric.stop();
    expect(await failure(b.createSubscription(url, request))).toMatchObject({
      class: 'Transient',
      reason: 'ConnectionFailed',
      uncertain: false,
    });
    url = await ric.start(Number(new URL(url).port));
    expect(await alternate(request, 1)).toEqual(['gnb_001_001_00019b-1', 'gnb_001_001_00019b-1']);
    expect(ric.subscriptions.size).toBe(1);
  });

  it("O-RAN SC's list cannot be matched; its own duplicate check keeps one subscription", async () => {
    await start('oran-sc');
    const ids = await alternate(request, 2);
    expect(new Set(ids)).toEqual(new Set(['gnb_001_001_00019b-1']));
    // Every create POSTs (the E2-level list does not name the request), and the submgr answers the
    // subscription the identical request made before.
    expect(ric.calls('POST', '/ric/v1/subscriptions')).toHaveLength(4);
    expect(ric.subscriptions.size).toBe(1);
    const listed = await fetch(`${url}/ric/v1/subscriptions`).then((r) => r.json());
    expect(listed).toEqual([
      {
        SubscriptionId: 1,
        Meid: request.Meid,
        ClientEndpoint: ['odu.ran:4560'],
        SubscriptionInstances: null,
      },
    ]);
  });
});

/** O-RAN actions through the hook shell's one dispatcher (no Porch involved). */
const runOranAction = (oran: OranClients, action: OranAction) =>
  dispatch({ porch: {} as PorchClient, oran }, action, {});

describe('dispatch of O-RAN actions', () => {
  it('reports outcomes as data: skipped when nothing was to do, the id of a created subscription', async () => {
    const a1 = agent.get(A1);
    const sm = agent.get(SUBMGR);
    a1.intercept({ path: '/A1-P/v2/policytypes/1', method: 'PUT' }).reply(400, 'exists');
    a1.intercept({ path: '/A1-P/v2/policytypes/1', method: 'GET' }).reply(200, {});
    a1.intercept({ path: '/A1-P/v2/policytypes/1/policies/p', method: 'PUT' }).reply(202, '');
    a1.intercept({ path: '/A1-P/v2/policytypes/1/policies/p', method: 'DELETE' }).reply(404, '');
    sm.intercept({ path: '/ric/v1/subscriptions', method: 'GET' }).reply(200, []).times(2);
    sm.intercept({ path: '/ric/v1/subscriptions', method: 'POST' }).reply(201, { SubscriptionId: 's-1' });
    sm.intercept({ path: '/ric/v1/subscriptions', method: 'POST' }).reply(201, {});
    sm.intercept({ path: '/ric/v1/subscriptions/s-1', method: 'DELETE' }).reply(204, '');
    const clients = { a1: new A1HttpClient(opts()), e2: new E2HttpClient(opts()) };
    const type: OranAction = {
      type: 'putA1PolicyType',
      name: '1',
      endpoint: A1,
      policyTypeId: 1,
      body: { name: 't', description: '', policy_type_id: 1, create_schema: {} },
    };
    const put: OranAction = {
      type: 'putA1Policy',
      name: 'p',
      endpoint: A1,
      policyTypeId: 1,
      policyId: 'p',
      policy: {},
      policyHash: 'h',
    };
    const del: OranAction = {
      type: 'deleteA1Policy',
      name: 'p',
      endpoint: A1,
      policyTypeId: 1,
      policyId: 'p',
    };
    const create: OranAction = {
      type: 'createE2Subscription',
      name: 'kpm',
      endpoint: SUBMGR,
      request,
      requestHash: 'h',
    };
    const unsub: OranAction = {
      type: 'deleteE2Subscription',
      name: 'kpm',
      endpoint: SUBMGR,
      subscriptionId: 's-1',
    };
    expect(await runOranAction(clients, type)).toEqual({ action: type, ok: true, skipped: true });
    expect(await runOranAction(clients, put)).toEqual({ action: put, ok: true });
    expect(await runOranAction(clients, del)).toEqual({ action: del, ok: true, skipped: true });
    expect(await runOranAction(clients, create)).toEqual({ action: create, ok: true, subscriptionId: 's-1' });
    expect(await runOranAction(clients, create)).toMatchObject({
      ok: false,
      uncertain: true,
      error: { class: 'Transient', reason: 'MalformedResponse', httpStatus: 201 },
    });
    expect(await runOranAction(clients, unsub)).toEqual({ action: unsub, ok: true });
    expect(await runOranAction(clients, { ...put, endpoint: 'ftp://x' })).toMatchObject({
      ok: false,
      error: { class: 'Configuration', reason: 'InvalidEndpoint' },
    });
  });
});

describe('RicHttp', () => {
  it('keeps one pool per endpoint and closes the least recently used beyond the bound', async () => {
    const closed: string[] = [];
    const made: string[] = [];
    const http = new RicHttp({
      maxEndpoints: 2,
      dispatcherFor: (origin) => {
        made.push(origin);
        return {
          request: () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
          close: () => {
            closed.push(origin);
            return Promise.resolve();
          },
        } as unknown as Dispatcher;
      },
    });
    const send = (e: string) => http.send(e, { method: 'GET', path: '/' }, {}).catch((err: unknown) => err);
    await send('http://a:1');
    await send('http://b:1/x');
    await send('http://a:1/y');
    await send('http://c:1');
    expect(made).toEqual(['http://a:1', 'http://b:1', 'http://c:1']);
    expect(closed).toEqual(['http://b:1']);
    expect(await send('http://a:1')).toMatchObject({ reason: 'ConnectionFailed', uncertain: false });
    await http.close();
    expect(closed.sort()).toEqual(['http://a:1', 'http://b:1', 'http://c:1']);
  });

  it('rejects endpoints that are not http(s) URLs as Configuration errors', () => {
    expect(() => splitEndpoint('not a url')).toThrow(ApiError);
    expect(() => splitEndpoint('ftp://x')).toThrow(/not http/);
    expect(splitEndpoint('https://x:1/a/b/')).toEqual({ origin: 'https://x:1', base: '/a/b' });
  });
});

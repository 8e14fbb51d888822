/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- JSON fixtures */
// Contract tests of the NetworkIntent hooks (hooks/intent.ts) through Fastify inject: requests in
// the shapes Metacontroller v1.5.20 (v1 hooks, children keyed by name) and v4.17 (v2 hooks, keyed
// by namespace/name) send, answers Metacontroller's strict parser accepts, with the real planner.
import { afterEach, describe, expect, it } from '@jest/globals';
import { intentAnswer, intentRoutes } from '../../hooks/intent.ts';
import { HookError } from '../../hooks/errors.ts';
import type { HookRequest } from '../../hooks/request.ts';
import { validateIntentStatus } from '../../lib/intent/validate.ts';
import { validateCNFDeployment } from '../../lib/validate.ts';
import { forbidNetwork } from '../network.ts';
import {
  ALLOWED_FINALIZE_KEYS,
  ALLOWED_SYNC_KEYS,
  buildApp,
  fixture,
  makeApp,
  MemoryEvents,
  NOW,
  post,
  TOKEN,
  type Json,
  type TestApp,
} from './hooks.helpers.ts';

forbidNetwork();

const CHILD = 'CNFDeployment.nephoran.com/v1';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

async function app(opts: Parameters<typeof makeApp>[0] = {}): Promise<TestApp> {
  t = await makeApp(opts);
  return t;
}

const silent = { debug: () => undefined, info: () => undefined } as unknown as Parameters<
  typeof intentAnswer
>[3];

describe('POST /intent/sync', () => {
  it('v1.5.20 and v4.17 requests get the same answer: the CNFDeployments, wired, and the status', async () => {
    const events = new MemoryEvents();
    const { app: a } = await app({ events });
    const v1 = await post(a, '/intent/sync', fixture('intent-sync-v1.5.20'));
    const v2 = await post(a, '/intent/sync', fixture('intent-sync-v4.17'));
    expect(v1.statusCode).toBe(200);
    expect(v2.statusCode).toBe(200);
    expect(v2.json()).toEqual(v1.json());
    const body = v1.json<Json>();
    for (const k of Object.keys(body)) expect(ALLOWED_SYNC_KEYS).toContain(k);
    expect(body.children.map((c: Json) => [c.metadata.name, c.spec.function, c.spec.dependencies])).toEqual([
      ['core-nrf', 'NRF', undefined],
      ['core-smf', 'SMF', ['core-nrf', 'core-upf']],
      ['core-upf', 'UPF', undefined],
    ]);
    for (const c of body.children) {
      expect(c.metadata).toMatchObject({ namespace: 'ran-a', labels: { 'nephoran.com/intent': 'core' } });
      const v = validateCNFDeployment(c);
      expect(v.ok ? [] : v.issues).toEqual([]);
    }
    expect(body.status).toMatchObject({ phase: 'Progressing', ready: '1/3', observedGeneration: 1 });
    expect(body.status.functions.map((f: Json) => [f.name, f.phase, f.ready, f.message])).toEqual([
      ['core-nrf', 'Active', true, undefined],
      ['core-smf', undefined, false, 'not created yet'],
      ['core-upf', 'Provisioning', false, 'Provisioning: DeploymentReady: 1/2 ready'],
    ]);
    expect(body.status.conditions[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'FunctionsNotActive',
      lastTransitionTime: new Date(NOW).toISOString(),
    });
    expect(validateIntentStatus(body.status)).toEqual([]);
    expect(events.recorded[0]).toEqual({
      obj: {
        apiVersion: 'nephoran.com/v1',
        kind: 'NetworkIntent',
        name: 'core',
        namespace: 'ran-a',
        uid: '7a1b2c3d-0000-4000-8000-00000000c0de',
      },
      event: { type: 'Normal', reason: 'CreatingFunction', message: 'creating CNFDeployment core-smf (SMF)' },
    });
  });

  it('ignores children of another namespace, of unknown types, and null maps', async () => {
    const { app: a, logs } = await app({ logLevel: 'debug' });
    const req = fixture('intent-sync-v4.17');
    const nrf = req.children[CHILD]['ran-a/core-nrf'];
    req.children[CHILD]['ran-b/core-smf'] = {
      ...nrf,
      metadata: { ...nrf.metadata, name: 'core-smf', namespace: 'ran-b' },
      spec: { ...nrf.spec, function: 'SMF' },
    };
    req.children['ConfigMap.v1'] = {};
    const res = await post(a, '/intent/sync', req);
    expect(res.json<Json>().status.functions[1]).toMatchObject({
      name: 'core-smf',
      message: 'not created yet',
    });
    expect(logs.some((l) => l.msg === 'ignoring unknown child type' && l.type === 'ConfigMap.v1')).toBe(true);
    // Go's nil deletionTimestamp arrives as null: the child is not being deleted.
    const nil = fixture('intent-sync-v4.17');
    nil.children[CHILD]['ran-a/core-nrf'].metadata.deletionTimestamp = null;
    expect((await post(a, '/intent/sync', nil)).json<Json>().status.functions[0]).toMatchObject({
      ready: true,
    });
    const empty = fixture('intent-sync-v4.17');
    empty.children = null;
    empty.parent.status = null;
    empty.parent.metadata.deletionTimestamp = null;
    const res2 = await post(a, '/intent/sync', empty);
    expect(res2.statusCode).toBe(200);
    expect(res2.json<Json>().status).toMatchObject({ phase: 'Pending', ready: '0/3' });
  });

  it('a sentence it cannot parse is a 200 with Ready=False, no children, and a Warning event', async () => {
    const events = new MemoryEvents();
    const { app: a } = await app({ events });
    const req = fixture('intent-sync-v4.17');
    req.parent.spec = { intent: 'Deploy a flux capacitor with 3 replicas' };
    req.children = {};
    const res = await post(a, '/intent/sync', req);
    expect(res.statusCode).toBe(200);
    const body = res.json<Json>();
    expect(body.children).toEqual([]);
    expect(body.status.phase).toBe('Failed');
    expect(body.status.conditions[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'IntentNotUnderstood',
    });
    expect(body.status.conditions[0].message).toMatch(
      /^spec\.intent: did not understand "flux", "capacitor"\. /,
    );
    expect(events.recorded.map((e) => [e.event.type, e.event.reason])).toEqual([
      ['Warning', 'PhaseChanged'],
      ['Warning', 'IntentNotUnderstood'],
    ]);
  });

  it('an invalid or missing spec is a 200 naming the fields, never a 500', async () => {
    const { app: a } = await app();
    const req = fixture('intent-sync-v4.17');
    req.parent.spec = { functions: [{ function: 'AMFX' }, { function: 'SMF', replicas: 'three' }] };
    let res = await post(a, '/intent/sync', req);
    expect(res.statusCode).toBe(200);
    const message: string = res.json<Json>().status.conditions[0].message;
    expect(message).toContain('spec.functions[0].function: unknown function "AMFX"; known: AMF, SMF');
    expect(message).toContain('spec.functions[1].replicas: must be an integer');
    // The CNFDeployments it had are kept as they are.
    expect(res.json<Json>().children.map((c: Json) => c.metadata.name)).toEqual(['core-nrf', 'core-upf']);
    req.parent.spec = null;
    res = await post(a, '/intent/sync', req);
    expect(res.statusCode).toBe(200);
    expect(res.json<Json>().status.conditions[0].message).toBe(
      'spec: one of intent, functions or profile is required',
    );
  });

  it('the envelope is checked like the CNF hooks: a request without a parent is a 400', async () => {
    const { app: a } = await app();
    const res = await post(a, '/intent/sync', { children: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json<Json>().code).toBe('HOOK_BAD_REQUEST');
  });

  it('requires the bearer token when one is configured', async () => {
    const { app: a } = await app({ hookToken: TOKEN });
    expect((await post(a, '/intent/sync', fixture('intent-sync-v4.17'))).statusCode).toBe(401);
    expect((await post(a, '/intent/finalize', fixture('intent-finalize-v4.17'))).statusCode).toBe(401);
    const ok = await post(a, '/intent/sync', fixture('intent-sync-v4.17'), {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(ok.statusCode).toBe(200);
  });

  it('counts requests by route in the hook metrics', async () => {
    const { app: a } = await app();
    await post(a, '/intent/sync', fixture('intent-sync-v4.17'));
    const text = (await a.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/nephoran_hook_requests_total\{hook="intent\/sync",outcome="success"\} 1/);
  });
});

describe('POST /intent/finalize', () => {
  it('asks for no CNFDeployment and waits while some are left', async () => {
    const { app: a } = await app();
    const res = await post(a, '/intent/finalize', fixture('intent-finalize-v4.17'));
    expect(res.statusCode).toBe(200);
    const body = res.json<Json>();
    for (const k of Object.keys(body)) expect(ALLOWED_FINALIZE_KEYS).toContain(k);
    expect(body).toMatchObject({ children: [], finalized: false, resyncAfterSeconds: 2 });
    expect(body.status).toMatchObject({ phase: 'Terminating' });
    expect(body.status.functions[0]).toMatchObject({ name: 'core-nrf', message: 'being deleted' });
  });

  it('finalizes once none is left, with a Finalized event', async () => {
    const events = new MemoryEvents();
    const { app: a } = await app({ events });
    const req = fixture('intent-finalize-v4.17');
    req.children = { [CHILD]: {} };
    const res = await post(a, '/intent/finalize', req);
    expect(res.json<Json>()).toMatchObject({ children: [], finalized: true });
    expect(res.json<Json>().resyncAfterSeconds).toBeUndefined();
    expect(events.recorded.map((e) => e.event.reason)).toEqual(['PhaseChanged', 'Finalized']);
  });
});

describe('a planner crash', () => {
  const broken = {
    sync: (): never => {
      throw new TypeError('bug');
    },
    finalize: (): never => {
      throw new TypeError('bug');
    },
  };

  it('is a 500 (Metacontroller keeps the children and retries), never a 200 that would delete them', async () => {
    const events = new MemoryEvents();
    const { app: a, metrics } = await app({ events });
    // The hook app's error handler is the root's: a broken planner next to the real routes gets it.
    const f = await buildApp({ bodyLimitBytes: 1024 * 1024 }, undefined, {
      config: { porchRepository: 'r', hookToken: undefined, hookDeadlineMs: 1000 },
      porch: t!.porch,
      events,
      apiServer: t!.apiServer,
      metrics,
      now: () => NOW,
    });
    await f.register(intentRoutes, { events, now: () => NOW, planner: broken, prefix: '/broken' });
    await f.ready();
    try {
      const res = await post(f, '/broken/intent/sync', fixture('intent-sync-v4.17'));
      expect(res.statusCode).toBe(500);
      expect(res.json<Json>()).toMatchObject({ code: 'HOOK_RECONCILE_FAILED', statusCode: 500 });
      expect(res.body).not.toContain('.ts:');
      expect(events.recorded).toEqual([]);
      expect((await post(a, '/intent/sync', fixture('intent-sync-v4.17'))).statusCode).toBe(200);
    } finally {
      await f.close();
    }
  });

  it('intentAnswer throws a HookError', () => {
    const deps = { events: new MemoryEvents(), now: () => NOW, planner: broken };
    const req = fixture('intent-finalize-v4.17') as HookRequest;
    expect(() => intentAnswer('finalize', req, deps, silent)).toThrow(HookError);
    expect(() => intentAnswer('sync', req, deps, silent)).toThrow('intent sync failed: bug');
  });
});

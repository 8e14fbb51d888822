/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- JSON answers */
// The sync and finalize routes with the real A1 and E2 clients against the O-RAN responder on
// 127.0.0.1: the shell puts policies and creates subscriptions, folds the ids into status, observes
// the enforcement status on the next sync, and deletes everything on finalize.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { A1HttpClient } from '../../lib/clients/a1.ts';
import { E2HttpClient } from '../../lib/clients/e2.ts';
import type { OranClients } from '../../hooks/dispatch.ts';
import type { CNFDeployment, OranSpec } from '../../lib/types.ts';
import { World } from '../fixtures/simulator.ts';
import { OranResponder, parseArgs } from '../doubles/oran-responder.ts';
import type { HookApp } from '../../hooks/app.ts';
import { HookMetrics } from '../../hooks/metrics.ts';
import {
  buildApp,
  fixture,
  MemoryApiServer,
  MemoryEvents,
  mirrorParents,
  post,
  StubPorch,
  type Json,
} from './hooks.helpers.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork({ allowLoopback: true });

let ric: OranResponder;
let url: string;
let clients: OranClients;
let t: { app: HookApp; metrics: HookMetrics };

/** Like makeApp in hooks.helpers.ts, with the O-RAN clients injected and real time. */
async function makeOranApp(oran: OranClients): Promise<{ app: HookApp; metrics: HookMetrics }> {
  // Real time: the hook deadline and the clients' timeouts use the same clock.
  const metrics = new HookMetrics({ now: Date.now, gaugeTtlSeconds: 900, processMetrics: false });
  const apiServer = new MemoryApiServer();
  const app = await buildApp({ bodyLimitBytes: 32 * 1024 * 1024 }, undefined, {
    config: { porchRepository: 'cnf-packages', hookToken: undefined, hookDeadlineMs: 8000 },
    porch: new StubPorch(),
    oran,
    events: new MemoryEvents(),
    apiServer,
    metrics,
    now: Date.now,
  });
  mirrorParents(app, apiServer);
  await app.ready();
  return { app, metrics };
}

beforeEach(async () => {
  ric = new OranResponder({ types: [21000] });
  url = await ric.start();
  const opts = { requestTimeoutMs: 1000, backoff: { baseDelayMs: 5, maxDelayMs: 20 } };
  clients = { a1: new A1HttpClient(opts), e2: new E2HttpClient(opts) };
  t = await makeOranApp(clients);
});
afterEach(async () => {
  await t.app.close();
  await clients.a1.close();
  await clients.e2.close();
  await ric.stop();
});

function oranSpec(): OranSpec {
  return {
    a1: {
      endpoint: `${url}/`,
      policyTypes: [{ policyTypeId: 20008, createSchema: { type: 'object', required: ['threshold'] } }],
      policies: [
        { policyTypeId: 20008, policy: { threshold: 5 } },
        { policyTypeId: 21000, policyId: 'qos-cell-1', policy: { priority: 'high' } },
      ],
    },
    e2: {
      endpoint: url,
      clientEndpoint: { host: 'odu-cell-1.ran', httpPort: 8080, rmrPort: 4560 },
      subscriptions: [
        {
          name: 'kpm',
          meid: 'gnb_001_001_00019b',
          ranFunctionId: 2,
          actions: [{ actionId: 1, actionType: 'report' }],
        },
      ],
    },
  };
}

/** A world whose workload is ready and whose O-RAN stage has not started (the RIC refused so far). */
function readyWorld(): World {
  const w = new World({
    name: 'odu-cell-1',
    namespace: 'ran',
    start: new Date().toISOString(),
    spec: {
      type: 'O-RAN',
      function: 'O-DU',
      replicas: 1,
      resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } },
      oran: oranSpec(),
    },
  });
  w.ric.fail = () => ({ class: 'Transient', reason: 'HTTP503', message: 'unavailable' });
  w.runUntil((x) => x.parent.status?.phase === 'Configuring');
  return w;
}

const byKey = (objs: Array<{ metadata: { name: string; namespace?: string } }>, ns = 'ran') =>
  Object.fromEntries(objs.map((o) => [`${o.metadata.namespace ?? ns}/${o.metadata.name}`, o]));

function request(w: World, parent: CNFDeployment = w.parent): Json {
  const input = w.input();
  return {
    controller: fixture('sync-new').controller,
    parent,
    children: { 'PackageRevision.porch.kpt.dev/v1alpha1': byKey(input.children) },
    related: {
      'Deployment.apps/v1': byKey(input.related.deployments),
      'Pod.v1': byKey(input.related.pods),
      'EndpointSlice.discovery.k8s.io/v1': byKey(input.related.endpointSlices),
    },
  };
}

async function sync(w: World, route = '/sync'): Promise<Json> {
  const res = await post(t.app, route, request(w));
  expect(res.statusCode).toBe(200);
  const body = res.json<Json>();
  w.parent = { ...w.parent, status: body.status };
  return body;
}

describe('O-RAN stage through the hooks with real clients', () => {
  it('puts policies (type first), creates the subscription, observes enforcement, goes Active; no duplicates', async () => {
    const w = readyWorld();
    let body = await sync(w);
    const paths = ric.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.indexOf('PUT /A1-P/v2/policytypes/20008')).toBeGreaterThanOrEqual(0);
    expect(paths.indexOf('PUT /A1-P/v2/policytypes/20008')).toBeLessThan(
      paths.indexOf('PUT /A1-P/v2/policytypes/20008/policies/ran-odu-cell-1-20008'),
    );
    expect(paths).not.toContain('PUT /A1-P/v2/policytypes/21000');
    expect([...ric.policies.keys()].sort()).toEqual(['20008/ran-odu-cell-1-20008', '21000/qos-cell-1']);
    expect(ric.subscriptions.size).toBe(1);
    expect(body.status.oran.policies.map((p: Json) => p.state)).toEqual(['Accepted', 'Accepted']);
    expect(body.status.oran.subscriptions[0]).toMatchObject({
      name: 'kpm',
      state: 'Ready',
      subscriptionId: 'gnb_001_001_00019b-1',
    });
    expect(body.resyncAfterSeconds).toBe(2);

    body = await sync(w);
    expect(ric.calls('GET', '/status')).toHaveLength(2);
    expect(body.status.oran.policies.map((p: Json) => p.state)).toEqual(['Enforced', 'Enforced']);
    expect(body.status.phase).toBe('Active');
    expect(body.status.conditions.find((c: Json) => c.type === 'Configured')).toMatchObject({
      status: 'True',
      reason: 'OranConfigured',
    });

    // Repeated syncs: nothing new is sent and status does not change.
    const again = await sync(w);
    expect(again.status).toEqual(body.status);
    expect(ric.calls('POST', '/ric/v1/subscriptions')).toHaveLength(1);
    expect(ric.calls('PUT', '/policies/')).toHaveLength(2);
    const scrape = await t.metrics.registry.metrics();
    expect(scrape).toContain('nephoran_oran_actions_total{operation="createE2Subscription",result="ok"} 1');
    expect(scrape).toContain('nephoran_oran_actions_total{operation="getA1PolicyStatus",result="ok"} 4');

    // The RIC stops enforcing one: Degraded with its reason.
    ric.enforce.set('qos-cell-1', { enforceStatus: 'NOT_ENFORCED', enforceReason: 'cell locked' });
    body = await sync(w);
    expect(body.status.phase).toBe('Degraded');
    expect(body.status.oran.policies[1]).toMatchObject({ state: 'NotEnforced', message: 'cell locked' });
  });

  it('503 from the subscription manager: retried inside the call, then reported Transient in status', async () => {
    const w = readyWorld();
    ric.disconnected.add('gnb_001_001_00019b');
    const body = await sync(w);
    expect(ric.calls('POST', '/ric/v1/subscriptions')).toHaveLength(3);
    expect(body.status.oran.subscriptions[0]).toMatchObject({
      state: 'Pending',
      message: expect.stringContaining('E2NodeNotConnected'),
    });
    expect(body.status.lastError).toMatchObject({ class: 'Transient', action: 'createE2Subscription:kpm' });
    expect(body.status.phase).toBe('Configuring');
    ric.disconnected.clear();
    const next = await sync(w);
    expect(next.status.oran.subscriptions[0]).toMatchObject({ state: 'Ready' });
    expect(ric.subscriptions.size).toBe(1);
  });

  it('finalize deletes the policies and the subscription before finalizing', async () => {
    const w = readyWorld();
    await sync(w);
    expect(ric.policies.size).toBe(2);
    w.markDeleted();
    const body = await sync(w, '/finalize');
    expect(body.finalized).toBe(false);
    expect(ric.policies.size).toBe(0);
    expect(ric.subscriptions.size).toBe(0);
    expect(body.status.oran).toBeUndefined();
  });

  it('an A1 mediator that is down: the observation error is Transient and the states stay', async () => {
    const w = readyWorld();
    const first = await sync(w);
    await ric.stop();
    const body = await sync(w);
    expect(body.status.oran.policies).toEqual(first.status.oran.policies);
    expect(body.status.lastError).toMatchObject({ class: 'Transient', action: 'observeA1Policy' });
    expect(body.status.phase).toBe('Configuring');
  });
});

describe('oran-responder CLI arguments', () => {
  it('parses --port, --host and repeated --type; rejects the rest', () => {
    expect(parseArgs(['--port', '0', '--type', '1', '--type', '2'])).toEqual({
      port: 0,
      host: '127.0.0.1',
      types: [1, 2],
    });
    expect(() => parseArgs(['--port', '70000'])).toThrow(/port/);
    expect(() => parseArgs(['--verbose'])).toThrow(/unknown/);
  });
});

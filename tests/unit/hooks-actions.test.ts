/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- JSON fixtures */
// The sync route end to end against an in-memory Porch on 127.0.0.1 through the real Porch client
// and the real reconciler: the loop Metacontroller drives (answer children → they appear observed
// → sync again), action failures reported in status, and concurrent syncs that must not write
// conflicting content or approve twice.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Pool } from 'undici';
import { PorchHttpClient } from '../../lib/clients/porch.ts';
import { FakePorch } from '../doubles/porch-server.ts';
import { fixture, makeApp, MemoryEvents, post, type Json, type TestApp } from './hooks.helpers.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork({ allowLoopback: true });

let porch: FakePorch;
let client: PorchHttpClient;
let events: MemoryEvents;
let t: TestApp;

async function setup(opts: { hookDeadlineMs?: number; requestTimeoutMs?: number } = {}): Promise<void> {
  const origin = await porch.start();
  client = new PorchHttpClient({
    origin,
    dispatcher: new Pool(origin, { connections: 8 }),
    requestTimeoutMs: opts.requestTimeoutMs ?? 1000,
    backoff: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  events = new MemoryEvents();
  // Real time: the hook deadline and the Porch client's timeouts must use the same clock.
  t = await makeApp({
    porch: client,
    events,
    now: Date.now,
    ...(opts.hookDeadlineMs === undefined ? {} : { hookDeadlineMs: opts.hookDeadlineMs }),
  });
}

beforeEach(() => {
  porch = new FakePorch();
});
afterEach(async () => {
  await t.app.close();
  await client.close();
  await porch.stop();
});

/** First sync of a new CNF; the answer's child, as Metacontroller would create it in Porch. */
async function createChild(): Promise<{ req: Json; child: Json; status: Json }> {
  const req = fixture('sync-new');
  const res = await post(t.app, '/sync', req);
  expect(res.statusCode).toBe(200);
  const body = res.json<Json>();
  const child = { ...body.children[0], metadata: { ...body.children[0].metadata, namespace: 'default' } };
  // Metacontroller creates it with its labels (controller-uid selects it as this parent's child).
  porch.add('default', child.metadata.name, 'Draft', null, {
    labels: { ...child.metadata.labels, 'controller-uid': req.parent.metadata.uid },
  });
  return { req, child, status: body.status };
}

function observed(req: Json, status: Json, child: Json, lifecycle = child.spec.lifecycle): Json {
  const next = structuredClone(req);
  next.parent.status = status;
  next.children['PackageRevision.porch.kpt.dev/v1alpha1'] = {
    [`default/${child.metadata.name}`]: { ...child, spec: { ...child.spec, lifecycle } },
  };
  return next;
}

describe('sync carries out the reconciler actions in Porch', () => {
  it('writes the package content, proposes and approves it in one answer', async () => {
    await setup();
    const { req, child, status } = await createChild();
    const name = child.metadata.name;

    let res = await post(t.app, '/sync', observed(req, status, child));
    expect(res.statusCode).toBe(200);
    expect(porch.writes).toEqual([
      { name, hash: child.metadata.annotations['nephoran.com/content-hash'], rv: expect.any(Number) },
    ]);
    expect(porch.approvals).toEqual([name]);
    expect(porch.revisions.get(`default/${name}`)!.lifecycle).toBe('Published');
    // Metacontroller never updates a child (OnDelete): the answer echoes what it observed.
    expect(res.json<Json>().children.find((c: Json) => c.metadata.name === name).spec.lifecycle).toBe(
      'Draft',
    );
    expect(events.recorded.map((e) => e.event.reason)).toEqual(
      expect.arrayContaining(['ResourcesWritten', 'Proposed', 'Approved']),
    );

    // Metacontroller still shows the Draft (its watch lags): Porch's listing says Published, so
    // nothing is written, proposed or approved again.
    res = await post(t.app, '/sync', observed(req, res.json<Json>().status, child));
    expect(res.statusCode).toBe(200);
    expect(porch.writes).toHaveLength(1);
    expect(porch.approvals).toHaveLength(1);
    const scrape = await t.metrics.registry.metrics();
    expect(scrape).toContain('nephoran_porch_actions_total{operation="writeResources",result="ok"} 1');
    expect(scrape).toContain('nephoran_porch_actions_total{operation="propose",result="ok"} 1');
    expect(scrape).toContain('nephoran_porch_actions_total{operation="approve",result="ok"} 1');
  });

  it("reads a revision's content once per resourceVersion", async () => {
    await setup();
    const { req, child, status } = await createChild();
    const name = child.metadata.name;
    // Manual approval: the revision waits Proposed, and every sync looks at it again.
    const manual = structuredClone(req);
    manual.parent.spec.porch = { approval: 'Manual' };
    let res = await post(t.app, '/sync', observed(manual, status, child));
    expect(porch.revisions.get(`default/${name}`)!.lifecycle).toBe('Proposed');
    const rv = String(porch.revisions.get(`default/${name}`)!.rv);
    const proposed = { ...child, metadata: { ...child.metadata, resourceVersion: rv } };
    const reads = (): number =>
      porch.requests.filter((r) => r.method === 'GET' && r.path.includes('packagerevisionresources')).length;
    res = await post(t.app, '/sync', observed(manual, res.json<Json>().status, proposed, 'Proposed'));
    const after = reads();
    for (let i = 0; i < 3; i++)
      res = await post(t.app, '/sync', observed(manual, res.json<Json>().status, proposed, 'Proposed'));
    expect(reads()).toBe(after);
    expect(res.json<Json>().status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'PackagePublished', reason: 'AwaitingApproval' }),
      ]),
    );
  });

  it('three Porch failures → 200 whose status reports the Transient error and which action failed', async () => {
    await setup();
    const { req, child, status } = await createChild();
    porch.fault({
      method: 'PUT',
      reply: { status: 503, body: '{"kind":"Status","message":"etcd unavailable"}' },
      times: 3,
    });

    const res = await post(t.app, '/sync', observed(req, status, child));
    expect(res.statusCode).toBe(200);
    const body = res.json<Json>();
    expect(body.status.lastError).toMatchObject({
      class: 'Transient',
      reason: 'HTTP503',
      action: expect.stringContaining('writeResources'),
      message: expect.stringContaining('etcd unavailable'),
    });
    expect(body.resyncAfterSeconds).toBeGreaterThan(0);
    expect(porch.requests.filter((r) => r.method === 'PUT')).toHaveLength(3);
    expect(events.recorded.find((e) => e.event.reason === 'WriteResourcesFailed')?.event.type).toBe(
      'Warning',
    );
    expect(await t.metrics.registry.metrics()).toContain(
      'nephoran_porch_actions_total{operation="writeResources",result="transient"} 1',
    );
  });

  it('an observation failure does not fail the hook; a write still re-reads before writing', async () => {
    await setup();
    const { req, child, status } = await createChild();
    porch.fault({
      method: 'GET',
      path: 'packagerevisionresources',
      reply: { status: 403, body: '{"kind":"Status","reason":"Forbidden","message":"RBAC: access denied"}' },
    });
    const res = await post(t.app, '/sync', observed(req, status, child));
    expect(res.statusCode).toBe(200);
    // Whatever the reconciler decides without the observation, writeResources compares the hash
    // it reads itself, so at most the one intended write happens.
    expect(porch.writes.length).toBeLessThanOrEqual(1);
    expect(await t.metrics.registry.metrics()).toContain(
      'nephoran_porch_actions_total{operation="getResources",result="configuration"} 1',
    );
  });

  it('bounds all Porch work by the hook deadline', async () => {
    await setup({ hookDeadlineMs: 300, requestTimeoutMs: 200 });
    const { req, child, status } = await createChild();
    porch.fault({ method: 'PUT', reply: 'hang', times: 10 });
    const started = Date.now();
    const res = await post(t.app, '/sync', observed(req, status, child));
    expect(res.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(res.json<Json>().status.lastError).toMatchObject({ class: 'Transient' });
  });
});

describe('concurrent syncs for the same parent (two replicas racing)', () => {
  it('never write conflicting content: one write lands, the other ends skipped', async () => {
    await setup();
    const { req, child, status } = await createChild();
    porch.delayMs = 15; // widen the window between each GET and PUT
    const next = observed(req, status, child);
    const [a, b] = await Promise.all([post(t.app, '/sync', next), post(t.app, '/sync', next)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(porch.writes).toHaveLength(1);
    // The loser saw the stale resourceVersion rejected (500) or found the content already there.
    const contentPuts = porch.requests.filter(
      (r) => r.method === 'PUT' && r.path.includes('packagerevisionresources'),
    );
    expect(contentPuts.length).toBeGreaterThanOrEqual(1);
    expect(contentPuts.length).toBeLessThanOrEqual(2);
    // …and its propose and approve found the work done: one approval.
    expect(porch.approvals).toEqual([child.metadata.name]);
    for (const r of [a, b]) expect(r.json<Json>().status.lastError).toBeUndefined();
  });

  it('never approve twice', async () => {
    await setup();
    const { req, child, status } = await createChild();
    const name = child.metadata.name;
    // Manual approval first: the content is written and proposed, not approved.
    const manual = structuredClone(req);
    manual.parent.spec.porch = { approval: 'Manual' };
    await post(t.app, '/sync', observed(manual, status, child));
    const stored = porch.revisions.get(`default/${name}`)!;
    expect(stored.lifecycle).toBe('Proposed');
    expect(porch.approvals).toEqual([]);
    porch.delayMs = 15;
    const next = observed(req, status, child, 'Proposed');
    const answers = await Promise.all([1, 2, 3].map(() => post(t.app, '/sync', next)));
    for (const r of answers) expect(r.statusCode).toBe(200);
    expect(porch.approvals).toEqual([name]);
    expect(stored.lifecycle).toBe('Published');
  });
});

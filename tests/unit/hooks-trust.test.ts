/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- JSON fixtures */
// What the hooks trust: nothing a request claims. Before any write the hook reads the parent from the
// API server and plans from that copy; each Porch write checks that the revision is of that CNF's
// package and owned by no other CNFDeployment. Driven through the app and the real Porch client
// against the in-memory Porch on 127.0.0.1, with forged requests as any client that can reach the
// hook port could send them.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Pool } from 'undici';
import { PorchHttpClient } from '../../lib/clients/porch.ts';
import { FakePorch } from '../doubles/porch-server.ts';
import { fixture, makeApp, MemoryApiServer, post, type Json, type TestApp } from './hooks.helpers.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork({ allowLoopback: true });

const CHILDREN = 'PackageRevision.porch.kpt.dev/v1alpha1';

/** The name of the one child in a request. */
const revisionOf = (req: Json): string =>
  String(Object.values(req.children[CHILDREN] as Record<string, Json>)[0].metadata.name);

let porch: FakePorch;
let client: PorchHttpClient;
let apiServer: MemoryApiServer;
let t: TestApp;

beforeEach(async () => {
  porch = new FakePorch();
  const origin = await porch.start();
  client = new PorchHttpClient({
    origin,
    dispatcher: new Pool(origin, { connections: 4 }),
    requestTimeoutMs: 1000,
    backoff: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  apiServer = new MemoryApiServer();
  t = await makeApp({ porch: client, apiServer, now: Date.now });
});
afterEach(async () => {
  await t.app.close();
  await client.close();
  await porch.stop();
});

/** A CNF with `approval`, whose first revision holds its content and is Proposed in Porch. */
async function proposedCnf(name: string, uid: string, approval: 'Manual' | 'Automatic'): Promise<Json> {
  const req = fixture('sync-new');
  req.parent.metadata.name = name;
  req.parent.metadata.uid = uid;
  req.parent.spec.porch = { approval };
  apiServer.put(req.parent);
  // The first answer asks for the revision; Metacontroller creates it.
  const first = await post(t.app, '/sync', req);
  expect(first.statusCode).toBe(200);
  const body = first.json<Json>();
  const child = { ...body.children[0], metadata: { ...body.children[0].metadata, namespace: 'default' } };
  const hash = child.metadata.annotations['nephoran.com/content-hash'];
  const owner = { apiVersion: 'nephoran.com/v1', kind: 'CNFDeployment', name, uid, controller: true };
  porch.add('default', child.metadata.name, 'Proposed', hash, {
    labels: { ...child.metadata.labels, 'controller-uid': uid },
    ownerReferences: [owner],
  });
  const next = structuredClone(req);
  next.parent.status = body.status;
  next.children[CHILDREN] = {
    [`default/${child.metadata.name}`]: { ...child, spec: { ...child.spec, lifecycle: 'Proposed' } },
  };
  apiServer.put(next.parent);
  return next;
}

describe('a forged request gets nothing written', () => {
  it('a parent claiming Automatic for a CNF the API server holds as Manual: no approval', async () => {
    const real = await proposedCnf('smf', 'uid-smf', 'Manual');
    // The genuine request: Manual, waiting for a human.
    let res = await post(t.app, '/sync', real);
    expect(res.statusCode).toBe(200);
    expect(porch.approvals).toEqual([]);

    const forged = structuredClone(real);
    forged.parent.spec.porch = { approval: 'Automatic' };
    const reads = apiServer.reads;
    res = await post(t.app, '/sync', forged);
    expect(res.statusCode).toBe(200);
    expect(apiServer.reads).toBeGreaterThan(reads);
    expect(porch.approvals).toEqual([]);
    expect(porch.writes).toEqual([]);
    // The answer is the API server copy's: still waiting for a manual approval.
    expect(res.json<Json>().status.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'False' })]),
    );
    expect(JSON.stringify(res.json<Json>().status)).toMatch(/[Mm]anual/);

    // Once the API server holds Automatic (a real spec change), the same request approves.
    const changed = structuredClone(forged);
    changed.parent.metadata.generation = 2;
    apiServer.put(changed.parent);
    res = await post(t.app, '/sync', changed);
    expect(res.statusCode).toBe(200);
    expect(porch.approvals).toEqual([revisionOf(real)]);
  });

  it('a parent the API server does not hold: nothing written, ParentNotConfirmed in status', async () => {
    // A request for a CNF that is not (or no longer) there, naming a Proposed revision Porch holds.
    const forged = await proposedCnf('ghost', 'uid-ghost', 'Automatic');
    apiServer.delete('default', 'ghost');
    const res = await post(t.app, '/sync', forged);
    expect(res.statusCode).toBe(200);
    expect(porch.approvals).toEqual([]);
    expect(porch.writes).toEqual([]);
    expect(res.json<Json>().status.lastError).toMatchObject({
      class: 'Transient',
      reason: 'ParentNotConfirmed',
      message: expect.stringContaining('CNFDeployment default/ghost does not exist on the API server'),
    });
  });

  it('a parent whose uid is not the one the API server holds (deleted and created again): nothing written', async () => {
    const real = await proposedCnf('nrf', 'uid-nrf', 'Automatic');
    const forged = structuredClone(real);
    forged.parent.metadata.uid = 'uid-of-another-life';
    const res = await post(t.app, '/sync', forged);
    expect(porch.approvals).toEqual([]);
    expect(res.json<Json>().status.lastError.message).toContain('has uid uid-nrf');
  });

  it("a real parent naming another CNF's revision as its child: that revision is not touched (NotOwned)", async () => {
    const victim = await proposedCnf('amf-a', 'uid-a', 'Manual');
    const attacker = await proposedCnf('amf-b', 'uid-b', 'Automatic');
    const victimRevision = revisionOf(victim);
    // The attacker's own Proposed child, renamed to the victim's revision: the reconciler plans its
    // approval, and only Porch's copy of the revision tells whose it is.
    const forged = structuredClone(attacker);
    const own = Object.values(forged.children[CHILDREN])[0] as Json;
    own.metadata.name = victimRevision;
    forged.children[CHILDREN] = { [`default/${victimRevision}`]: own };
    const res = await post(t.app, '/sync', forged);
    expect(res.statusCode).toBe(200);
    expect(res.json<Json>().status.lastError).toMatchObject({
      class: 'Permanent',
      reason: 'NotOwned',
      message: expect.stringContaining(
        `PackageRevision default/${victimRevision} is package default/amf-a in repository cnf-packages, not default/amf-b`,
      ),
    });
    expect(porch.approvals).not.toContain(victimRevision);
    expect(porch.revisions.get(`default/${victimRevision}`)!.lifecycle).toBe('Proposed');
  });

  it('the API server unreachable: nothing written, the next sync tries again', async () => {
    const real = await proposedCnf('ausf', 'uid-ausf', 'Automatic');
    apiServer.failure = new Error('connect ECONNREFUSED 10.96.0.1:443');
    let res = await post(t.app, '/sync', real);
    expect(porch.approvals).toEqual([]);
    expect(res.json<Json>().status.lastError).toMatchObject({ reason: 'ParentNotConfirmed' });
    expect(res.json<Json>().resyncAfterSeconds).toBeGreaterThan(0);
    apiServer.failure = undefined;
    res = await post(t.app, '/sync', real);
    expect(res.statusCode).toBe(200);
    expect(porch.approvals).toHaveLength(1);
  });
});

describe('a lagging copy in the request', () => {
  it('plans from the API server copy: the newer spec is what gets written, for its generation', async () => {
    const real = await proposedCnf('pcf', 'uid-pcf', 'Automatic');
    const stale = structuredClone(real);
    const newer = structuredClone(real.parent);
    newer.metadata.generation = 2;
    newer.spec.replicas = 3;
    apiServer.put(newer);
    const res = await post(t.app, '/sync', stale);
    expect(res.statusCode).toBe(200);
    const body = res.json<Json>();
    // The request's copy would approve the Proposed revision of generation 1 (as it does below);
    // the API server's holds generation 2, whose content that revision does not hold.
    expect(porch.approvals).toEqual([]);
    expect(body.status.observedGeneration).toBe(2);
    apiServer.put(real.parent);
    await post(t.app, '/sync', real);
    expect(porch.approvals).toHaveLength(1);
  });

  it('a sync that plans no write reads nothing from the API server', async () => {
    const req = fixture('sync-new');
    apiServer.put(req.parent);
    await post(t.app, '/sync', req);
    // The first answer only asks Metacontroller for a child: no action, no read.
    expect(apiServer.reads).toBe(0);
  });
});

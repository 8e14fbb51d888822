/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- JSON fixtures */
// Requests in the exact shapes the two Metacontroller releases send, produced by their own request
// builders (tests/fixtures/metacontroller/README.md): v4.17.2's v2 hooks (keys `<namespace>/<name>`,
// related objects of every namespace, `finalizing` always present) and v1.5.20's v1 hooks (keys
// `<name>`, narrowed to the parent's namespace). The same world must get the same answer from both,
// and objects of another namespace must change nothing.
import { describe, expect, it } from '@jest/globals';
import { metacontrollerRequest, realisticInput } from '../../bench/request.ts';
import {
  ALLOWED_FINALIZE_KEYS,
  ALLOWED_SYNC_KEYS,
  fixture,
  makeApp,
  post,
  type Json,
} from './hooks.helpers.ts';

const DEPLOYMENTS = 'Deployment.apps/v1';

describe('Metacontroller v4.17 (v2 hooks) and v1.5.20 (v1 hooks) requests', () => {
  it('the fixtures hold what each release sends', () => {
    const v2 = fixture('v4.17-sync');
    const v1 = fixture('v1.5.20-sync');
    expect(Object.keys(v2)).toEqual(['controller', 'parent', 'children', 'related', 'finalizing']);
    expect(Object.keys(v2.related['Pod.v1'])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ran-b\//)]),
    );
    expect(Object.keys(v1.related['Pod.v1']).every((k: string) => !k.includes('/'))).toBe(true);
  });

  it('related objects of another namespace change nothing in the answer', async () => {
    const { app } = await makeApp();
    // An Active CNF in namespace default (the scenario simulator's), in v2 request shape.
    const req: Json = metacontrollerRequest(realisticInput());
    const own = await post(app, '/sync', req);
    expect(own.statusCode).toBe(200);
    expect(own.json<Json>().status.phase).toBe('Active');
    // As in the issue: the same Deployment (name, labels) in another namespace, more replicas ready,
    // and Pods there that are not ready.
    const [key, dep] = Object.entries(req.related[DEPLOYMENTS] as Record<string, Json>)[0]!;
    const lab = structuredClone(req);
    lab.related[DEPLOYMENTS][key.replace(/^[^/]+\//, 'lab/')] = {
      ...structuredClone(dep),
      metadata: { ...dep.metadata, namespace: 'lab', uid: 'lab-uid' },
      spec: { ...dep.spec, replicas: 50 },
      status: { ...dep.status, replicas: 50, readyReplicas: 50, updatedReplicas: 50, availableReplicas: 50 },
    };
    for (const [k, pod] of Object.entries(req.related['Pod.v1'] as Record<string, Json>)) {
      lab.related['Pod.v1'][k.replace(/^[^/]+\//, 'lab/')] = {
        ...structuredClone(pod),
        metadata: { ...pod.metadata, namespace: 'lab' },
        status: { ...pod.status, phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] },
      };
    }
    const all = await post(app, '/sync', lab);
    expect(all.statusCode).toBe(200);
    for (const k of Object.keys(all.json<Json>())) expect(ALLOWED_SYNC_KEYS).toContain(k);
    expect(all.json<Json>()).toEqual(own.json<Json>());
    expect(all.json<Json>().status.readyReplicas).toBe(dep.status.readyReplicas);
  });

  it('a v1.5.20 request and a v4.17 request of the same world get the same answer', async () => {
    const { app } = await makeApp();
    const v2 = await post(app, '/sync', fixture('v4.17-sync'));
    const v1 = await post(app, '/sync', fixture('v1.5.20-sync'));
    expect(v1.statusCode).toBe(200);
    expect(v1.json<Json>()).toEqual(v2.json<Json>());
  });

  it('finalize (finalizing: true) does not wait on a workload of the same name in another namespace', async () => {
    const { app } = await makeApp();
    const req: Json = metacontrollerRequest(realisticInput());
    req.finalizing = true;
    req.parent.metadata.deletionTimestamp = '2026-03-01T11:00:00Z';
    // Porch and this namespace are clean: no children, no workload left here.
    req.children['PackageRevision.porch.kpt.dev/v1alpha1'] = {};
    const moved = (map: Record<string, Json>): Record<string, Json> =>
      Object.fromEntries(
        Object.entries(map).map(([k, o]) => [
          k.replace(/^[^/]+\//, 'lab/'),
          { ...o, metadata: { ...o.metadata, namespace: 'lab' } },
        ]),
      );
    req.related[DEPLOYMENTS] = moved(req.related[DEPLOYMENTS]);
    req.related['Pod.v1'] = moved(req.related['Pod.v1']);
    const res = await post(app, '/finalize', req);
    expect(res.statusCode).toBe(200);
    for (const k of Object.keys(res.json<Json>())) expect(ALLOWED_FINALIZE_KEYS).toContain(k);
    expect(JSON.stringify(res.json<Json>().status.conditions)).not.toContain('WaitingForWorkload');
  });

  it('customize names the parent namespace on label-selected rules for v4 (v2 hooks) only', async () => {
    const { app } = await makeApp();
    const v4 = fixture('customize');
    v4.controller.spec.hooks = { customize: { version: 'v2', webhook: { url: 'http://h/customize' } } };
    const narrowed = (await post(app, '/customize', v4)).json<Json>().relatedResources as Json[];
    const labelled = narrowed.filter((r) => r.labelSelector !== undefined);
    expect(labelled.length).toBeGreaterThan(0);
    for (const r of labelled) expect(r.namespace).toBe(v4.parent.metadata.namespace);
    // v1.5.20 refuses a rule with both, and has no hook versions.
    const v1 = fixture('customize');
    v1.controller.spec.hooks = { customize: { webhook: { url: 'http://h/customize' } } };
    const plain = (await post(app, '/customize', v1)).json<Json>().relatedResources as Json[];
    for (const r of plain.filter((x) => x.labelSelector !== undefined)) expect(r.namespace).toBeUndefined();
  });
});

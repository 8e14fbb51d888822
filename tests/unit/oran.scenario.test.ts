import { describe, it, expect } from '@jest/globals';
import { World } from '../fixtures/simulator.ts';
import { isTransitionAllowed } from '../../lib/phase.ts';
import type { CNFDeploymentSpec, OranSpec, Phase } from '../../lib/types.ts';

const A1 = 'http://ric-a1mediator.ricplt:10000';
const SUBMGR = 'http://service-ricplt-submgr-http.ricplt:8088';

function oranSpec(overrides: Partial<OranSpec> = {}): OranSpec {
  return {
    a1: {
      endpoint: A1,
      policyTypes: [{ policyTypeId: 20008, name: 'tsa', createSchema: { type: 'object' } }],
      policies: [
        { policyTypeId: 20008, policy: { threshold: 5 } },
        { policyTypeId: 21000, policyId: 'qos-cell-1', policy: { priority: 'high' } },
      ],
    },
    e2: {
      endpoint: SUBMGR,
      clientEndpoint: { host: 'odu-cell-1.ran', httpPort: 8080, rmrPort: 4560 },
      subscriptions: [
        {
          name: 'kpm',
          meid: 'gnb_001_001_00019b',
          ranFunctionId: 2,
          eventTriggers: [8, 39, 15],
          actions: [{ actionId: 1, actionType: 'report', actionDefinition: [5, 6] }],
        },
      ],
    },
    ...overrides,
  };
}

function odu(oran: OranSpec | undefined): Partial<CNFDeploymentSpec> {
  const spec: Partial<CNFDeploymentSpec> = {
    type: 'O-RAN',
    function: 'O-DU',
    replicas: 1,
    resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } },
  };
  if (oran !== undefined) spec.oran = oran;
  return spec;
}

function world(oran: OranSpec | null = oranSpec()): World {
  const w = new World({ name: 'odu-cell-1', namespace: 'ran', spec: odu(oran ?? undefined) });
  w.ric.knowType(A1, 21000);
  return w;
}

function cond(w: World, type: string) {
  return w.parent.status?.conditions?.find((c) => c.type === type);
}

function expectLegalPhases(w: World): void {
  const p = w.phases as Phase[];
  for (let i = 1; i < p.length; i++)
    expect([p[i - 1], p[i], isTransitionAllowed(p[i - 1]!, p[i]!)]).toEqual([p[i - 1], p[i], true]);
}

const active = (x: World): boolean => x.parent.status?.phase === 'Active';

describe('O-RAN configuration stage', () => {
  it('an O-DU with two policies and one subscription: Provisioning → Configuring → Active', () => {
    const w = world();
    w.runUntil(active);
    expect(w.phases).toEqual(['Provisioning', 'Configuring', 'Active']);
    expect(w.refusals).toEqual([]);
    expect([...w.ric.policies.keys()].sort()).toEqual([`${A1}#qos-cell-1`, `${A1}#ran-odu-cell-1-20008`]);
    expect(w.ric.types.has(`${A1}#20008`)).toBe(true);
    expect([...w.ric.subscriptions.values()]).toEqual([
      { endpoint: SUBMGR, meid: 'gnb_001_001_00019b', name: 'kpm' },
    ]);
    const oran = w.parent.status?.oran;
    expect(oran?.policies?.map((p) => [p.policyId, p.state])).toEqual([
      ['ran-odu-cell-1-20008', 'Enforced'],
      ['qos-cell-1', 'Enforced'],
    ]);
    expect(oran?.subscriptions).toEqual([
      expect.objectContaining({ name: 'kpm', subscriptionId: 'sub-1', state: 'Ready', endpoint: SUBMGR }),
    ]);
    expect(cond(w, 'Configured')).toMatchObject({ status: 'True', reason: 'OranConfigured' });
    // The type is created before the policy that needs it; the known type is not touched.
    expect(w.ric.calls.indexOf('putA1PolicyType 20008')).toBeLessThan(
      w.ric.calls.indexOf('putA1Policy ran-odu-cell-1-20008'),
    );
    expect(w.ric.calls).not.toContain('putA1PolicyType 21000');

    // Stable: no resync, no actions, a fixed point.
    const calls = w.ric.calls.length;
    const stable = w.sync();
    expect(stable.resyncAfterSeconds).toBeUndefined();
    expect(stable.actions).toEqual([]);
    expect(w.sync()).toEqual(stable);
    expect(w.ric.calls).toHaveLength(calls);
    expectLegalPhases(w);
  });

  it('no duplicate subscription on repeated syncs, nor after a 503 from the subscription manager', () => {
    const w = world();
    let unavailable = 2;
    w.ric.fail = (a) =>
      a.type === 'createE2Subscription' && unavailable-- > 0
        ? {
            class: 'Transient',
            reason: 'E2NodeNotConnected',
            message: '503 E2 node not connected',
            httpStatus: 503,
          }
        : undefined;
    w.runUntil((x) => x.parent.status?.phase === 'Configuring');
    const sub = () => w.parent.status?.oran?.subscriptions?.[0];
    w.sync();
    expect(sub()).toMatchObject({ state: 'Pending', message: expect.stringContaining('E2NodeNotConnected') });
    expect(w.parent.status?.lastError).toMatchObject({
      class: 'Transient',
      action: 'createE2Subscription:kpm',
    });
    w.runUntil(active, 50);
    for (let i = 0; i < 10; i++) w.sync();
    expect(w.ric.subscriptions.size).toBe(1);
    expect(w.ric.calls.filter((c) => c.startsWith('createE2Subscription')).length).toBe(3);
    expect(w.parent.status?.lastError).toBeUndefined();
  });

  it('a policy that stays NOT_ENFORCED holds the CNF in Configuring with the enforce reason', () => {
    const w = world();
    w.ric.enforce = (id) =>
      id === 'qos-cell-1'
        ? { enforceStatus: 'NOT_ENFORCED', enforceReason: 'STATEMENT_NOT_APPLICABLE' }
        : { enforceStatus: 'ENFORCED' };
    w.runUntil((x) => x.parent.status?.oran?.policies?.[1]?.state === 'NotEnforced');
    for (let i = 0; i < 5; i++) w.sync();
    expect(w.parent.status?.phase).toBe('Configuring');
    expect(cond(w, 'Configured')).toMatchObject({
      status: 'False',
      reason: 'PolicyNotEnforced',
      message: expect.stringContaining('STATEMENT_NOT_APPLICABLE'),
    });
    expect(w.parent.status?.oran?.policies?.[1]).toMatchObject({
      state: 'NotEnforced',
      message: 'STATEMENT_NOT_APPLICABLE',
    });
    // Polled, not hammered.
    expect(w.last?.resyncAfterSeconds).toBe(10);
    // No churn while nothing changes.
    const before = w.sync();
    expect(w.sync()).toEqual(before);

    w.ric.enforce = () => ({ enforceStatus: 'ENFORCED' });
    w.runUntil(active);

    // Once Active, a policy the RIC stops enforcing degrades the CNF, and it recovers.
    w.ric.enforce = (id) =>
      id === 'qos-cell-1'
        ? { enforceStatus: 'NOT_ENFORCED', enforceReason: 'E2 node lost' }
        : { enforceStatus: 'ENFORCED' };
    w.sync();
    expect(w.parent.status?.phase).toBe('Degraded');
    expect(cond(w, 'Degraded')).toMatchObject({ status: 'True', reason: 'PolicyNotEnforced' });
    w.ric.enforce = () => ({ enforceStatus: 'ENFORCED' });
    w.runUntil(active);
    expect(w.phases.slice(-3)).toEqual(['Active', 'Degraded', 'Active']);
    expectLegalPhases(w);
  });

  it('a policy lost by the RIC is put again', () => {
    const w = world();
    w.runUntil(active);
    w.ric.policies.delete(`${A1}#qos-cell-1`);
    w.runUntil((x) => x.ric.policies.has(`${A1}#qos-cell-1`) && active(x), 20);
    expect(w.ric.calls.filter((c) => c === 'putA1Policy qos-cell-1')).toHaveLength(2);
    expectLegalPhases(w);
  });

  it('removing a policy from the spec deletes it; a changed policy is put again', () => {
    const w = world();
    w.runUntil(active);
    const spec = oranSpec();
    w.setSpec({ oran: { ...spec, a1: { ...spec.a1!, policies: [spec.a1!.policies![1]!] } } });
    w.runUntil((x) => active(x) && x.parent.status?.oran?.policies?.length === 1);
    expect([...w.ric.policies.keys()]).toEqual([`${A1}#qos-cell-1`]);
    expect(w.ric.calls).toContain('deleteA1Policy ran-odu-cell-1-20008');

    const changed = { policyTypeId: 21000, policyId: 'qos-cell-1', policy: { priority: 'low' } };
    w.setSpec({ oran: { ...spec, a1: { ...spec.a1!, policies: [changed] } } });
    w.runUntil((x) => active(x) && x.ric.policies.get(`${A1}#qos-cell-1`)?.policy['priority'] === 'low');
    expect(w.ric.calls.filter((c) => c === 'putA1Policy qos-cell-1')).toHaveLength(2);
    // spec.oran is not package content: no new revision, no pod restart.
    expect(w.parent.status?.revision).toBe(1);
    expect(w.phases).not.toContain('Updating');
    expect(w.refusals).toEqual([]);
    expectLegalPhases(w);
  });

  it('removing spec.oran deletes every policy and subscription; the CNF stays Active', () => {
    const w = world();
    w.runUntil(active);
    const rest = { ...w.parent.spec };
    delete rest.oran;
    w.parent = { ...w.parent, metadata: { ...w.parent.metadata, generation: 2 }, spec: rest };
    w.runUntil((x) => x.parent.status?.oran === undefined && active(x));
    expect(w.ric.policies.size).toBe(0);
    expect(w.ric.subscriptions.size).toBe(0);
    expect(w.phases.slice(-1)).toEqual(['Active']);
    expect(cond(w, 'Configured')).toMatchObject({ status: 'True', reason: 'NoOranConfiguration' });
  });

  it('a changed subscription replaces the old one (delete, then create)', () => {
    const w = world();
    w.runUntil(active);
    const spec = oranSpec();
    const sub = { ...spec.e2!.subscriptions![0]!, ranFunctionId: 3 };
    w.setSpec({ oran: { ...spec, e2: { ...spec.e2!, subscriptions: [sub] } } });
    w.runUntil((x) => active(x) && x.parent.status?.oran?.subscriptions?.[0]?.subscriptionId === 'sub-2');
    expect([...w.ric.subscriptions.keys()]).toEqual(['sub-2']);
    expectLegalPhases(w);
  });

  it('a new A1 endpoint is a new target; the old one is cleaned up best effort', () => {
    const w = world();
    w.runUntil(active);
    const spec = oranSpec();
    const next = 'http://ric2-a1mediator.ricplt:10000/';
    w.ric.knowType('http://ric2-a1mediator.ricplt:10000', 21000);
    // The old RIC is gone: its deletes fail, which must not hold anything up.
    w.ric.fail = (a) =>
      a.type === 'deleteA1Policy' && a.endpoint === A1
        ? { class: 'Transient', reason: 'ConnectionFailed', message: 'ECONNREFUSED' }
        : undefined;
    w.setSpec({ oran: { ...spec, a1: { ...spec.a1!, endpoint: next } } });
    w.runUntil(
      (x) =>
        active(x) && x.parent.status?.oran?.policies?.every((p) => p.endpoint === next.slice(0, -1)) === true,
    );
    expect(w.ric.calls.filter((c) => c.startsWith('deleteA1Policy'))).toHaveLength(2);
    expect(w.parent.status?.lastError).toBeUndefined();
    expect(w.ric.policies.size).toBe(4); // two left behind on the old RIC (documented)
  });

  it('a new subscription manager endpoint: created there, the old one deleted best effort', () => {
    const w = world();
    w.runUntil(active);
    const spec = oranSpec();
    const next = 'http://submgr2.ricplt:8088';
    w.setSpec({ oran: { ...spec, e2: { ...spec.e2!, endpoint: next } } });
    w.runUntil((x) => active(x) && x.parent.status?.oran?.subscriptions?.[0]?.endpoint === next);
    expect([...w.ric.subscriptions.values()]).toEqual([expect.objectContaining({ endpoint: next })]);
    expect(w.ric.calls).toContain('deleteE2Subscription kpm');
    expect(w.parent.status?.oran?.subscriptions?.[0]).toMatchObject({
      subscriptionId: 'sub-2',
      state: 'Ready',
    });
  });

  it('an unknown policy type is a Configuration error, held until the spec changes', () => {
    const w = world();
    w.ric.types.clear();
    w.runUntil((x) => x.parent.status?.oran?.policies?.[1]?.state === 'Failed');
    const puts = () => w.ric.calls.filter((c) => c === 'putA1Policy qos-cell-1').length;
    expect(puts()).toBe(1);
    for (let i = 0; i < 5; i++) w.sync();
    expect(puts()).toBe(1);
    expect(w.parent.status?.phase).toBe('Configuring');
    expect(cond(w, 'Configured')).toMatchObject({ status: 'False', reason: 'OranConfigurationFailed' });
    expect(w.parent.status?.lastError).toMatchObject({
      class: 'Configuration',
      reason: 'UnknownPolicyType',
      action: 'putA1Policy:qos-cell-1',
    });
    // The operator creates the type and touches the spec: retried.
    w.ric.knowType(A1, 21000);
    w.setSpec({});
    w.runUntil(active);
    expect(puts()).toBe(2);
  });

  it('creates whose outcome is unknown are bounded', () => {
    const w = world();
    w.ric.fail = (a) =>
      a.type === 'createE2Subscription'
        ? { class: 'Transient', reason: 'Timeout', message: 'timed out' }
        : undefined;
    const run = w.ric.run.bind(w.ric);
    // Like a timeout after the subscription manager created it: the id is lost.
    w.ric.run = (a) => {
      const r = run(a);
      if (a.type === 'createE2Subscription') return { ...r, uncertain: true };
      return r;
    };
    w.runUntil((x) => x.parent.status?.oran?.subscriptions?.[0]?.state === 'Failed', 100);
    for (let i = 0; i < 5; i++) w.sync();
    expect(w.ric.calls.filter((c) => c.startsWith('createE2Subscription'))).toHaveLength(3);
    expect(w.parent.status?.oran?.subscriptions?.[0]).toMatchObject({
      state: 'Failed',
      uncertainCreates: 3,
      message: expect.stringContaining('orphaned'),
    });
  });

  it('deleting the CNF deletes its policies and subscription before finalizing', () => {
    const w = world();
    w.runUntil(active);
    w.markDeleted();
    w.sync();
    expect(w.parent.status?.phase).toBe('Terminating');
    expect(w.ric.policies.size).toBe(0);
    expect(w.ric.subscriptions.size).toBe(0);
    expect(w.finalized).toBe(false);
    w.runUntil((x) => x.children.size === 0 && x.branch === undefined, 20, 2);
    w.removeWorkload();
    w.runUntil((x) => x.finalized, 5, 2);
    expect(w.parent.status?.oran).toBeUndefined();
    expect(w.refusals).toEqual([]);
  });

  it('a RIC that refuses deletes holds finalizing, within the finalize bound', () => {
    const w = world();
    w.runUntil(active);
    w.ric.fail = (a) =>
      a.type === 'deleteE2Subscription'
        ? { class: 'Transient', reason: 'HTTP500', message: 'boom', httpStatus: 500 }
        : undefined;
    w.markDeleted();
    w.runUntil((x) => x.children.size === 0 && x.branch === undefined, 20, 2);
    w.removeWorkload();
    w.sync();
    expect(w.finalized).toBe(false);
    expect(cond(w, 'Terminating')).toMatchObject({ reason: 'DeletingOranConfiguration' });
    w.runUntil((x) => x.finalized, 400, 5);
    expect(cond(w, 'Terminating')).toMatchObject({ reason: 'TimedOut' });
  });

  it('without spec.oran nothing is reported and no A1/E2 action is asked for', () => {
    const w = world(null);
    w.runUntil(active);
    expect(w.parent.status?.oran).toBeUndefined();
    expect(w.ric.calls).toEqual([]);
    expect(cond(w, 'Configured')).toMatchObject({ status: 'True', reason: 'NoOranConfiguration' });
  });
});

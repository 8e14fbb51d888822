import { describe, it, expect } from '@jest/globals';
import { World } from '../fixtures/simulator.ts';
import { isTransitionAllowed } from '../../lib/phase.ts';
import type { Phase } from '../../lib/types.ts';

function cond(w: World, type: string) {
  return w.parent.status?.conditions?.find((c) => c.type === type);
}

function expectLegalPhases(w: World): void {
  const p = w.phases as Phase[];
  for (let i = 1; i < p.length; i++)
    expect([p[i - 1], p[i], isTransitionAllowed(p[i - 1]!, p[i]!)]).toEqual([p[i - 1], p[i], true]);
}

describe('scenario: a CNF through its whole life', () => {
  it('create → published → Active → scale → update → failed rollout → rollback → delete', () => {
    const w = new World();
    // create → Active
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    expect(w.phases).toEqual(['Provisioning', 'Configuring', 'Active']);
    expect(cond(w, 'Provisioning')?.status).toBe('True');
    expect(cond(w, 'Active')?.status).toBe('True');
    expect(cond(w, 'Ready')?.status).toBe('True');
    expect(w.parent.status?.readyReplicas).toBe(2);
    expect(w.parent.status?.revision).toBe(1);
    expect(w.parent.status?.selector).toBe('app.kubernetes.io/instance=test-amf,nephoran.com/cnf=test-amf');
    expect(w.refusals).toEqual([]);
    // stable: no resync, fixed point
    const stable = w.sync();
    expect(stable.resyncAfterSeconds).toBeUndefined();
    const again = w.sync();
    expect(again).toEqual(stable);

    // scale
    w.setSpec({ replicas: 3 });
    w.runUntil((x) => x.parent.status?.phase === 'Active' && x.parent.status.readyReplicas === 3);
    expect(w.phases).toContain('Scaling');
    expect(w.parent.status?.revision).toBe(2);
    expect(w.parent.status?.history?.map((h) => h.trigger)).toEqual(['Create', 'Scale']);

    // update
    w.setSpec({ image: 'registry.example/amf:2.0' });
    w.runUntil((x) => x.parent.status?.phase === 'Active' && x.parent.status.revision === 3);
    expect(w.phases).toContain('Updating');

    // failed rollout → rollback
    const badImage = 'registry.example/amf:broken';
    w.setSpec({ image: badImage, rollout: { progressDeadlineSeconds: 30, autoRollback: true } });
    w.podsReady = (hash) =>
      hash !== w.parent.status?.contentHash ||
      w.parent.spec.image !== badImage ||
      w.parent.status?.rollback !== undefined;
    const failingHash = { value: '' };
    w.podsReady = (hash) => {
      const st = w.parent.status;
      if (
        st?.history?.some(
          (h) =>
            h.contentHash === hash && h.trigger === 'Update' && h.generation === w.parent.metadata.generation,
        )
      ) {
        failingHash.value = hash;
        return false;
      }
      return true;
    };
    w.runUntil((x) => x.parent.status?.rollback !== undefined, 200, 2);
    expect(w.phases.slice(-2)).toEqual(['Updating', 'Degraded']);
    w.runUntil((x) => x.parent.status?.phase === 'Active', 100, 2);
    expect(w.phases.slice(-4)).toEqual(['Updating', 'Degraded', 'Healing', 'Active']);
    expect(cond(w, 'RolledBack')?.status).toBe('True');
    const hist = w.parent.status?.history ?? [];
    expect(hist.find((h) => h.contentHash === failingHash.value)?.outcome).toBe('Failed');
    expect(hist[hist.length - 1]?.trigger).toBe('Rollback');
    expect(hist[hist.length - 1]?.outcome).toBe('Healthy');
    expect(w.refusals).toEqual([]);

    // delete
    w.markDeleted();
    w.sync();
    expect(w.parent.status?.phase).toBe('Terminating');
    w.runUntil((x) => x.children.size === 0, 20, 2);
    w.removeWorkload();
    w.runUntil((x) => x.finalized, 5, 2);
    expect(w.parent.status?.phase).toBe('Deleted');
    expect(w.refusals).toEqual([]);
    expectLegalPhases(w);
  });
});

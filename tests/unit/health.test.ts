import { describe, it, expect } from '@jest/globals';
import { assessHealth, selectDeployment, worst, workloadFacts, type HealthInput } from '../../lib/health.ts';
import { deployment, emptyRelated, endpointSlice, NOW, pod, pods } from '../fixtures/builders.ts';
import type { RelatedObjects } from '../../lib/types.ts';

const HASH = 'a'.repeat(64);

function hi(related: Partial<RelatedObjects>, extra: Partial<HealthInput> = {}): HealthInput {
  return {
    name: 'test-amf',
    related: { ...emptyRelated(), ...related },
    desiredHash: HASH,
    desiredReplicas: 2,
    packageState: 'Published',
    packageRevision: 'deployments.default.test-amf.r1-aaaaaaaaaa',
    now: NOW,
    countFailures: true,
    ...extra,
  };
}

function later(s: number): string {
  return new Date(Date.parse(NOW) + s * 1000).toISOString();
}

describe('health aggregation', () => {
  it('is Healthy when published, applied, all replicas, pods and endpoints are ready', () => {
    const { health, workload } = assessHealth(
      hi({
        deployments: [deployment({ contentHash: HASH })],
        pods: pods(2),
        endpointSlices: [endpointSlice('test-amf', 2)],
      }),
    );
    expect(health.overall).toBe('Healthy');
    expect(health.checks.map((c) => [c.name, c.status])).toEqual([
      ['PackagePublished', 'Healthy'],
      ['DeploymentReady', 'Healthy'],
      ['PodsReady', 'Healthy'],
      ['ServiceEndpoints', 'Healthy'],
    ]);
    expect(health.consecutiveFails).toBe(0);
    expect(workload).toMatchObject({ applied: true, replicasReady: true, readyReplicas: 2, replicas: 2 });
  });

  it('is Unhealthy without a Deployment or Pods', () => {
    const { health } = assessHealth(hi({}, { packageState: 'None' }));
    expect(health.overall).toBe('Unhealthy');
    expect(health.checks.find((c) => c.name === 'DeploymentReady')?.message).toMatch(/not found/);
    expect(health.checks.find((c) => c.name === 'PackagePublished')?.status).toBe('Unhealthy');
  });

  it('is Degraded when GitOps has not applied the latest content', () => {
    const { health, workload } = assessHealth(
      hi(
        { deployments: [deployment({ contentHash: 'b'.repeat(64) })], pods: pods(2) },
        { packageState: 'InFlight' },
      ),
    );
    expect(workload.applied).toBe(false);
    expect(health.overall).toBe('Degraded');
    expect(health.checks.find((c) => c.name === 'DeploymentReady')?.message).toMatch(/not applied/);
  });

  it('counts ready replicas on the latest template only (min(ready, updated))', () => {
    const { workload, health } = assessHealth(
      hi({
        deployments: [deployment({ contentHash: HASH, replicas: 3, readyReplicas: 3, updatedReplicas: 1 })],
        pods: [...pods(2), pod('p3', { ready: false, waitingReason: 'CrashLoopBackOff' })],
      }),
    );
    expect(workload.readyReplicas).toBe(1);
    expect(workload.replicasReady).toBe(false);
    expect(health.overall).toBe('Degraded');
    expect(health.checks.find((c) => c.name === 'PodsReady')?.message).toBe(
      '2/3 pods ready (CrashLoopBackOff)',
    );
  });

  it('reports ProgressDeadlineExceeded as Unhealthy', () => {
    const { workload, health } = assessHealth(
      hi({
        deployments: [deployment({ contentHash: HASH, readyReplicas: 0, progressDeadlineExceeded: true })],
      }),
    );
    expect(workload.progressDeadlineExceeded).toBe(true);
    expect(health.checks.find((c) => c.name === 'DeploymentReady')?.status).toBe('Unhealthy');
  });

  it('zero ready replicas and no ready endpoints are Unhealthy; zero desired is fine', () => {
    const r = assessHealth(
      hi({
        deployments: [deployment({ contentHash: HASH, readyReplicas: 0 })],
        pods: pods(2, { ready: false }),
        endpointSlices: [endpointSlice('test-amf', 0, 2)],
      }),
    );
    expect(r.health.checks.map((c) => c.status)).toEqual(['Healthy', 'Unhealthy', 'Unhealthy', 'Unhealthy']);
    const zero = assessHealth(
      hi({ deployments: [deployment({ contentHash: HASH, replicas: 0 })] }, { desiredReplicas: 0 }),
    );
    expect(zero.health.overall).toBe('Healthy');
  });

  it('keeps check timestamps while status is unchanged', () => {
    const first = assessHealth(hi({ deployments: [deployment({ contentHash: HASH })], pods: pods(2) }));
    const second = assessHealth(
      hi(
        { deployments: [deployment({ contentHash: HASH })], pods: pods(2) },
        { previous: first.health, now: later(30) },
      ),
    );
    expect(second.health).toEqual(first.health);
    const third = assessHealth(
      hi(
        { deployments: [deployment({ contentHash: HASH })], pods: pods(2, { ready: false }) },
        {
          previous: second.health,
          now: later(40),
        },
      ),
    );
    expect(third.health.checks.find((c) => c.name === 'PodsReady')?.timestamp).toBe(later(40));
    expect(third.health.checks.find((c) => c.name === 'DeploymentReady')?.timestamp).toBe(NOW);
  });

  it('counts consecutive failures at most once per interval, or when the failing set changes', () => {
    const rel = { deployments: [deployment({ contentHash: HASH })], pods: pods(2, { ready: false }) };
    const a = assessHealth(hi(rel));
    expect(a.health.consecutiveFails).toBe(1);
    expect(a.health.lastCheck).toBe(NOW);
    const b = assessHealth(hi(rel, { previous: a.health, now: later(3) }));
    expect(b.health).toEqual(a.health);
    const c = assessHealth(hi(rel, { previous: b.health, now: later(10) }));
    expect(c.health.consecutiveFails).toBe(2);
    const d = assessHealth(
      hi(
        { ...rel, endpointSlices: [endpointSlice('test-amf', 0, 2)] },
        { previous: c.health, now: later(11) },
      ),
    );
    expect(d.health.consecutiveFails).toBe(3);
    // Not counted during a rollout; recovery resets.
    const e = assessHealth(hi(rel, { previous: d.health, now: later(12), countFailures: false }));
    expect(e.health.consecutiveFails).toBe(0);
    const f = assessHealth(
      hi(
        { deployments: [deployment({ contentHash: HASH })], pods: pods(2) },
        { previous: e.health, now: later(13) },
      ),
    );
    expect(f.health.consecutiveFails).toBe(0);
    expect(f.health.lastCheck).toBe(later(12));
  });

  it('worst() and selectDeployment() helpers', () => {
    expect(worst([])).toBe('Healthy');
    expect(worst(['Degraded', 'Healthy'])).toBe('Degraded');
    expect(worst(['Degraded', 'Unhealthy'])).toBe('Unhealthy');
    const other = deployment({ name: 'other' });
    other.metadata.labels = { 'nephoran.com/cnf': 'someone-else' };
    const mine = deployment({ name: 'test-amf-extra' });
    mine.metadata.labels = { 'nephoran.com/cnf': 'test-amf' };
    expect(
      selectDeployment({ ...emptyRelated(), deployments: [other, mine] }, 'test-amf')?.metadata.name,
    ).toBe('test-amf-extra');
  });
});

describe('workload facts during a rollout', () => {
  const related = (d: ReturnType<typeof deployment>): RelatedObjects => ({
    ...emptyRelated(),
    deployments: [d],
  });

  it('is not ready while old-template pods are still running (surge), even if enough pods are ready', () => {
    // 2 desired, surge: 2 updated + 1 old pod, all 3 ready.
    const d = deployment({ contentHash: HASH, replicas: 2, readyReplicas: 3, updatedReplicas: 2 });
    (d.status as Record<string, unknown>)['replicas'] = 3;
    const during = workloadFacts(related(d), 'test-amf', HASH, 2);
    expect(during.readyReplicas).toBe(2);
    expect(during.replicasReady).toBe(false);
    // The old pod is gone: rolled out.
    (d.status as Record<string, unknown>)['replicas'] = 2;
    (d.status as Record<string, unknown>)['readyReplicas'] = 2;
    expect(workloadFacts(related(d), 'test-amf', HASH, 2).replicasReady).toBe(true);
  });

  it('reads an omitted updatedReplicas as 0 once the new template is observed (omitempty)', () => {
    // The controller has just observed generation 2 and created the new ReplicaSet with no pods yet:
    // the old 3 pods are ready and updatedReplicas (0) is left out of the JSON.
    const d = deployment({ contentHash: HASH, replicas: 3, generation: 2, observedGeneration: 2 });
    delete (d.status as Record<string, unknown>)['updatedReplicas'];
    const facts = workloadFacts(related(d), 'test-amf', HASH, 3);
    expect(facts.readyReplicas).toBe(0);
    expect(facts.replicasReady).toBe(false);
  });

  it('ignores a ProgressDeadlineExceeded the controller reported for an older generation', () => {
    // GitOps just applied the rollback (generation 3); the condition is still the failed rollout's.
    const stale = deployment({
      contentHash: HASH,
      progressDeadlineExceeded: true,
      generation: 3,
      observedGeneration: 2,
    });
    expect(workloadFacts(related(stale), 'test-amf', HASH, 2).progressDeadlineExceeded).toBe(false);
    const current = deployment({
      contentHash: HASH,
      progressDeadlineExceeded: true,
      generation: 3,
      observedGeneration: 3,
    });
    expect(workloadFacts(related(current), 'test-amf', HASH, 2).progressDeadlineExceeded).toBe(true);
  });
});

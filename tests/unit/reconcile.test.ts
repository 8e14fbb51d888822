import { describe, it, expect } from '@jest/globals';
import { sha256Hex } from '../../lib/sha256.ts';
import { applyActionResults, finalize, reconcile } from '../../lib/reconcile/index.ts';
import { planOran } from '../../lib/oran/plan.ts';
import { World } from '../fixtures/simulator.ts';
import { cnf, healthyWorkload, input, NOW, packageRevision, REPOSITORY } from '../fixtures/builders.ts';
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_GENERATION,
  ANNOTATION_TRIGGER,
  LABEL_CNF,
  LABEL_CONTROLLER_UID,
} from '../../lib/labels.ts';
import type { ActionResult, CNFDeployment, ReconcileOutput } from '../../lib/types.ts';

function cond(out: ReconcileOutput | CNFDeployment, type: string) {
  return out.status?.conditions?.find((c) => c.type === type);
}

function later(s: number, from = NOW): string {
  return new Date(Date.parse(from) + s * 1000).toISOString();
}

describe('CNFLifecycleManager Deploy', () => {
  it('Deploy success: first sync creates a Draft with an init task, Porch name, labels and annotations', () => {
    const out = reconcile(input(cnf()));
    expect(out.children).toHaveLength(1);
    const child = out.children[0]!;
    expect(child.spec.lifecycle).toBe('Draft');
    expect(child.spec.tasks?.[0]?.type).toBe('init');
    expect(child.spec.packageName).toBe('default/test-amf');
    expect(child.spec.repository).toBe(REPOSITORY);
    expect(child.spec.workspaceName).toMatch(/^r1-[0-9a-f]{10}$/);
    expect(child.metadata.name).toBe(`${REPOSITORY}.default.test-amf.${child.spec.workspaceName}`);
    expect(child.metadata.labels).toEqual({ [LABEL_CNF]: 'test-amf', [LABEL_CONTROLLER_UID]: 'uid-1234' });
    expect(child.metadata.annotations?.[ANNOTATION_TRIGGER]).toBe('Create');
    expect(child.metadata.annotations?.[ANNOTATION_GENERATION]).toBe('1');
    expect(child.metadata.annotations?.[ANNOTATION_CONTENT_HASH]).toBe(out.status.contentHash);
    expect(child.metadata.labels?.['kpt.dev/latest-revision']).toBeUndefined();
    expect(out.actions).toEqual([]);
    expect(out.status.phase).toBe('Provisioning');
    expect(cond(out, 'Provisioning')).toMatchObject({
      status: 'True',
      reason: 'Provisioning',
      observedGeneration: 1,
    });
    expect(cond(out, 'PackagePublished')?.reason).toBe('Creating');
    expect(out.status.packageRevision).toBe(child.metadata.name);
    expect(out.status.selector).toBe('app.kubernetes.io/instance=test-amf,nephoran.com/cnf=test-amf');
    expect(out.resyncAfterSeconds).toBeLessThanOrEqual(2);
    expect(out.status.history?.[0]).toMatchObject({
      outcome: 'Pending',
      replicas: 2,
      trigger: 'Create',
      revision: 0,
    });
  });

  it('Deploy success: drives the Draft (write → propose → approve, one answer) and reaches Active', () => {
    const w = new World();
    const create = w.sync();
    expect(create.children.map((c) => c.spec.lifecycle)).toEqual(['Draft']);
    const publish = w.sync();
    // Every step the revision still needs, in order, for the shell to run one after another.
    const name = publish.status.packageRevision;
    expect(publish.actions.map((a) => `${a.type} ${a.name}`)).toEqual([
      `writeResources ${name}`,
      `propose ${name}`,
      `approve ${name}`,
    ]);
    expect(cond(publish, 'PackagePublished')?.reason).toBe('WritingContent');
    // The desired child keeps the lifecycle Porch holds: Metacontroller never updates it (OnDelete).
    expect(publish.children[0]?.spec.lifecycle).toBe('Draft');
    expect(w.children.get(name!)?.spec.lifecycle).toBe('Published');
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    expect(w.parent.status?.history?.[0]).toMatchObject({ outcome: 'Healthy', revision: 1 });
    expect(w.parent.status?.lastHealthy?.contentHash).toBe(w.parent.status?.contentHash);
    expect(cond(w.parent, 'Provisioning')).toMatchObject({ status: 'True', reason: 'Provisioned' });
    expect(w.refusals).toEqual([]);
  });

  it('a written Draft is proposed and approved; a Proposed one is approved', () => {
    const w = new World();
    w.sync();
    const name = w.last!.status.packageRevision!;
    // The content is there already (an earlier answer's write landed, its propose did not).
    w.failActions = (a) =>
      a.type === 'propose' ? { class: 'Transient', reason: 'HTTP503', message: 'unavailable' } : undefined;
    const first = w.sync();
    expect(first.actions.map((a) => a.type)).toEqual(['writeResources', 'propose', 'approve']);
    expect(w.children.get(name)?.spec.lifecycle).toBe('Draft');
    expect(first.status.lastError).toMatchObject({ reason: 'HTTP503', action: `propose:${name}` });
    w.failActions = undefined;
    w.advance(first.resyncAfterSeconds ?? 2);
    const second = w.sync();
    expect(second.actions.map((a) => a.type)).toEqual(['propose', 'approve']);
    expect(cond(second, 'PackagePublished')?.reason).toBe('Proposing');
    expect(w.children.get(name)?.spec.lifecycle).toBe('Published');
  });

  it('a failed write stops the chain: nothing is proposed or approved with the wrong content', () => {
    const w = new World();
    w.sync();
    const name = w.last!.status.packageRevision!;
    w.failActions = (a) =>
      a.type === 'writeResources'
        ? { class: 'Transient', reason: 'HTTP500', message: 'non-fast-forward' }
        : undefined;
    const out = w.sync();
    expect(out.actions.map((a) => a.type)).toEqual(['writeResources', 'propose', 'approve']);
    expect(w.children.get(name)?.spec.lifecycle).toBe('Draft');
    expect(out.status.lastError).toMatchObject({ reason: 'HTTP500', action: `writeResources:${name}` });
    expect(w.refusals).toEqual([]);
  });

  it("plans from Porch's copy when Metacontroller's lags: a revision Porch lists Proposed is approved", () => {
    const w = new World({ spec: { porch: { approval: 'Manual' } } });
    w.runUntil((x) => x.children.values().next().value?.spec.lifecycle === 'Proposed');
    const name = w.last!.status.packageRevision!;
    const input = w.input();
    // Metacontroller still shows the Draft (its watch missed Porch's update); Porch lists Proposed.
    input.children = input.children.map((c) => ({ ...c, spec: { ...c.spec, lifecycle: 'Draft' } }));
    input.parent.spec.porch = { ...input.parent.spec.porch, approval: 'Automatic' };
    expect(input.observations.packageRevisions?.find((p) => p.metadata.name === name)?.spec.lifecycle).toBe(
      'Proposed',
    );
    const out = reconcile(input);
    expect(out.actions.map((a) => `${a.type} ${a.name}`)).toEqual([`approve ${name}`]);
    expect(out.children.find((c) => c.metadata.name === name)?.spec.lifecycle).toBe('Proposed');
  });

  it('Manual approval: the condition names the revision and how to approve it', () => {
    const w = new World({ spec: { porch: { approval: 'Manual' } } });
    w.runUntil((x) => x.children.values().next().value?.spec.lifecycle === 'Proposed');
    const out = w.sync();
    expect(out.actions).toEqual([]);
    const name = out.status.packageRevision ?? '';
    expect(cond(out, 'PackagePublished')).toMatchObject({ status: 'False', reason: 'AwaitingApproval' });
    expect(cond(out, 'PackagePublished')?.message).toContain(`porchctl rpkg approve ${name} -n default`);
    expect(out.resyncAfterSeconds).toBeLessThanOrEqual(2);
  });

  it('Deploy Porch failure: a Transient action failure is reported with backoff and cleared on success', () => {
    const w = new World();
    w.sync();
    w.failActions = () => ({
      class: 'Transient',
      reason: 'ServiceUnavailable',
      message: 'connection refused',
    });
    const first = w.sync();
    expect(first.status.lastError).toMatchObject({
      class: 'Transient',
      reason: 'ServiceUnavailable',
      failures: 1,
      action: `writeResources:${first.status.packageRevision}`,
    });
    expect(first.resyncAfterSeconds).toBe(2);
    expect(cond(first, 'Synced')).toMatchObject({ status: 'False', reason: 'ServiceUnavailable' });
    // A status-triggered resync inside the window changes nothing (no hot loop).
    w.advance(1);
    const early = w.sync();
    expect(early.status).toEqual(first.status);
    expect(early.resyncAfterSeconds).toBe(1);
    w.advance(1);
    const second = w.sync();
    expect(second.status.lastError?.failures).toBe(2);
    expect(second.resyncAfterSeconds).toBe(4);
    // Backoff is capped at 60 s.
    for (let i = 0; i < 8; i++) {
      w.advance(w.last?.resyncAfterSeconds ?? 1);
      w.sync();
    }
    expect(w.last?.resyncAfterSeconds).toBe(60);
    w.failActions = undefined;
    w.advance(60);
    const recovered = w.sync();
    expect(recovered.status.lastError).toBeUndefined();
    expect(cond(recovered, 'Synced')?.status).toBe('True');
    expect(recovered.resyncAfterSeconds).toBeLessThanOrEqual(2);
    w.runUntil((x) => x.parent.status?.phase === 'Active');
  });

  it('Deploy Porch failure: observation errors are Transient with backoff; recovery clears them', () => {
    const w = new World();
    w.sync();
    w.observationErrors = [
      { class: 'Transient', reason: 'ConnectionFailed', message: 'timeout', since: NOW },
    ];
    const out = w.sync();
    expect(out.status.lastError).toMatchObject({
      class: 'Transient',
      reason: 'ConnectionFailed',
      failures: 1,
    });
    expect(out.resyncAfterSeconds).toBe(2);
    w.observationErrors = [];
    w.advance(2);
    const ok = w.sync();
    expect(ok.status.lastError).toBeUndefined();
  });

  it('Deploy invalid spec: Failed with a Configuration error, field paths, no children, no resync', () => {
    const bad = cnf({ spec: { function: 'NOPE' } });
    const out = reconcile(input(bad));
    expect(out.children).toEqual([]);
    expect(out.actions).toEqual([]);
    expect(out.status.phase).toBe('Failed');
    expect(out.status.lastError).toMatchObject({
      class: 'Configuration',
      reason: 'InvalidSpec',
      generation: 1,
    });
    expect(out.status.lastError?.fields).toContain('spec.function');
    expect(out.resyncAfterSeconds).toBeUndefined();
    expect(cond(out, 'SpecValid')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(cond(out, 'Provisioning')?.status).toBe('False');
    // Stable when called again with its own status.
    const again = reconcile(input({ ...bad, status: out.status }));
    expect(again).toEqual(out);
  });

  it('Deploy invalid spec: an invalid Porch package name is a Configuration error', () => {
    const out = reconcile(input(cnf({ spec: { porch: { packageName: 'Bad_Name' } } })));
    expect(out.status.phase).toBe('Failed');
    expect(out.status.lastError?.fields).toContain('spec.porch.packageName');
  });

  it('Deploy invalid spec later: observed children (Published ones included) are echoed unchanged', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const before = [...w.children.keys()];
    w.setSpec({ function: 'NOPE' });
    const out = w.sync();
    expect(out.status.phase).toBe('Failed');
    expect(out.children.map((c) => c.metadata.name)).toEqual(before);
    expect(out.children[0]?.spec.lifecycle).toBe('Published');
    expect(w.refusals).toEqual([]);
    // Fixing the spec resumes (Failed → Updating/Active).
    w.setSpec({ function: 'AMF', image: 'registry.example/amf:3' });
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    expect(w.phases).toContain('Updating');
    expect(w.parent.status?.lastError).toBeUndefined();
  });
});

describe('CNFLifecycleManager Scale', () => {
  it('Scale success: replicas-only change → Scaling → Active with a Scale revision (edit from published)', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const firstName = w.parent.status?.packageRevision;
    w.setSpec({ replicas: 4 });
    const out = w.sync();
    expect(out.status.phase).toBe('Scaling');
    const created = out.children.find((c) => c.metadata.name !== firstName);
    expect(created?.metadata.annotations?.[ANNOTATION_TRIGGER]).toBe('Scale');
    expect(created?.spec.workspaceName).toMatch(/^r2-/);
    expect(created?.spec.tasks).toEqual([{ type: 'edit', edit: { sourceRef: { name: firstName } } }]);
    expect(out.status.scaling?.lastScaleTime).toBe(w.now);
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    expect(w.parent.status).toMatchObject({ replicas: 4, readyReplicas: 4, revision: 2 });
  });

  it('Scale exceeds max: rejected as a Configuration error on spec.replicas', () => {
    const out = reconcile(input(cnf({ spec: { replicas: 5, maxReplicas: 3 } })));
    expect(out.status.phase).toBe('Failed');
    expect(out.status.lastError).toMatchObject({ class: 'Configuration' });
    expect(out.status.lastError?.fields).toContain('spec.replicas');
    expect(out.children).toEqual([]);
  });

  it('Scale within cooldown is deferred until the cooldown ends', () => {
    const w = new World({ spec: { scaling: { cooldownSeconds: 60 } } });
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    w.setSpec({ replicas: 3 });
    w.runUntil((x) => x.parent.status?.phase === 'Active' && x.parent.status.readyReplicas === 3);
    const scaledAt = w.parent.status?.scaling?.lastScaleTime ?? '';
    w.setSpec({ replicas: 5 });
    const out = w.sync();
    const until = later(60, scaledAt);
    expect(out.status.phase).toBe('Active');
    expect(cond(out, 'ScalingDeferred')).toMatchObject({ status: 'True', reason: 'Cooldown' });
    expect(cond(out, 'ScalingDeferred')?.message).toContain(until);
    expect(out.status.scaling).toMatchObject({ cooldownUntil: until, pendingReplicas: 5 });
    expect(out.resyncAfterSeconds).toBe(Math.ceil((Date.parse(until) - Date.parse(w.now)) / 1000));
    expect(out.children.filter((c) => c.spec.lifecycle !== 'Published')).toEqual([]);
    w.advance(out.resyncAfterSeconds ?? 0);
    w.runUntil((x) => x.parent.status?.readyReplicas === 5 && x.parent.status.phase === 'Active');
    expect(cond(w.parent, 'ScalingDeferred')?.status).toBe('False');
  });
});

describe('CNFLifecycleManager Delete', () => {
  it('Delete with graceful shutdown: Published revisions deleted by the shell, the rest by Metacontroller, then finalized once the workload is gone', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const published = [...w.children.keys()];
    w.markDeleted();
    const first = w.sync() as ReturnType<typeof finalize>;
    expect(first.status.phase).toBe('Terminating');
    expect(first.finalized).toBe(false);
    // Every child is left out; the Published ones (which Metacontroller may not delete while
    // Porch's webhook asks for DeletionProposed first) are deleted by the shell.
    expect(first.children).toEqual([]);
    expect(cond(first, 'Terminating')?.reason).toBe('DeletingPackageRevisions');
    // The package leaves the deployment branch only after its numbered revisions are gone.
    expect(first.actions.filter((a) => a.type === 'deletePackageRevision').map((a) => a.name)).toEqual(
      published,
    );
    expect(w.children.size).toBe(0);
    // Then Porch's branch revision (found in Porch's listing, whatever the branch is called).
    const second = w.sync() as ReturnType<typeof finalize>;
    expect(second.finalized).toBe(false);
    expect(cond(second, 'Terminating')?.reason).toBe('DeletingPackageRevisions');
    expect(second.actions).toContainEqual({
      type: 'deletePackageRevision',
      name: `${w.parent.status?.repository}.default.${w.parent.metadata.name}.main`,
      namespace: 'default',
    });
    expect(w.branch).toBeUndefined();
    const third = w.sync() as ReturnType<typeof finalize>;
    expect(cond(third, 'Terminating')?.reason).toBe('WaitingForWorkload');
    w.removeWorkload();
    const last = w.sync() as ReturnType<typeof finalize>;
    expect(last.finalized).toBe(true);
    expect(last.status.phase).toBe('Deleted');
    expect(cond(last, 'Terminating')?.reason).toBe('Finalized');
    expect(w.refusals).toEqual([]);
    // Called again after finalizing: still finalized, stable.
    expect(finalize(w.input())).toMatchObject({ finalized: true, status: { phase: 'Deleted' } });
  });

  it('finalizes anyway after the bound, and says so', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    w.gitops = false;
    w.markDeleted();
    w.sync();
    const since = w.parent.status?.phaseSince;
    w.advance(100);
    const mid = w.sync() as ReturnType<typeof finalize>;
    expect(mid.finalized).toBe(false);
    expect(mid.status.phaseSince).toBe(since);
    w.advance(300);
    const out = w.sync() as ReturnType<typeof finalize>;
    expect(out.finalized).toBe(true);
    expect(cond(out, 'Terminating')?.reason).toBe('TimedOut');
  });

  it('reconcile on a deleting parent answers like finalize without `finalized`', () => {
    const out = reconcile(input(cnf({ deletionTimestamp: NOW })));
    expect(out.status.phase).toBe('Terminating');
    expect('finalized' in out).toBe(false);
  });
});

describe('CNFLifecycleManager GetStatus', () => {
  it('GetStatus not found: the revision named in status disappeared → reported and recreated', () => {
    const first = reconcile(input(cnf()));
    const name = first.status.packageRevision;
    const out = reconcile(input(cnf({ status: first.status }), { now: later(5) }));
    expect(out.children.map((c) => c.metadata.name)).toEqual([name]);
    expect(cond(out, 'PackagePublished')).toMatchObject({ status: 'False', reason: 'RevisionNotFound' });
    expect(cond(out, 'PackagePublished')?.message).toContain(name);
  });
});

describe('reconcile', () => {
  it('gates initial provisioning on dependencies being Active', () => {
    const parent = cnf({ spec: { dependencies: ['nrf', 'udm'] } });
    const nrf = cnf({ name: 'nrf', status: { phase: 'Provisioning' } });
    const out = reconcile(input(parent, { related: { cnfDeployments: [nrf] } }));
    expect(out.children).toEqual([]);
    expect(out.status.phase).toBe('Pending');
    expect(out.resyncAfterSeconds).toBe(10);
    expect(cond(out, 'DependenciesReady')).toMatchObject({ status: 'False', reason: 'DependenciesNotReady' });
    expect(cond(out, 'DependenciesReady')?.message).toContain('nrf (Provisioning)');
    expect(cond(out, 'DependenciesReady')?.message).toContain('udm (not found)');
    const ready = [
      cnf({ name: 'nrf', status: { phase: 'Active' } }),
      cnf({ name: 'udm', status: { phase: 'Active' } }),
    ];
    const go = reconcile(input({ ...parent, status: out.status }, { related: { cnfDeployments: ready } }));
    expect(go.children).toHaveLength(1);
    expect(go.status.phase).toBe('Provisioning');
    expect(cond(go, 'DependenciesReady')).toMatchObject({ status: 'True', reason: 'DependenciesActive' });
  });

  it('reconcile recovery after error: an invalid spec fixed at a new generation provisions', () => {
    const bad = reconcile(input(cnf({ spec: { replicas: 9, maxReplicas: 2 } })));
    const fixed = reconcile(
      input(cnf({ generation: 2, spec: { replicas: 2, maxReplicas: 2 }, status: bad.status })),
    );
    expect(fixed.status.phase).toBe('Provisioning');
    expect(fixed.status.lastError).toBeUndefined();
    expect(cond(fixed, 'SpecValid')?.status).toBe('True');
    expect(fixed.children).toHaveLength(1);
  });

  it('no reconcile loop: a stable Active CNF answers identically and asks for no resync', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const a = w.sync();
    w.advance(3600);
    const b = w.sync();
    expect(b).toEqual(a);
    expect(b.resyncAfterSeconds).toBeUndefined();
  });

  it('supersedes an unpublished revision when the spec changes again (left out, history Superseded)', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    w.setSpec({ image: 'registry.example/amf:2' });
    w.sync();
    const inflight = w.parent.status?.packageRevision ?? '';
    w.setSpec({ image: 'registry.example/amf:3' });
    const out = w.sync();
    expect(out.children.map((c) => c.metadata.name)).not.toContain(inflight);
    expect(out.children.filter((c) => c.spec.lifecycle !== 'Published')).toHaveLength(1);
    expect(out.status.history?.find((h) => h.name === inflight)?.outcome).toBe('Superseded');
    expect(out.children.find((c) => c.spec.lifecycle === 'Draft')?.spec.workspaceName).toMatch(/^r3-/);
  });

  it('keeps the latest 5 published revisions and prunes older ones via DeletionProposed', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    for (let i = 2; i <= 7; i++) {
      w.setSpec({ image: `registry.example/amf:${i}` });
      w.runUntil((x) => x.parent.status?.phase === 'Active' && x.parent.status.revision === i);
    }
    w.run();
    const published = [...w.children.values()].filter((c) => c.spec.lifecycle === 'Published');
    expect(published.map((c) => c.spec.revision).sort()).toEqual([3, 4, 5, 6, 7]);
    expect(w.refusals).toEqual([]);
    expect(w.parent.status?.history?.length).toBeLessThanOrEqual(10);
  });

  it('a failed first rollout (no last healthy spec) → Failed with RolloutFailed', () => {
    const w = new World({ spec: { rollout: { progressDeadlineSeconds: 20 } } });
    w.podsReady = () => false;
    w.runUntil((x) => x.parent.status?.phase === 'Failed', 100, 2);
    expect(w.parent.status?.lastError).toMatchObject({ class: 'Permanent', reason: 'RolloutFailed' });
    expect(cond(w.parent, 'Provisioning')).toMatchObject({ status: 'True', reason: 'ProvisioningFailed' });
    const a = w.sync();
    expect(a.resyncAfterSeconds).toBeUndefined();
    expect(w.sync()).toEqual(a);
    // The workload recovering by itself → Active.
    w.podsReady = () => true;
    w.gitopsSync();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
  });

  it('detects ProgressDeadlineExceeded on the first sync that sees it; without autoRollback → Failed', () => {
    const w = new World({ spec: { rollout: { autoRollback: false, progressDeadlineSeconds: 600 } } });
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    w.setSpec({ image: 'registry.example/amf:bad' });
    w.podsReady = (h) => h !== w.parent.status?.contentHash;
    w.sync();
    w.runUntil(
      (x) =>
        x.deployments[0]?.metadata.annotations?.[ANNOTATION_CONTENT_HASH] === x.parent.status?.contentHash,
    );
    const dep = w.deployments[0]!;
    (dep.status as Record<string, unknown>)['conditions'] = [
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
    ];
    w.gitops = false;
    const out = w.sync();
    expect(out.status.phase).toBe('Failed');
    expect(out.status.lastError).toMatchObject({ reason: 'RolloutFailed' });
    expect(out.status.lastError?.message).toContain('ProgressDeadlineExceeded');
    expect(out.resyncAfterSeconds).toBeUndefined();
    expect(w.parent.status?.rollback).toBeUndefined();
  });

  it('heals a degraded Active CNF by restarting pods through a new revision, bounded', () => {
    const w = new World({ spec: { rollout: { progressDeadlineSeconds: 30 } } });
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    w.podsReady = () => false;
    w.gitopsSync();
    w.runUntil((x) => x.parent.status?.phase === 'Healing', 100, 2);
    expect(w.phases.slice(-3)).toEqual(['Active', 'Degraded', 'Healing']);
    expect(w.parent.status?.healing).toMatchObject({ attempts: 1, restartGeneration: 1 });
    const healRev = [...w.children.values()].find(
      (c) => c.metadata.annotations?.[ANNOTATION_TRIGGER] === 'Heal',
    );
    expect(healRev).toBeDefined();
    w.podsReady = () => true;
    w.runUntil((x) => x.parent.status?.phase === 'Active', 100, 2);
    expect(w.parent.status?.healing?.attempts).toBe(0);
    const deploymentYaml =
      w.files.get(w.parent.status?.packageRevision ?? '')?.files['deployment.yaml'] ?? '';
    expect(deploymentYaml).toContain('nephoran.com/restart-generation');
    // Never recovering → Failed after the bounded attempts.
    w.podsReady = () => false;
    w.gitopsSync();
    w.runUntil((x) => x.parent.status?.phase === 'Failed', 400, 2);
    expect(w.parent.status?.lastError).toMatchObject({ reason: 'HealingExhausted' });
    expect(w.parent.status?.healing?.attempts).toBe(3);
    expect(w.refusals).toEqual([]);
  });

  it('a CNF with spec.oran waits in Configuring until the O-RAN stage reports done', () => {
    const oran = {
      a1: { endpoint: 'http://ric:10000', policies: [{ policyTypeId: 1, policyId: 'p', policy: { x: 1 } }] },
    };
    const w = new World({ spec: { oran } });
    // The A1 mediator is unavailable: the policy stays Pending.
    w.ric.fail = () => ({ class: 'Transient', reason: 'HTTP503', message: 'unavailable', httpStatus: 503 });
    w.runUntil((x) => x.parent.status?.phase === 'Configuring');
    const out = w.sync();
    expect(out.status.phase).toBe('Configuring');
    expect(cond(out, 'Configured')).toMatchObject({ status: 'False', reason: 'OranConfigurationPending' });
    const enforced = {
      policyTypeId: 1,
      policyId: 'p',
      state: 'Enforced' as const,
      endpoint: 'http://ric:10000',
      policyHash: sha256Hex('{"x":1}'),
    };
    // The configuration stage is complete when every policy is Enforced with its current body.
    const complete = (parent: CNFDeployment): boolean =>
      planOran({ parent, prev: parent.status?.oran, observations: {}, ready: true, generation: 1 }).stage ===
      'complete';
    expect(complete(cnf({ spec: { oran }, status: { oran: { policies: [enforced] } } }))).toBe(true);
    // The same entry for an older body (or another endpoint) is not done.
    const stale = { ...enforced, policyHash: sha256Hex('{"x":0}') };
    expect(complete(cnf({ spec: { oran }, status: { oran: { policies: [stale] } } }))).toBe(false);
    expect(complete(cnf({ spec: { oran: { a1: { endpoint: 'http://ric:10000' } } } }))).toBe(true);
    expect(complete(cnf())).toBe(true);
  });

  it('status.selector is the Deployment selector (scale subresource)', () => {
    expect(reconcile(input(cnf({ name: 'x' }))).status.selector).toBe(
      'app.kubernetes.io/instance=x,nephoran.com/cnf=x',
    );
  });

  it('echoes observed children with their observed spec and without Porch-owned labels', () => {
    const parent = cnf();
    const first = reconcile(input(parent));
    const hash = first.status.contentHash ?? '';
    const pr = packageRevision({
      workspace: `r1-${hash.slice(0, 10)}`,
      lifecycle: 'Published',
      revision: 1,
      contentHash: hash,
      publishTimestamp: NOW,
    });
    pr.metadata.labels = { ...pr.metadata.labels, 'kpt.dev/latest-revision': 'true', other: 'x' };
    const out = reconcile(input(parent, { children: [pr], related: healthyWorkload(hash) }));
    const echoed = out.children[0]!;
    expect(echoed.spec).toEqual(pr.spec);
    expect(echoed.metadata.labels).toEqual({ [LABEL_CNF]: 'test-amf', [LABEL_CONTROLLER_UID]: 'uid-1234' });
  });
});

describe('applyActionResults', () => {
  const base = (): ReconcileOutput => reconcile(input(cnf()));
  const action = {
    type: 'approve' as const,
    name: 'deployments.default.test-amf.r1-0123456789',
    namespace: 'default',
    contentHash: 'h',
  };

  it('is a no-op without failures or a matching previous error', () => {
    const out = base();
    expect(applyActionResults(out, [{ action, ok: true }], NOW)).toBe(out);
    expect(applyActionResults(out, [], NOW)).toBe(out);
  });

  it('backs Permanent failures off slowly (30 s, then 60 s …): the in-flight resync does not retry them every 2 s', () => {
    const out = base();
    const results: ActionResult[] = [
      {
        action,
        ok: false,
        error: { class: 'Permanent', reason: 'Forbidden', message: '403', httpStatus: 403 },
      },
    ];
    const folded = applyActionResults(out, results, NOW);
    expect(folded.status.lastError).toMatchObject({
      class: 'Permanent',
      reason: 'Forbidden',
      action: `approve:${action.name}`,
    });
    expect(folded.resyncAfterSeconds).toBe(30);
    // Inside the window the same failure is not counted again; the rest of the window is asked for.
    const again = applyActionResults(
      { ...out, status: folded.status },
      results,
      new Date(Date.parse(NOW) + 10_000).toISOString(),
    );
    expect(again.status.lastError).toEqual(folded.status.lastError);
    expect(again.resyncAfterSeconds).toBe(20);
    // After it, counted again: 60 s.
    const later = applyActionResults(
      { ...out, status: folded.status },
      results,
      new Date(Date.parse(NOW) + 31_000).toISOString(),
    );
    expect(later.status.lastError?.failures).toBe(2);
    expect(later.resyncAfterSeconds).toBe(60);
    const noDetail = applyActionResults(out, [{ action, ok: false }], NOW);
    expect(noDetail.status.lastError).toMatchObject({ class: 'Transient', reason: 'ActionFailed' });
  });

  it('keeps a FinalizeOutput a FinalizeOutput', () => {
    const fin = finalize(input(cnf({ deletionTimestamp: NOW })));
    const folded = applyActionResults(fin, [], NOW);
    expect(folded.finalized).toBe(false);
  });
});

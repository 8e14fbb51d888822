// The pure reconciler: observed parent + children + related objects → desired PackageRevision
// children, status, actions for the hook shell and a resync hint. No I/O, no clock: `now` comes in.
// reconcile() reads top to bottom like the lifecycle in docs/lifecycle.md; each step is a module
// of this folder that takes the facts earlier steps produced and returns new ones.
import type { CNFDeploymentStatus, ReconcileInput, ReconcileOutput } from '../types.ts';
import { FieldIssuesError } from '../errors.ts';
import { buildConditions } from '../conditions.ts';
import { selectorString } from '../labels.ts';
import { planOran } from '../oran/plan.ts';
import { compact, context, phaseSince, type Ctx } from './context.ts';
import { invalidSpec, resolve } from './resolve.ts';
import { dependencyProblems, waitForDependencies } from './dependencies.ts';
import { isReady, observeBasis, rollout } from './rollout.ts';
import { decidePhase, recordActive, verdict } from './target-phase.ts';
import { lastErrorFor } from './last-error.ts';
import { conditionsFor } from './conditions.ts';
import { resyncAfter } from './resync.ts';
import { finalize } from './finalize.ts';

export { finalize } from './finalize.ts';
export { applyActionResults } from './results.ts';

export function reconcile(input: ReconcileInput): ReconcileOutput {
  if (input.parent.metadata.deletionTimestamp !== undefined) {
    // Metacontroller calls sync while deleting when no finalize hook is configured: same answer.
    const { children, status, actions, resyncAfterSeconds } = finalize(input);
    return resyncAfterSeconds === undefined
      ? { children, status, actions }
      : { children, status, actions, resyncAfterSeconds };
  }
  const ctx = context(input);
  try {
    return reconcileLive(ctx);
  } catch (e) {
    // Only inputs validation should have rejected get here (e.g. a render refusal): same answer.
    if (e instanceof FieldIssuesError) return invalidSpec(ctx, e.issues);
    throw e;
  }
}

function reconcileLive(ctx: Ctx): ReconcileOutput {
  const { prev, now, generation } = ctx;

  // 1. Resolve: the defaulted, validated spec and where its package lives.
  const resolution = resolve(ctx);
  if (!resolution.ok) return invalidSpec(ctx, resolution.issues);
  const resolved = resolution.value;

  // 2. Dependencies gate the first revision only.
  const basis = observeBasis(ctx);
  const dependencies = dependencyProblems(ctx, resolved.spec);
  const started = basis.children.length > 0 || (prev.history ?? []).length > 0;
  if (!started && dependencies.length > 0) return waitForDependencies(ctx, resolved.spec, dependencies);

  // 3. Rollout: the revision that carries the desired content, and how its rollout went.
  const facts = rollout(ctx, resolved, basis);

  // 4. The O-RAN configuration stage, which starts once the workload is ready.
  const oran = planOran({
    parent: { ...ctx.parent, spec: resolved.spec },
    prev: prev.oran,
    observations: ctx.input.observations,
    ready: isReady(facts.evaluation),
    generation,
  });

  // 5. Phase: the target, then one legal step towards it.
  const v = verdict(ctx, facts, oran.stage);
  const step = decidePhase(ctx, facts, v, oran.stage);
  const active = recordActive(ctx, facts, step.phase);

  // 6. Errors.
  const actions = [...facts.evaluation.plan.actions, ...oran.actions];
  const errors = lastErrorFor(ctx, actions, oran.heldKeys, facts.failure);

  // 7. Conditions.
  const conditions = buildConditions(
    conditionsFor({
      ctx,
      resolved,
      rollout: facts,
      verdict: v,
      phase: step.phase,
      oran,
      dependencyProblems: dependencies,
      lastError: errors.lastError,
    }),
    prev.conditions,
    now,
    generation,
  );

  // 8. Resync.
  const resyncAfterSeconds = resyncAfter({ ctx, step, rollout: facts, verdict: v, oran, errors });

  const e = facts.evaluation;
  const w = e.health.workload;
  const status: CNFDeploymentStatus = compact({
    ...prev,
    phase: step.phase,
    phaseSince: phaseSince(prev, step.phase, now),
    conditions,
    observedGeneration: generation,
    replicas: w.replicas,
    readyReplicas: w.readyReplicas,
    selector: selectorString(ctx.parent.metadata.name),
    packageRevision: e.plan.target.name,
    packageName: resolved.packageName,
    repository: resolved.repository,
    revision: e.plan.latestPublished?.revision,
    contentHash: e.desired.rendered.contentHash,
    health: e.health.health,
    history: facts.history,
    lastError: errors.lastError,
    lastHealthy: active.lastHealthy,
    rollback: facts.rollback,
    scaling: facts.scaling !== undefined && Object.keys(facts.scaling).length > 0 ? facts.scaling : undefined,
    healing: active.healing,
    oran: oran.status,
  });
  const out: ReconcileOutput = { children: e.plan.children, status, actions };
  if (resyncAfterSeconds !== undefined) out.resyncAfterSeconds = resyncAfterSeconds;
  return out;
}

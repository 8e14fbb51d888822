// Step 3, rollout: which content the latest revision carries and how its rollout went. It starts
// from the spec (or the last healthy spec while a rollback holds), defers a replicas-only change
// inside the scaling cooldown, then runs the judgement steps in order — a failed rollout is rolled
// back or fails the CNF, a settled but unhealthy workload is healed, a healthy one is recorded —
// each taking the facts so far and returning new ones.
import type {
  CNFDeploymentSpec,
  CNFDeploymentStatus,
  RenderedPackage,
  RevisionHistoryEntry,
  RevisionTrigger,
} from '../types.ts';
import { ANNOTATION_GENERATION } from '../labels.ts';
import { renderPackage } from '../render/index.ts';
import { assessHealth, type HealthResult } from '../health.ts';
import {
  describeChild,
  planRevisions,
  proposeAgainOf,
  publishedChildren,
  type ChildInfo,
  type RevisionPlan,
} from '../revisions.ts';
import { findEntry, markOutcome, updateHistory, type NewEntry } from '../history.ts';
import { DEFAULTS } from '../defaults.ts';
import { porchView, type PorchView } from '../porch-view.ts';
import { addSeconds, compact, secondsBetween, type Ctx } from './context.ts';
import type { Resolved } from './resolve.ts';

/** Consecutive failed health checks (one per 10 s) before healing restarts the pods. */
const HEAL_AFTER_FAILED_CHECKS = 3;
/** Healing attempts before giving up (phase Failed, reason HealingExhausted). */
const MAX_HEALING_ATTEMPTS = 3;

/** The content the latest revision should carry, and why. */
export interface Desired {
  spec: CNFDeploymentSpec;
  restartGeneration: number;
  trigger: RevisionTrigger;
  rendered: RenderedPackage;
}

/** The desired content planned against the observed revisions, and the workload's health on it. */
export interface Evaluation {
  desired: Desired;
  plan: RevisionPlan;
  health: HealthResult;
}

/** What failed for good: phase Failed, status.lastError Permanent. */
export interface Failure {
  reason: 'RolloutFailed' | 'RollbackFailed' | 'HealingExhausted';
  message: string;
}

/** What the observed children say; fixed for the whole reconcile. */
export interface Basis {
  children: ChildInfo[];
  /** What Porch holds for the package, when the shell listed it. */
  porch: PorchView | undefined;
  latestPublished: ChildInfo | undefined;
  /** status.history's entry of the latest published revision. */
  latestPublishedEntry: RevisionHistoryEntry | undefined;
}

export interface RolloutFacts {
  evaluation: Evaluation;
  history: RevisionHistoryEntry[];
  healing: CNFDeploymentStatus['healing'];
  rollback: CNFDeploymentStatus['rollback'];
  scaling: CNFDeploymentStatus['scaling'];
  /** Set while a replicas-only change waits for the cooldown. */
  deferredUntil: string | undefined;
  failure: Failure | undefined;
}

type Step = (ctx: Ctx, r: Resolved, basis: Basis, facts: RolloutFacts) => RolloutFacts;

export function observeBasis(ctx: Ctx): Basis {
  const history = ctx.prev.history ?? [];
  const children = ctx.input.children.map((c) => describeChild(c, history));
  const latestPublished = publishedChildren(children)[0];
  const latestPublishedEntry =
    latestPublished === undefined ? undefined : findEntry(ctx.prev.history ?? [], latestPublished.name);
  const porch = porchView(ctx.input.observations.packageRevisions, ctx.parent, ctx.input.children);
  return { children, porch, latestPublished, latestPublishedEntry };
}

/** A rollback holds until the spec changes: the failed generation is not retried. */
export function rollbackActive(ctx: Ctx, rollback: CNFDeploymentStatus['rollback']): boolean {
  return (
    rollback !== undefined &&
    rollback.failedGeneration === ctx.generation &&
    ctx.prev.lastHealthy !== undefined
  );
}

export function rollout(ctx: Ctx, r: Resolved, basis: Basis): RolloutFacts {
  const steps: Step[] = [judgeRollout, heal, settle];
  return steps.reduce((facts, step) => step(ctx, r, basis, facts), start(ctx, r, basis));
}

export function isReady(e: Evaluation): boolean {
  return e.health.workload.replicasReady && e.health.health.overall === 'Healthy';
}

/** The target revision is published and its rollout has an outcome (healthy once, or failed). */
export function isSettled(history: readonly RevisionHistoryEntry[], e: Evaluation): boolean {
  const outcome = findEntry(history, e.plan.target.name)?.outcome;
  return e.plan.target.state === 'Published' && (outcome === 'Healthy' || outcome === 'Failed');
}

export function failingChecks(e: Evaluation): string {
  const bad = e.health.health.checks.filter((c) => c.status !== 'Healthy');
  return bad.map((c) => `${c.name}: ${c.message}`).join('; ') || 'workload not ready';
}

// ---- desired content ----------------------------------------------------------------------------------

function render(ctx: Ctx, r: Resolved, spec: CNFDeploymentSpec, restartGeneration: number): RenderedPackage {
  return renderPackage({
    name: ctx.parent.metadata.name,
    namespace: ctx.namespace,
    spec,
    packageName: r.packageName,
    repository: r.repository,
    restartGeneration,
  });
}

/** Why new content would be rolled out: compared with the latest published revision. */
function triggerOf(
  ctx: Ctx,
  r: Resolved,
  basis: Basis,
  rollback: CNFDeploymentStatus['rollback'],
  spec: CNFDeploymentSpec,
  rendered: RenderedPackage,
  restartGeneration: number,
): RevisionTrigger {
  const latest = basis.latestPublished;
  if (rollbackActive(ctx, rollback)) return 'Rollback';
  if (latest === undefined) return 'Create';
  if (rendered.contentHash === latest.contentHash) return latest.trigger ?? 'Update';
  const replicas = basis.latestPublishedEntry?.replicas;
  if (replicas !== undefined) {
    const sameReplicas = render(ctx, r, { ...spec, replicas }, restartGeneration);
    if (sameReplicas.contentHash === latest.contentHash) return 'Scale';
  }
  return 'Update';
}

function desiredFor(
  ctx: Ctx,
  r: Resolved,
  basis: Basis,
  rollback: CNFDeploymentStatus['rollback'],
  spec: CNFDeploymentSpec,
  restartGeneration: number,
  forced?: RevisionTrigger,
): Desired {
  const rendered = render(ctx, r, spec, restartGeneration);
  const trigger = forced ?? triggerOf(ctx, r, basis, rollback, spec, rendered, restartGeneration);
  return { spec, restartGeneration, rendered, trigger };
}

function evaluate(
  ctx: Ctx,
  r: Resolved,
  basis: Basis,
  history: readonly RevisionHistoryEntry[],
  desired: Desired,
): Evaluation {
  const plan = planRevisions({
    parent: ctx.parent,
    children: basis.children,
    history,
    desired: {
      contentHash: desired.rendered.contentHash,
      files: desired.rendered.files,
      trigger: desired.trigger,
      generation: ctx.generation,
      replicas: desired.spec.replicas ?? DEFAULTS.replicas,
      restartGeneration: desired.restartGeneration,
    },
    packageName: r.packageName,
    repository: r.repository,
    approval: r.approval,
    observations: ctx.input.observations,
    porch: basis.porch,
  });
  const outcome = findEntry(history, plan.target.name)?.outcome;
  const settled = plan.target.state === 'Published' && (outcome === 'Healthy' || outcome === 'Failed');
  const health = assessHealth({
    name: ctx.parent.metadata.name,
    related: ctx.input.related,
    desiredHash: desired.rendered.contentHash,
    desiredReplicas: desired.spec.replicas ?? DEFAULTS.replicas,
    packageState:
      plan.target.state === 'Published'
        ? 'Published'
        : basis.latestPublished !== undefined || basis.children.length > 0
          ? 'InFlight'
          : 'None',
    packageRevision: plan.target.name,
    previous: ctx.prev.health,
    now: ctx.now,
    countFailures: settled,
  });
  return { desired, plan, health };
}

/** status.history's view of an evaluation's target (the generation its child was rendered from). */
function historyEntry(ctx: Ctx, e: Evaluation): NewEntry {
  const annotated = Number(e.plan.target.info?.child.metadata.annotations?.[ANNOTATION_GENERATION]);
  return {
    target: e.plan.target,
    contentHash: e.desired.rendered.contentHash,
    generation: Number.isSafeInteger(annotated) ? annotated : ctx.generation,
    replicas: e.desired.spec.replicas ?? DEFAULTS.replicas,
    restartGeneration: e.desired.restartGeneration,
    proposeAgain: proposeAgainOf(ctx.parent),
  };
}

function withEvaluation(
  ctx: Ctx,
  r: Resolved,
  basis: Basis,
  facts: RolloutFacts,
  desired: Desired,
): RolloutFacts {
  const evaluation = evaluate(ctx, r, basis, facts.history, desired);
  const history = updateHistory(facts.history, basis.children, historyEntry(ctx, evaluation), ctx.now);
  return { ...facts, evaluation, history };
}

// ---- the steps -------------------------------------------------------------------------------------------

/** What the spec asks for (or the last healthy spec while a rollback holds), after the cooldown. */
function start(ctx: Ctx, r: Resolved, basis: Basis): RolloutFacts {
  const { prev } = ctx;
  const restartGeneration = prev.healing?.restartGeneration ?? 0;
  let desired = rollbackActive(ctx, prev.rollback)
    ? desiredFor(
        ctx,
        r,
        basis,
        prev.rollback,
        (prev.lastHealthy as { spec: CNFDeploymentSpec }).spec,
        restartGeneration,
        'Rollback',
      )
    : desiredFor(ctx, r, basis, prev.rollback, r.spec, restartGeneration);

  // Scaling cooldown: a replicas-only change inside the cooldown keeps the current revision.
  let deferredUntil: string | undefined;
  const cooldown = r.spec.scaling?.cooldownSeconds ?? DEFAULTS.cooldownSeconds;
  const lastScale = prev.scaling?.lastScaleTime;
  if (desired.trigger === 'Scale' && cooldown > 0 && lastScale !== undefined) {
    const until = addSeconds(lastScale, cooldown);
    const exists = basis.children.some((c) => c.contentHash === desired.rendered.contentHash);
    if (!exists && Date.parse(ctx.now) < Date.parse(until)) {
      const head = [...(prev.history ?? [])]
        .reverse()
        .find((h) => h.outcome !== 'Superseded' && h.outcome !== 'Failed');
      const keep =
        head?.replicas ?? basis.latestPublishedEntry?.replicas ?? r.spec.replicas ?? DEFAULTS.replicas;
      const current = desiredFor(
        ctx,
        r,
        basis,
        prev.rollback,
        { ...desired.spec, replicas: keep },
        restartGeneration,
      );
      desired = { ...current, trigger: current.trigger === 'Scale' ? 'Update' : current.trigger };
      deferredUntil = until;
    }
  }
  let scaling = prev.scaling;
  if (deferredUntil !== undefined) {
    scaling = compact({ ...scaling, cooldownUntil: deferredUntil, pendingReplicas: r.spec.replicas });
  } else if (scaling?.cooldownUntil !== undefined || scaling?.pendingReplicas !== undefined) {
    scaling = compact({ ...scaling, cooldownUntil: undefined, pendingReplicas: undefined });
  }

  // History first learns about publication, so the rollout deadline has a start.
  const evaluation = evaluate(ctx, r, basis, prev.history ?? [], desired);
  return {
    evaluation,
    history: updateHistory(prev.history ?? [], basis.children, historyEntry(ctx, evaluation), ctx.now),
    healing: prev.healing,
    rollback: prev.rollback,
    scaling,
    deferredUntil,
    failure: undefined,
  };
}

/** Why the published target failed its rollout, or undefined while it may still succeed. */
function rolloutFailure(ctx: Ctx, r: Resolved, facts: RolloutFacts): string | undefined {
  const e = facts.evaluation;
  if (e.plan.target.state !== 'Published') return undefined;
  const entry = findEntry(facts.history, e.plan.target.name);
  if (isReady(e) || entry?.outcome === 'Healthy') return undefined;
  if (entry?.outcome === 'Failed') return 'previously failed';
  if (e.health.workload.progressDeadlineExceeded) return 'Deployment reported ProgressDeadlineExceeded';
  const deadline = r.spec.rollout?.progressDeadlineSeconds ?? DEFAULTS.progressDeadlineSeconds;
  const publishedAt = entry?.publishedAt ?? e.plan.target.info?.child.status?.publishTimestamp;
  if (publishedAt !== undefined && secondsBetween(publishedAt, ctx.now) >= deadline) {
    return `not ready within progressDeadlineSeconds (${deadline}s) of publication at ${publishedAt}`;
  }
  return undefined;
}

/** A failed rollout: a healing attempt waits for more failed checks, anything else rolls back or fails. */
const judgeRollout: Step = (ctx, r, basis, facts) => {
  const why = rolloutFailure(ctx, r, facts);
  if (why === undefined) return facts;
  const { evaluation } = facts;
  const target = evaluation.plan.target;
  const newlyFailed = findEntry(facts.history, target.name)?.outcome !== 'Failed';
  const failed = { ...facts, history: markOutcome(facts.history, target.name, 'Failed', ctx.now) };
  const message = `revision ${target.name} (${target.trigger}) failed its rollout: ${why}`;
  if (target.trigger === 'Heal') return failed;
  if (target.trigger === 'Rollback') return { ...failed, failure: { reason: 'RollbackFailed', message } };
  const lastHealthy = ctx.prev.lastHealthy;
  const canRollBack =
    newlyFailed &&
    (r.spec.rollout?.autoRollback ?? DEFAULTS.autoRollback) &&
    lastHealthy !== undefined &&
    lastHealthy.contentHash !== evaluation.desired.rendered.contentHash;
  if (!canRollBack) return { ...failed, failure: { reason: 'RolloutFailed', message } };
  const restartGeneration = facts.healing?.restartGeneration ?? 0;
  const desired = desiredFor(ctx, r, basis, facts.rollback, lastHealthy.spec, restartGeneration, 'Rollback');
  const rollback = {
    failedContentHash: evaluation.desired.rendered.contentHash,
    failedGeneration: ctx.generation,
    toContentHash: desired.rendered.contentHash,
    at: ctx.now,
    message,
  };
  return withEvaluation(ctx, r, basis, { ...failed, rollback }, desired);
};

/** A settled revision that stays unhealthy for N checks gets its pods restarted, a bounded number of times. */
const heal: Step = (ctx, r, basis, facts) => {
  const e = facts.evaluation;
  if (facts.failure !== undefined || !isSettled(facts.history, e) || isReady(e)) return facts;
  const attempts = facts.healing?.attempts ?? 0;
  if (attempts >= MAX_HEALING_ATTEMPTS) {
    const message = `still unhealthy after ${attempts} healing attempts: ${failingChecks(e)}`;
    return { ...facts, failure: { reason: 'HealingExhausted', message } };
  }
  if (ctx.prev.phase !== 'Degraded' || e.health.health.consecutiveFails < HEAL_AFTER_FAILED_CHECKS)
    return facts;
  const restartGeneration = (facts.healing?.restartGeneration ?? 0) + 1;
  const healing = { attempts: attempts + 1, lastAttemptAt: ctx.now, restartGeneration };
  const desired = desiredFor(ctx, r, basis, facts.rollback, e.desired.spec, restartGeneration, 'Heal');
  return withEvaluation(ctx, r, basis, { ...facts, healing }, desired);
};

/** Records a healthy rollout, and when a replicas-only revision was first asked for (the cooldown's start). */
const settle: Step = (ctx, _r, _basis, facts) => {
  const target = facts.evaluation.plan.target;
  let { history, scaling } = facts;
  if (target.state === 'Published' && isReady(facts.evaluation)) {
    history = markOutcome(history, target.name, 'Healthy', ctx.now);
  }
  const isNewScale =
    target.state === 'New' &&
    target.trigger === 'Scale' &&
    !(ctx.prev.history ?? []).some((h) => h.name === target.name);
  if (isNewScale) scaling = compact({ ...scaling, lastScaleTime: ctx.now });
  return { ...facts, history, scaling };
};

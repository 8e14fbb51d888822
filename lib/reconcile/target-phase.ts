// Step 5, phase: where the CNF should be (the target phase, chosen from the rollout's facts and the
// O-RAN stage, in the order docs/lifecycle.md lists), then one legal step towards it along the
// transition table in lib/phase.ts. The spec last seen Active is recorded here, for rollbacks.
import type { CNFDeploymentStatus, Phase, RevisionTrigger } from '../types.ts';
import type { PhaseStep } from '../phase.ts';
import type { OranStage } from '../oran/plan.ts';
import { stepFrom, type Ctx } from './context.ts';
import { isReady, isSettled, rollbackActive, type RolloutFacts } from './rollout.ts';

/** What the phase and the conditions are decided from. */
export interface Verdict {
  /** The workload runs the latest content with enough ready replicas and is healthy. */
  ready: boolean;
  /** The latest revision is neither settled nor ready: a rollout is in progress. */
  inFlight: boolean;
  /** The configuration stage (O-RAN) is complete. */
  configured: boolean;
  /** The CNF was Active before this sync (status.lastHealthy is set). */
  wasActive: boolean;
}

export function verdict(ctx: Ctx, facts: RolloutFacts, stage: OranStage): Verdict {
  const ready = isReady(facts.evaluation);
  return {
    ready,
    inFlight: !isSettled(facts.history, facts.evaluation) && !ready,
    configured: stage === 'complete',
    wasActive: ctx.prev.lastHealthy !== undefined,
  };
}

/** Where the CNF should be, in the order of docs/lifecycle.md ("How the target phase is chosen"). */
function targetPhase(ctx: Ctx, facts: RolloutFacts, v: Verdict, stage: OranStage): Phase {
  if (facts.failure !== undefined) return 'Failed';
  if (!v.wasActive) return !v.ready ? 'Provisioning' : v.configured ? 'Active' : 'Configuring';
  if (v.ready) return v.configured ? 'Active' : oranHoldPhase(ctx.prev.phase, stage);
  if (v.inFlight) return rolloutPhase(facts.evaluation.plan.target.trigger);
  return 'Degraded';
}

export function decidePhase(ctx: Ctx, facts: RolloutFacts, v: Verdict, stage: OranStage): PhaseStep {
  return stepFrom(ctx.prev, targetPhase(ctx, facts, v, stage));
}

/**
 * Phase while the workload is ready but the O-RAN stage is not complete, for a CNF that was Active
 * before: new work shows as Configuring; a policy NOT_ENFORCED (or refused) as Degraded. Either stays
 * where it is when the other edge is not in the table (Configuring ↛ Degraded, Degraded ↛
 * Configuring), so no phase is shown in between.
 */
function oranHoldPhase(prev: Phase | undefined, stage: OranStage): Phase {
  if (stage === 'pending') return prev === 'Degraded' ? 'Degraded' : 'Configuring';
  return prev === 'Configuring' ? 'Configuring' : 'Degraded';
}

/** The phase of a revision in flight, by what made it. */
function rolloutPhase(trigger: RevisionTrigger): Phase {
  switch (trigger) {
    case 'Scale':
      return 'Scaling';
    case 'Heal':
    case 'Rollback':
      return 'Healing';
    default:
      return 'Updating';
  }
}

/** On Active: the spec to roll back to from now on, and healing attempts start again from 0. */
export function recordActive(
  ctx: Ctx,
  facts: RolloutFacts,
  phase: Phase,
): { lastHealthy: CNFDeploymentStatus['lastHealthy']; healing: CNFDeploymentStatus['healing'] } {
  let { lastHealthy } = ctx.prev;
  let { healing } = facts;
  if (phase !== 'Active') return { lastHealthy, healing };
  const desired = facts.evaluation.desired;
  // While a rollback holds, the healthy spec is still the generation rolled back to.
  const generation =
    rollbackActive(ctx, facts.rollback) && lastHealthy !== undefined
      ? lastHealthy.generation
      : ctx.generation;
  if (lastHealthy?.contentHash !== desired.rendered.contentHash || lastHealthy.generation !== generation) {
    lastHealthy = { generation, contentHash: desired.rendered.contentHash, spec: desired.spec };
  }
  if (healing !== undefined && healing.attempts !== 0) healing = { ...healing, attempts: 0 };
  return { lastHealthy, healing };
}

// Step 8, resync: when Metacontroller should call again although nothing it watches changed. The
// shortest of the reasons to look again wins; an error's backoff overrides them all.
import type { Phase } from '../types.ts';
import type { PhaseStep } from '../phase.ts';
import type { OranPlan } from '../oran/plan.ts';
import { RESYNC, secondsBetween, type Ctx } from './context.ts';
import type { ErrorFacts } from './last-error.ts';
import type { RolloutFacts } from './rollout.ts';
import type { Verdict } from './target-phase.ts';

export interface ResyncFacts {
  ctx: Ctx;
  step: PhaseStep;
  rollout: RolloutFacts;
  verdict: Verdict;
  oran: OranPlan;
  errors: ErrorFacts;
}

const WATCHED_PHASES: ReadonlySet<Phase> = new Set<Phase>(['Degraded', 'Healing']);

export function resyncAfter(f: ResyncFacts): number | undefined {
  if (f.errors.resyncAfterSeconds !== undefined) return f.errors.resyncAfterSeconds;
  const { rollout, verdict, oran } = f;
  const hints: number[] = [];
  if (f.step.intermediate) hints.push(RESYNC.step);
  if (rollout.failure === undefined && (verdict.inFlight || WATCHED_PHASES.has(f.step.phase))) {
    hints.push(RESYNC.inFlight);
  }
  if (rollout.evaluation.plan.pruning.length > 0) hints.push(RESYNC.inFlight);
  if (rollout.deferredUntil !== undefined) {
    hints.push(Math.max(1, Math.ceil(secondsBetween(f.ctx.now, rollout.deferredUntil))));
  }
  if (oran.deleting > 0 || (verdict.ready && (oran.actions.length > 0 || oran.stage === 'pending'))) {
    hints.push(RESYNC.inFlight);
  } else if (verdict.ready && oran.stage === 'notEnforced') {
    hints.push(RESYNC.oranPoll);
  }
  return hints.length > 0 ? Math.min(...hints) : undefined;
}

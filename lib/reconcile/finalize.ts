// The finalize hook's pure core: walk Published revisions to DeletionProposed, let Metacontroller
// delete the rest, delete the O-RAN configuration (A1 policies, E2 subscriptions) through actions,
// wait (bounded) for all of it and the workload to disappear, then answer finalized.
import type { Action, CNFDeploymentStatus, FinalizeOutput, KubeObject, ReconcileInput } from '../types.ts';
import { LABEL_CNF, selectorString } from '../labels.ts';
import { upsertConditions, type ConditionSpec } from '../conditions.ts';
import { echoChild } from '../revisions.ts';
import { finalizeOran } from '../oran/finalize.ts';
import { revisionName } from '../naming.ts';
import { activeCondition } from './conditions.ts';
import { RESYNC } from './context.ts';

/** Porch's workspace name for the revision that tracks a package on the repository's branch. */
const BRANCH_WORKSPACE = 'main';

/** After this long in Terminating, finalize anyway (and say so in the Terminating condition). */
const FINALIZE_TIMEOUT_SECONDS = 300;

function mine(objs: readonly KubeObject[], name: string): KubeObject[] {
  return objs.filter((o) => {
    const label = o.metadata.labels?.[LABEL_CNF];
    return label === undefined || label === name;
  });
}

/** What is left to clean up, as the Terminating condition counts it. */
interface Leftovers {
  revisions: number;
  workload: number;
  oran: number;
}

export function finalize(input: ReconcileInput): FinalizeOutput {
  const { parent, now } = input;
  const prev: CNFDeploymentStatus = parent.status ?? {};
  const generation = parent.metadata.generation;
  const name = parent.metadata.name;

  // Published revisions cannot be deleted directly: propose them for deletion first. Everything
  // else (Draft, Proposed, DeletionProposed) is left out, so Metacontroller deletes it.
  const children = input.children
    .filter((c) => c.spec.lifecycle === 'Published')
    .map((c) => echoChild(parent, c, 'DeletionProposed'));

  const alreadyDeleted = prev.phase === 'Deleted';
  const wasTerminating = prev.phase === 'Terminating' || alreadyDeleted;
  const since = prev.phase === 'Terminating' && prev.phaseSince !== undefined ? prev.phaseSince : now;
  // Policies and subscriptions still recorded in status: delete them (again) on every answer.
  const oran = alreadyDeleted ? { status: prev.oran, actions: [], remaining: 0 } : finalizeOran(prev.oran);
  const left: Leftovers = {
    revisions: input.children.length,
    workload: mine(input.related.deployments, name).length + mine(input.related.pods, name).length,
    oran: oran.remaining,
  };
  const clean = left.revisions === 0 && left.workload === 0 && left.oran === 0;
  const timedOut = !clean && (Date.parse(now) - Date.parse(since)) / 1000 >= FINALIZE_TIMEOUT_SECONDS;
  // The first answer always reports Terminating: every live phase has an edge to it (lib/phase.ts),
  // none to Deleted.
  const finalized = alreadyDeleted || (wasTerminating && (clean || timedOut));
  const phase = finalized ? 'Deleted' : 'Terminating';

  const terminating = alreadyDeleted
    ? ((prev.conditions?.find((c) => c.type === 'Terminating') as ConditionSpec | undefined) ?? FINALIZED)
    : terminatingCondition(left, finalized, timedOut);
  const conditions = upsertConditions(
    prev.conditions,
    [
      terminating,
      activeCondition(phase, `phase is ${phase}`),
      { type: 'Ready', status: 'False', reason: phase, message: 'the CNF is being deleted' },
    ],
    now,
    generation,
  );

  const status: CNFDeploymentStatus = {
    ...prev,
    phase,
    phaseSince: prev.phase === phase && prev.phaseSince !== undefined ? prev.phaseSince : now,
    conditions,
    selector: selectorString(name),
  };
  if (oran.status === undefined) delete status.oran;
  else status.oran = oran.status;
  if (generation !== undefined) status.observedGeneration = generation;
  const actions: Action[] = finalized ? [] : [...oran.actions, ...branchRemoval(input, left.revisions)];
  const out: FinalizeOutput = { children, status, actions, finalized };
  if (!finalized) out.resyncAfterSeconds = RESYNC.finalize;
  return out;
}

const FINALIZED: ConditionSpec = {
  type: 'Terminating',
  status: 'True',
  reason: 'Finalized',
  message: 'all package revisions and workload objects are gone',
};

function terminatingCondition(left: Leftovers, finalized: boolean, timedOut: boolean): ConditionSpec {
  if (finalized && timedOut) {
    return {
      type: 'Terminating',
      status: 'True',
      reason: 'TimedOut',
      message: `finalized after ${FINALIZE_TIMEOUT_SECONDS}s with ${left.revisions} package revision(s), ${left.workload} workload object(s) and ${left.oran} O-RAN policy/subscription(s) left`,
    };
  }
  if (finalized) return FINALIZED;
  if (left.revisions > 0) {
    return {
      type: 'Terminating',
      status: 'True',
      reason: 'DeletingPackageRevisions',
      message: `waiting for ${left.revisions} package revision(s) to be deleted (Published ones are proposed for deletion first)`,
    };
  }
  if (left.oran > 0) {
    return {
      type: 'Terminating',
      status: 'True',
      reason: 'DeletingOranConfiguration',
      message: `deleting ${left.oran} A1 policy/E2 subscription(s) (status.oran)`,
    };
  }
  return {
    type: 'Terminating',
    status: 'True',
    reason: 'WaitingForWorkload',
    message: `waiting for ${left.workload} workload object(s) (Deployments, Pods) to be removed by GitOps`,
  };
}

/**
 * Once every numbered revision is gone, the package still sits on the deployment branch as Porch's
 * `<repo>.<pkg>.main` revision, which Metacontroller does not own; GitOps keeps the workload until
 * it is removed. Asked for on every finalize answer until finalized (absent counts as done).
 */
function branchRemoval(input: ReconcileInput, remainingChildren: number): Action[] {
  const { repository, packageName } = input.parent.status ?? {};
  if (remainingChildren > 0 || repository === undefined || packageName === undefined) return [];
  try {
    const name = revisionName(repository, packageName, BRANCH_WORKSPACE);
    return [{ type: 'deletePackageRevision', name, namespace: input.parent.metadata.namespace ?? 'default' }];
  } catch {
    return []; // names that were never valid never reached Porch
  }
}

// The finalize hook's pure core: walk Published revisions to DeletionProposed, let Metacontroller
// delete the rest, delete the O-RAN configuration (A1 policies, E2 subscriptions) through actions,
// wait (bounded) for all of it and the workload to disappear, then answer finalized.
import type { Action, CNFDeploymentStatus, FinalizeOutput, KubeObject, ReconcileInput } from './types.ts';
import { LABEL_CNF } from './labels.ts';
import { stepTowards } from './phase.ts';
import { upsertCondition, type ConditionSpec } from './conditions.ts';
import { echoChild } from './revisions.ts';
import { finalizeOran } from './oran.ts';
import { revisionName } from './naming.ts';

/** Porch's workspace name for the revision that tracks a package on the repository's branch. */
export const BRANCH_WORKSPACE = 'main';

/** After this long in Terminating, finalize anyway (and say so in the Terminating condition). */
export const FINALIZE_TIMEOUT_SECONDS = 300;
const RESYNC_FINALIZE_SECONDS = 2;

function mine(objs: readonly KubeObject[], name: string): KubeObject[] {
  return objs.filter((o) => {
    const label = o.metadata.labels?.[LABEL_CNF];
    return label === undefined || label === name;
  });
}

export function finalizeCore(input: ReconcileInput, selector: string): FinalizeOutput {
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
  const workload = [...mine(input.related.deployments, name), ...mine(input.related.pods, name)];
  const remaining = input.children.length;
  const elapsed = (Date.parse(now) - Date.parse(since)) / 1000;
  // Policies and subscriptions still recorded in status: delete them (again) on every answer.
  const oran = alreadyDeleted ? { status: prev.oran, actions: [], remaining: 0 } : finalizeOran(prev.oran);
  const clean = remaining === 0 && workload.length === 0 && oran.remaining === 0;
  const timedOut = !clean && elapsed >= FINALIZE_TIMEOUT_SECONDS;
  // The first answer always reports Terminating (the table has no edge from a live phase to Deleted).
  const finalized = alreadyDeleted || (wasTerminating && (clean || timedOut));
  const phase = finalized ? 'Deleted' : stepTowards(prev.phase ?? 'Pending', 'Terminating').phase;

  let cond: ConditionSpec;
  if (alreadyDeleted) {
    cond = (prev.conditions?.find((c) => c.type === 'Terminating') as ConditionSpec | undefined) ?? {
      type: 'Terminating',
      status: 'True',
      reason: 'Finalized',
      message: 'all package revisions and workload objects are gone',
    };
  } else if (finalized && timedOut) {
    cond = {
      type: 'Terminating',
      status: 'True',
      reason: 'TimedOut',
      message: `finalized after ${FINALIZE_TIMEOUT_SECONDS}s with ${remaining} package revision(s), ${workload.length} workload object(s) and ${oran.remaining} O-RAN policy/subscription(s) left`,
    };
  } else if (finalized) {
    cond = {
      type: 'Terminating',
      status: 'True',
      reason: 'Finalized',
      message: 'all package revisions and workload objects are gone',
    };
  } else if (remaining > 0) {
    cond = {
      type: 'Terminating',
      status: 'True',
      reason: 'DeletingPackageRevisions',
      message: `waiting for ${remaining} package revision(s) to be deleted (Published ones are proposed for deletion first)`,
    };
  } else if (oran.remaining > 0) {
    cond = {
      type: 'Terminating',
      status: 'True',
      reason: 'DeletingOranConfiguration',
      message: `deleting ${oran.remaining} A1 policy/E2 subscription(s) (status.oran)`,
    };
  } else {
    cond = {
      type: 'Terminating',
      status: 'True',
      reason: 'WaitingForWorkload',
      message: `waiting for ${workload.length} workload object(s) (Deployments, Pods) to be removed by GitOps`,
    };
  }
  let conditions = upsertCondition(prev.conditions, { ...cond, type: 'Terminating' }, now, generation);
  conditions = upsertCondition(
    conditions,
    { type: 'Active', status: 'False', reason: phase, message: `phase is ${phase}` },
    now,
    generation,
  );
  conditions = upsertCondition(
    conditions,
    { type: 'Ready', status: 'False', reason: phase, message: 'the CNF is being deleted' },
    now,
    generation,
  );

  const status: CNFDeploymentStatus = {
    ...prev,
    phase,
    phaseSince: prev.phase === phase && prev.phaseSince !== undefined ? prev.phaseSince : now,
    conditions,
    selector,
  };
  if (oran.status === undefined) delete status.oran;
  else status.oran = oran.status;
  if (generation !== undefined) status.observedGeneration = generation;
  const actions: Action[] = finalized ? [] : [...oran.actions, ...branchRemoval(input, remaining)];
  const out: FinalizeOutput = { children, status, actions, finalized };
  if (!finalized) out.resyncAfterSeconds = RESYNC_FINALIZE_SECONDS;
  return out;
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

// The finalize hook's pure core: delete the Published revisions (the shell, from a fresh read), let
// Metacontroller delete the rest, delete the O-RAN configuration (A1 policies, E2 subscriptions) through actions,
// wait (bounded) for all of it and the workload to disappear, then answer finalized.
import type {
  Action,
  CNFDeploymentStatus,
  FinalizeOutput,
  KubeObject,
  PackageRevision,
  ReconcileInput,
} from '../types.ts';
import { LABEL_CNF, selectorString } from '../labels.ts';
import { upsertConditions, type ConditionSpec } from '../conditions.ts';
import { porchRepairs } from '../revisions.ts';
import { finalizeOran } from '../oran/finalize.ts';
import { porchView, withPorchCopies, type PorchView } from '../porch-view.ts';
import { activeCondition } from './conditions.ts';
import { RESYNC } from './context.ts';

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

export function finalize(observed: ReconcileInput): FinalizeOutput {
  const input = withPorchCopies(observed);
  const { parent, now } = input;
  const prev: CNFDeploymentStatus = parent.status ?? {};
  const generation = parent.metadata.generation;
  const name = parent.metadata.name;

  // Every child is left out, so Metacontroller deletes it; the Published ones are deleted by the
  // shell first (proposed for deletion where Porch requires it), which Metacontroller cannot do.
  const children: PackageRevision[] = [];
  const published = input.children.filter((c) => c.spec.lifecycle === 'Published');

  const alreadyDeleted = prev.phase === 'Deleted';
  const wasTerminating = prev.phase === 'Terminating' || alreadyDeleted;
  const since = prev.phase === 'Terminating' && prev.phaseSince !== undefined ? prev.phaseSince : now;
  // Policies and subscriptions still recorded in status: delete them (again) on every answer.
  const oran = alreadyDeleted ? { status: prev.oran, actions: [], remaining: 0 } : finalizeOran(prev.oran);
  const porch = porchView(input.observations.packageRevisions, parent, input.children);
  const revisions = porchLeftovers(input, porch);
  const left: Leftovers = {
    revisions: revisions.remaining,
    workload: mine(input.related.deployments, name).length + mine(input.related.pods, name).length,
    oran: oran.remaining,
  };
  // Clean only once Porch itself lists nothing of the package (when the shell could list it).
  const clean = left.revisions === 0 && revisions.known && left.workload === 0 && left.oran === 0;
  const timedOut = !clean && (Date.parse(now) - Date.parse(since)) / 1000 >= FINALIZE_TIMEOUT_SECONDS;
  // The first answer always reports Terminating: every live phase has an edge to it (lib/phase.ts),
  // none to Deleted.
  const finalized = alreadyDeleted || (wasTerminating && (clean || timedOut));
  const phase = finalized ? 'Deleted' : 'Terminating';

  const terminating = alreadyDeleted
    ? ((prev.conditions?.find((c) => c.type === 'Terminating') as ConditionSpec | undefined) ?? FINALIZED)
    : terminatingCondition(left, revisions.known, finalized, timedOut);
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
  const deletes: Action[] = published.map((c) => ({
    type: 'deletePackageRevision',
    name: c.metadata.name,
    namespace: c.metadata.namespace ?? parent.metadata.namespace ?? 'default',
  }));
  const actions: Action[] = finalized ? [] : [...oran.actions, ...deletes, ...revisions.actions];
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

function terminatingCondition(
  left: Leftovers,
  porchKnown: boolean,
  finalized: boolean,
  timedOut: boolean,
): ConditionSpec {
  if (finalized && timedOut) {
    return {
      type: 'Terminating',
      status: 'True',
      reason: 'TimedOut',
      message: `finalized after ${FINALIZE_TIMEOUT_SECONDS}s with ${left.revisions} package revision(s), ${left.workload} workload object(s) and ${left.oran} O-RAN policy/subscription(s) left`,
    };
  }
  if (finalized) return FINALIZED;
  if (left.revisions > 0 || !porchKnown) {
    if (left.revisions === 0) {
      return {
        type: 'Terminating',
        status: 'True',
        reason: 'DeletingPackageRevisions',
        message: 'waiting for Porch to list what is left of the package',
      };
    }
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
  if (left.workload > 0) {
    return {
      type: 'Terminating',
      status: 'True',
      reason: 'WaitingForWorkload',
      message: `waiting for ${left.workload} workload object(s) (Deployments, Pods) to be removed by GitOps`,
    };
  }
  // Nothing is left, on the first answer: every live phase has an edge to Terminating only, so
  // Deleted comes with the next one.
  return {
    type: 'Terminating',
    status: 'True',
    reason: 'Finalizing',
    message: 'nothing is left; the next answer finalizes',
  };
}

/**
 * What is left of the package in Porch, and what the shell does about what Metacontroller cannot
 * delete: revisions of ours it does not see (labels lost under load, or left by a deleted CNF of the
 * same name) are adopted so that it deletes them; the unpublished twin of a name Porch holds twice is
 * deleted; and once no numbered revision is left, Porch's branch revision `<repo>.<pkg>.<branch>`,
 * which keeps the package on the deployment branch (and so the workload under GitOps), is deleted.
 * The branch is whatever the Repository says: the revision is found in Porch's listing, not named
 * here. A package another CNFDeployment owns is left alone.
 */
function porchLeftovers(
  input: ReconcileInput,
  porch: PorchView | undefined,
): { remaining: number; known: boolean; actions: Action[] } {
  const namespace = input.parent.metadata.namespace ?? 'default';
  if (porch === undefined || porch.ownedByOther !== undefined) {
    return { remaining: input.children.length, known: porch !== undefined, actions: [] };
  }
  const names = new Set([...input.children.map((c) => c.metadata.name), ...porch.names]);
  // Revisions of ours Metacontroller does not see are adopted, then deleted by it like any child.
  const actions = porchRepairs(porch, input.parent, namespace);
  const numberedLeft = input.children.length + porch.unobserved.length;
  if (numberedLeft === 0) {
    for (const pr of porch.branch)
      actions.push({ type: 'deletePackageRevision', name: pr.metadata.name, namespace });
  }
  return { remaining: names.size, known: true, actions };
}

// Step 7, conditions: one function per condition type, each from the facts the earlier steps
// produced. The reasons come from the table in lib/conditions.ts (the compiler checks them).
import type { CNFDeploymentSpec, Phase, StatusError } from '../types.ts';
import { VALID, type ConditionSpec } from '../conditions.ts';
import type { OranPlan } from '../oran/plan.ts';
import type { Ctx } from './context.ts';
import { dependencyCondition } from './dependencies.ts';
import type { Resolved } from './resolve.ts';
import { failingChecks, rollbackActive, type RolloutFacts } from './rollout.ts';
import type { Verdict } from './target-phase.ts';
import { DEFAULTS } from '../defaults.ts';
import { ANNOTATION_PROPOSE_AGAIN } from '../labels.ts';

export interface ConditionFacts {
  ctx: Ctx;
  resolved: Resolved;
  rollout: RolloutFacts;
  verdict: Verdict;
  phase: Phase;
  oran: OranPlan;
  dependencyProblems: readonly string[];
  lastError: StatusError | undefined;
}

export function conditionsFor(f: ConditionFacts): ConditionSpec[] {
  const specs: Array<ConditionSpec | undefined> = [
    ready(f),
    activeCondition(f.phase, `running revision ${f.rollout.evaluation.plan.target.name}`),
    provisioning(f),
    VALID,
    dependencyCondition(f.dependencyProblems, f.resolved.spec, false),
    packagePublished(f),
    configured(f),
    degraded(f),
    rolledBack(f),
    scalingDeferred(f),
    synced(f.lastError),
  ];
  return specs.filter((s): s is ConditionSpec => s !== undefined);
}

/** Active: True exactly in phase Active; otherwise its reason is the phase. */
export function activeCondition(
  phase: Phase,
  activeMessage: string,
  otherMessage = `phase is ${phase}`,
): ConditionSpec {
  return phase === 'Active'
    ? { type: 'Active', status: 'True', reason: 'Active', message: activeMessage }
    : { type: 'Active', status: 'False', reason: phase, message: otherMessage };
}

/** Synced: no error pending, or the pending error's reason. */
export function synced(lastError: StatusError | undefined): ConditionSpec {
  if (lastError === undefined)
    return { type: 'Synced', status: 'True', reason: 'ReconcileSucceeded', message: 'reconciled' };
  const action = lastError.action === undefined ? '' : ` (action ${lastError.action})`;
  return {
    type: 'Synced',
    status: 'False',
    reason: lastError.reason,
    message: `${lastError.class}: ${lastError.message}${action}`,
  };
}

/** Ready: the workload runs the latest content with enough ready replicas and is healthy. */
function ready(f: ConditionFacts): ConditionSpec {
  const e = f.rollout.evaluation;
  const w = e.health.workload;
  if (f.verdict.ready) {
    const want = e.desired.spec.replicas ?? DEFAULTS.replicas;
    return {
      type: 'Ready',
      status: 'True',
      reason: 'WorkloadReady',
      message: `${w.readyReplicas}/${want} replicas ready`,
    };
  }
  const reason = !w.present
    ? 'NoWorkload'
    : !w.applied
      ? 'LatestRevisionNotApplied'
      : !w.replicasReady
        ? 'ReplicasNotReady'
        : 'Unhealthy';
  return { type: 'Ready', status: 'False', reason, message: failingChecks(e) };
}

/** Provisioning: True from the first revision on, and stays True (kubectl wait-friendly). */
function provisioning(f: ConditionFacts): ConditionSpec {
  const target = f.rollout.evaluation.plan.target;
  const failure = f.rollout.failure;
  if (f.verdict.wasActive || f.phase === 'Active') {
    return {
      type: 'Provisioning',
      status: 'True',
      reason: 'Provisioned',
      message: 'the CNF was provisioned',
    };
  }
  if (failure !== undefined) {
    return { type: 'Provisioning', status: 'True', reason: 'ProvisioningFailed', message: failure.message };
  }
  return {
    type: 'Provisioning',
    status: 'True',
    reason: 'Provisioning',
    message: `provisioning package revision ${target.name}`,
  };
}

/** PackagePublished: where the latest desired revision is on its way through Porch. */
function packagePublished(f: ConditionFacts): ConditionSpec {
  const { ctx } = f;
  const target = f.rollout.evaluation.plan.target;
  const ns = ctx.namespace;
  switch (target.state) {
    case 'Published':
      return {
        type: 'PackagePublished',
        status: 'True',
        reason: 'Published',
        message:
          target.info?.lifecycle === 'DeletionProposed'
            ? `${target.name} is published as revision ${target.info.revision}, and a reviewer proposed it for deletion in Porch: it stays until they approve the deletion (porchctl rpkg del ${target.name} -n ${ns}, after which the spec is published again as a new revision) or reject it (porchctl rpkg reject ${target.name} -n ${ns})`
            : `${target.name} is published as revision ${target.info?.revision ?? 0}`,
      };
    case 'New':
      if (target.awaitingObservation === true) {
        return {
          type: 'PackagePublished',
          status: 'False',
          reason: 'Adopting',
          message: `PackageRevision ${target.name} is in Porch, but Metacontroller does not show it as this CNF's child (Porch dropped its labels under load, or a deleted CNF of the same name left it): setting this CNF's labels and owner on it instead of creating it again`,
        };
      }
      if ((ctx.prev.history ?? []).some((e) => e.name === target.name)) {
        // Either it never got created (Metacontroller failed to create it: the reason is in its
        // SyncError event, e.g. no Porch Repository of that name in this namespace) or it was deleted
        // behind our back; either way the answer asks for it again.
        return {
          type: 'PackagePublished',
          status: 'False',
          reason: 'RevisionNotFound',
          message: `PackageRevision ${target.name} recorded in status is not in Porch; (re)creating it — if this persists, \`kubectl describe cnfd ${ctx.parent.metadata.name}\` shows Metacontroller's SyncError (e.g. Porch Repository ${f.resolved.repository} missing in namespace ${ns})`,
        };
      }
      return {
        type: 'PackagePublished',
        status: 'False',
        reason: 'Creating',
        message: `creating ${target.name}`,
      };
    case 'Draft':
      if (target.rejected === true) {
        return {
          type: 'PackagePublished',
          status: 'False',
          reason: 'Rejected',
          message: `a reviewer rejected ${target.name} in Porch (Proposed → Draft); waiting for the user: change the spec, or ask to propose it again: kubectl annotate cnfd ${ctx.parent.metadata.name} -n ${ns} ${ANNOTATION_PROPOSE_AGAIN}=<a new value> --overwrite`,
        };
      }
      return target.written
        ? {
            type: 'PackagePublished',
            status: 'False',
            reason: 'Proposing',
            message: `proposing ${target.name}`,
          }
        : {
            type: 'PackagePublished',
            status: 'False',
            reason: 'WritingContent',
            message: `writing package content to ${target.name}`,
          };
    case 'Proposed':
      return f.resolved.approval === 'Manual'
        ? {
            type: 'PackagePublished',
            status: 'False',
            reason: 'AwaitingApproval',
            message: `${target.name} awaits manual approval: porchctl rpkg approve ${target.name} -n ${ns}`,
          }
        : {
            type: 'PackagePublished',
            status: 'False',
            reason: 'Approving',
            message: `approving ${target.name}`,
          };
  }
}

function oranReason(
  f: ConditionFacts,
): 'PolicyNotEnforced' | 'OranConfigurationFailed' | 'OranConfigurationPending' {
  if (f.oran.stage === 'notEnforced') return 'PolicyNotEnforced';
  return f.oran.stage === 'failed' ? 'OranConfigurationFailed' : 'OranConfigurationPending';
}

/** Configured: the configuration stage (O-RAN A1 policies, E2 subscriptions) is complete. */
function configured(f: ConditionFacts): ConditionSpec {
  if (f.verdict.configured) {
    return f.ctx.parent.spec.oran === undefined
      ? {
          type: 'Configured',
          status: 'True',
          reason: 'NoOranConfiguration',
          message: 'configuration stage complete',
        }
      : { type: 'Configured', status: 'True', reason: 'OranConfigured', message: f.oran.message };
  }
  return {
    type: 'Configured',
    status: 'False',
    reason: oranReason(f),
    message: f.verdict.ready
      ? f.oran.message
      : 'waiting for the workload to be ready before the O-RAN configuration stage (A1 policies, E2 subscriptions)',
  };
}

/** Degraded: the rollout is finished and health (or, once Active, the O-RAN stage) is not fine. */
function degraded(f: ConditionFacts): ConditionSpec {
  const e = f.rollout.evaluation;
  const h = e.health.health;
  if (f.verdict.inFlight) {
    return {
      type: 'Degraded',
      status: 'False',
      reason: 'RolloutInProgress',
      message: `rolling out ${e.plan.target.name}`,
    };
  }
  if (h.overall === 'Healthy' && f.phase === 'Degraded' && !f.verdict.configured) {
    return { type: 'Degraded', status: 'True', reason: oranReason(f), message: f.oran.message };
  }
  if (h.overall === 'Healthy') {
    return { type: 'Degraded', status: 'False', reason: 'Healthy', message: 'all health checks pass' };
  }
  return {
    type: 'Degraded',
    status: 'True',
    reason: h.overall === 'Unhealthy' ? 'Unhealthy' : 'HealthDegraded',
    message: `${failingChecks(e)} (${h.consecutiveFails} consecutive failed checks)`,
  };
}

/** RolledBack: present once a rollback happened. */
function rolledBack(f: ConditionFacts): ConditionSpec | undefined {
  const rollback = f.rollout.rollback;
  if (rollback === undefined) return undefined;
  return rollbackActive(f.ctx, rollback)
    ? {
        type: 'RolledBack',
        status: 'True',
        reason: 'AutoRollback',
        message: `${rollback.message}; rolled back to the last healthy spec (content ${rollback.toContentHash.slice(0, 10)}); generation ${rollback.failedGeneration} is not retried until the spec changes`,
      }
    : {
        type: 'RolledBack',
        status: 'False',
        reason: 'SpecChanged',
        message: `the spec changed since the rollback at ${rollback.at}`,
      };
}

/** ScalingDeferred: present once a scale was deferred by the cooldown. */
function scalingDeferred(f: ConditionFacts): ConditionSpec | undefined {
  const until = f.rollout.deferredUntil;
  if (until !== undefined) {
    const replicas: CNFDeploymentSpec['replicas'] = f.resolved.spec.replicas ?? DEFAULTS.replicas;
    return {
      type: 'ScalingDeferred',
      status: 'True',
      reason: 'Cooldown',
      message: `scaling to ${replicas} replicas deferred until ${until} (scaling.cooldownSeconds)`,
    };
  }
  const before = f.ctx.prev.conditions?.some((c) => c.type === 'ScalingDeferred') ?? false;
  return before
    ? { type: 'ScalingDeferred', status: 'False', reason: 'NotDeferred', message: 'no scaling deferred' }
    : undefined;
}

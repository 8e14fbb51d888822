// The status vocabulary: every condition type this controller reports and, per type and status, the
// closed set of reasons it may carry. Reasons are UpperCamelCase tokens (Kubernetes API conventions);
// the sentence goes in `message`. ConditionSpec is typed from this table, so code cannot write a
// reason that is not listed here, and tests/unit/troubleshooting-docs.test.ts checks that every
// reason below is documented in docs/troubleshooting.md.
//
// Timestamps are stable: lastTransitionTime moves only when a condition's status changes, so an
// unchanged world yields a deep-equal status (no hot loop through Metacontroller's status writes).
import type { Condition, Phase } from './types.ts';
import { ERROR_REASONS, type ErrorReason } from './errors.ts';

/** Phases other than Active: the reason of Active=False (and of Ready=False while deleting). */
const NOT_ACTIVE = [
  'Pending',
  'Provisioning',
  'Configuring',
  'Scaling',
  'Updating',
  'Degraded',
  'Healing',
  'Failed',
  'Terminating',
  'Deleted',
] as const satisfies readonly Exclude<Phase, 'Active'>[];

const ORAN_NOT_CONFIGURED = [
  'OranConfigurationPending',
  'PolicyNotEnforced',
  'OranConfigurationFailed',
] as const;
const SPEC_INVALID = ['InvalidSpec', 'ReplicasExceedMax', 'PackageInUse'] as const;

/**
 * Condition types in the order they appear in status, each with its reasons by status. `Synced`
 * False carries status.lastError.reason (ERROR_REASONS, plus `HTTP<status>`).
 */
export const CONDITIONS = {
  Ready: {
    True: ['WorkloadReady'],
    False: [
      'NoWorkload',
      'LatestRevisionNotApplied',
      'ReplicasNotReady',
      'Unhealthy',
      'NotProvisioned',
      'Terminating',
      'Deleted',
    ],
  },
  Active: { True: ['Active'], False: NOT_ACTIVE },
  Provisioning: {
    True: ['Provisioning', 'Provisioned', 'ProvisioningFailed'],
    False: ['DependenciesNotReady', ...SPEC_INVALID],
  },
  SpecValid: { True: ['Valid'], False: SPEC_INVALID },
  DependenciesReady: { True: ['NoDependencies', 'DependenciesActive'], False: ['DependenciesNotReady'] },
  PackagePublished: {
    True: ['Published'],
    False: [
      'Creating',
      'Adopting',
      'RevisionNotFound',
      'WritingContent',
      'Proposing',
      'Approving',
      'Rejected',
      'AwaitingApproval',
    ],
  },
  Configured: { True: ['NoOranConfiguration', 'OranConfigured'], False: ORAN_NOT_CONFIGURED },
  Degraded: {
    True: ['HealthDegraded', 'Unhealthy', ...ORAN_NOT_CONFIGURED],
    False: ['Healthy', 'RolloutInProgress'],
  },
  RolledBack: { True: ['AutoRollback'], False: ['SpecChanged'] },
  ScalingDeferred: { True: ['Cooldown'], False: ['NotDeferred'] },
  Synced: { True: ['ReconcileSucceeded'], False: ERROR_REASONS },
  Terminating: {
    True: [
      'DeletingPackageRevisions',
      'DeletingOranConfiguration',
      'WaitingForWorkload',
      'Finalizing',
      'Finalized',
      'TimedOut',
    ],
    False: [],
  },
} as const satisfies Record<string, { True: readonly string[]; False: readonly string[] }>;

export type ConditionType = keyof typeof CONDITIONS;

/** Condition types this controller reports, in the order they appear in status. */
export const CONDITION_TYPES = Object.keys(CONDITIONS) as ConditionType[];

type TableReason<T extends ConditionType, S extends 'True' | 'False'> = (typeof CONDITIONS)[T][S][number];

/** A reason allowed for condition type T with status S. */
export type ConditionReason<T extends ConditionType, S extends 'True' | 'False'> = T extends 'Synced'
  ? S extends 'False'
    ? ErrorReason
    : TableReason<T, S>
  : TableReason<T, S>;

/** What a step decides about one condition; toCondition adds the timestamps. */
export type ConditionSpec = {
  [T in ConditionType]:
    | { type: T; status: 'True'; reason: ConditionReason<T, 'True'>; message: string }
    | { type: T; status: 'False'; reason: ConditionReason<T, 'False'>; message: string };
}[ConditionType];

const ORDER = new Map<string, number>(CONDITION_TYPES.map((t, i) => [t, i]));
const orderOf = (type: string): number => ORDER.get(type) ?? CONDITION_TYPES.length;

/** Builds the full condition from its spec, keeping the previous transition time when status is unchanged. */
function toCondition(
  spec: ConditionSpec,
  previous: readonly Condition[] | undefined,
  now: string,
  generation: number | undefined,
): Condition {
  const before = previous?.find((c) => c.type === spec.type);
  const cond: Condition = {
    type: spec.type,
    status: spec.status,
    reason: spec.reason,
    message: spec.message,
    lastTransitionTime:
      before !== undefined && before.status === spec.status ? before.lastTransitionTime : now,
  };
  if (generation !== undefined) cond.observedGeneration = generation;
  return cond;
}

/**
 * The new condition list: the given specs (in table order) with stable timestamps. Our types not
 * in `specs` are dropped; foreign types (not ours) are kept as they are, after ours.
 */
export function buildConditions(
  specs: readonly ConditionSpec[],
  previous: readonly Condition[] | undefined,
  now: string,
  generation: number | undefined,
): Condition[] {
  const built = [...specs]
    .sort((a, b) => orderOf(a.type) - orderOf(b.type))
    .map((s) => toCondition(s, previous, now, generation));
  const foreign = (previous ?? []).filter((c) => !ORDER.has(c.type));
  return [...built, ...foreign];
}

/** Replaces (or adds) conditions in a list, keeping the others; ours in table order, foreign last. */
export function upsertConditions(
  conditions: readonly Condition[] | undefined,
  specs: readonly ConditionSpec[],
  now: string,
  generation: number | undefined,
): Condition[] {
  const list = conditions ?? [];
  const replaced = new Set<string>(specs.map((s) => s.type));
  const kept = list.filter((c) => !replaced.has(c.type));
  const merged = [...kept, ...specs.map((s) => toCondition(s, list, now, generation))];
  return merged.sort((a, b) => orderOf(a.type) - orderOf(b.type));
}

/** The Synced condition for a sync without a pending error. */
export const SYNCED: ConditionSpec = {
  type: 'Synced',
  status: 'True',
  reason: 'ReconcileSucceeded',
  message: 'reconciled',
};

/** The SpecValid condition of a spec that passed validation. */
export const VALID: ConditionSpec = {
  type: 'SpecValid',
  status: 'True',
  reason: 'Valid',
  message: 'spec is valid',
};

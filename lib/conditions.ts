// Kubernetes-style conditions with stable timestamps: lastTransitionTime moves only when a
// condition's status changes, so an unchanged world yields a deep-equal status (no hot loop).
import type { Condition, ConditionStatus } from './types.ts';

/** Condition types this controller reports, in the order they appear in status. */
export const CONDITION_TYPES = [
  'Ready',
  'Active',
  'Provisioning',
  'ConfigurationValid',
  'DependenciesReady',
  'PackagePublished',
  'Configured',
  'Degraded',
  'RolledBack',
  'ScalingDeferred',
  'Synced',
  'Terminating',
] as const;

export type ConditionType = (typeof CONDITION_TYPES)[number];

export interface ConditionSpec {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Builds the full condition from its spec, keeping the previous transition time when status is unchanged. */
export function toCondition(
  spec: ConditionSpec,
  previous: readonly Condition[] | undefined,
  now: string,
  generation: number | undefined,
): Condition {
  const before = findCondition(previous, spec.type);
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
 * The new condition list: the given specs (sorted into CONDITION_TYPES order) with stable
 * timestamps. Types not in `specs` are dropped, except foreign types (not ours), which are kept as-is.
 */
export function buildConditions(
  specs: readonly ConditionSpec[],
  previous: readonly Condition[] | undefined,
  now: string,
  generation: number | undefined,
): Condition[] {
  const ours = new Set<string>(CONDITION_TYPES);
  const order = (t: string): number => CONDITION_TYPES.indexOf(t as ConditionType);
  const built = [...specs]
    .sort((a, b) => order(a.type) - order(b.type))
    .map((s) => toCondition(s, previous, now, generation));
  const foreign = (previous ?? []).filter((c) => !ours.has(c.type));
  return [...built, ...foreign];
}

/** Replaces (or adds) one condition in a list, keeping the order of the others. */
export function upsertCondition(
  conditions: readonly Condition[] | undefined,
  spec: ConditionSpec,
  now: string,
  generation: number | undefined,
): Condition[] {
  const list = conditions ?? [];
  const cond = toCondition(spec, list, now, generation);
  const specs = list.filter((c) => c.type !== spec.type);
  const merged = [...specs, cond];
  const order = (t: string): number => {
    const i = CONDITION_TYPES.indexOf(t as ConditionType);
    return i === -1 ? CONDITION_TYPES.length : i;
  };
  return merged.sort((a, b) => order(a.type) - order(b.type));
}

export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return findCondition(conditions, type);
}

// Step 2, dependencies: every CNFDeployment named in spec.dependencies must exist (same namespace)
// and be Active before the first revision is created. Once provisioning started, dependencies are
// only reported, never waited for again.
import type { CNFDeploymentSpec, ReconcileOutput } from '../types.ts';
import { buildConditions, SYNCED, VALID, type ConditionSpec } from '../conditions.ts';
import { selectorString } from '../labels.ts';
import { compact, phaseSince, RESYNC, stepFrom, type Ctx } from './context.ts';

/** One entry per dependency that is missing or not Active: `name (not found)` / `name (Phase)`. */
export function dependencyProblems(ctx: Ctx, spec: CNFDeploymentSpec): string[] {
  const related = new Map(ctx.input.related.cnfDeployments.map((c) => [c.metadata.name, c]));
  return (spec.dependencies ?? []).flatMap((name) => {
    const dep = related.get(name);
    if (dep === undefined) return [`${name} (not found)`];
    const phase = dep.status?.phase ?? 'Pending';
    return phase === 'Active' ? [] : [`${name} (${phase})`];
  });
}

export function dependencyCondition(
  problems: readonly string[],
  spec: CNFDeploymentSpec,
  gating: boolean,
): ConditionSpec {
  const deps = spec.dependencies ?? [];
  if (problems.length === 0) {
    return deps.length === 0
      ? { type: 'DependenciesReady', status: 'True', reason: 'NoDependencies', message: 'no dependencies' }
      : {
          type: 'DependenciesReady',
          status: 'True',
          reason: 'DependenciesActive',
          message: `all dependencies Active: ${deps.join(', ')}`,
        };
  }
  const suffix = gating ? '' : ' (not gating: provisioning already started)';
  return {
    type: 'DependenciesReady',
    status: 'False',
    reason: 'DependenciesNotReady',
    message: `waiting for dependencies to be Active: ${problems.join(', ')}${suffix}`,
  };
}

/** The answer while the first revision waits for dependencies: phase Pending, nothing created. */
export function waitForDependencies(
  ctx: Ctx,
  spec: CNFDeploymentSpec,
  problems: readonly string[],
): ReconcileOutput {
  const { prev, now, generation } = ctx;
  const step = stepFrom(prev, 'Pending');
  const dep = dependencyCondition(problems, spec, true);
  const conditions = buildConditions(
    [
      { type: 'Ready', status: 'False', reason: 'NotProvisioned', message: 'waiting for dependencies' },
      { type: 'Active', status: 'False', reason: step.phase, message: 'waiting for dependencies' },
      { type: 'Provisioning', status: 'False', reason: 'DependenciesNotReady', message: dep.message },
      VALID,
      dep,
      SYNCED,
    ] as ConditionSpec[],
    prev.conditions,
    now,
    generation,
  );
  const rest = { ...prev };
  delete rest.lastError;
  const status = compact({
    ...rest,
    phase: step.phase,
    phaseSince: phaseSince(prev, step.phase, now),
    conditions,
    observedGeneration: generation,
    selector: selectorString(ctx.parent.metadata.name),
  });
  return {
    children: [],
    status,
    actions: [],
    resyncAfterSeconds: step.intermediate ? RESYNC.step : RESYNC.dependencies,
  };
}

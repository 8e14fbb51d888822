// The NetworkIntent controller's pure core: from the intent and the CNFDeployments it owns (as
// Metacontroller observes them) to the CNFDeployments it should own and its status. Metacontroller
// creates, updates (InPlace) and deletes the CNFDeployments to match; each one then runs its own
// lifecycle (and its own finalize on delete). Deterministic, no clock (`now` comes in), no I/O.
//
// An intent that cannot be planned (a sentence not understood, a spec the CRD or a CNFDeployment would
// refuse) changes nothing: its CNFDeployments are answered as they are, and status says why.
import type { FieldIssue } from '../errors.ts';
import type { CNFDeployment } from '../types.ts';
import { plannedChildren, unchanged, type RefusalReason } from './children.ts';
import { buildIntentConditions, type IntentConditionSpec } from './conditions.ts';
import {
  compactStatus,
  functionStatus,
  intentPhase,
  plannedConditions,
  previousConditions,
  readyColumn,
} from './status.ts';
import type {
  IntentFinalizeOutput,
  IntentFunctionStatus,
  IntentInput,
  IntentOutput,
  IntentPhase,
  NetworkIntent,
  NetworkIntentStatus,
} from './types.ts';
import { validateNetworkIntent } from './validate.ts';

/** While finalize waits for the CNFDeployments to be gone. */
export const FINALIZE_RESYNC_SECONDS = 2;

export type IntentPlan =
  | { ok: true; intent: NetworkIntent; children: CNFDeployment[] }
  | { ok: false; reason: RefusalReason; issues: FieldIssue[] };

/** Validates and plans an intent; `observed` (by name) guards the CNFDeployments' immutable fields. */
export function planIntent(
  obj: unknown,
  observed: ReadonlyMap<string, CNFDeployment> = new Map(),
): IntentPlan {
  const valid = validateNetworkIntent(obj);
  if (!valid.ok) return { ok: false, reason: 'InvalidSpec', issues: valid.issues };
  const planned = plannedChildren(valid.value, observed);
  return planned.ok ? { ok: true, intent: valid.value, children: planned.children } : planned;
}

/** The intent's status: phase, the functions, and the conditions carried on from the previous status. */
function intentStatus(
  input: IntentInput,
  phase: IntentPhase,
  functions: IntentFunctionStatus[],
  specs: IntentConditionSpec[],
): NetworkIntentStatus {
  const generation = input.parent.metadata.generation;
  return compactStatus({
    phase,
    observedGeneration: generation,
    ready: readyColumn(functions),
    functions,
    conditions: buildIntentConditions(specs, previousConditions(input.parent.status), input.now, generation),
  });
}

const byName = (a: CNFDeployment, b: CNFDeployment): number =>
  a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;

function refused(input: IntentInput, reason: RefusalReason, issues: readonly FieldIssue[]): IntentOutput {
  const observed = [...input.children].sort(byName);
  const functions = observed.map((c) => functionStatus(c.metadata.name, undefined, c));
  const message = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
  const kept = observed.length === 0 ? '' : ` (its ${observed.length} CNFDeployments are kept as they are)`;
  const specs: IntentConditionSpec[] = [
    { type: 'Ready', status: 'False', reason, message },
    {
      type: 'Progressing',
      status: 'False',
      reason,
      message: `nothing is created, changed or deleted${kept}`,
    },
  ];
  return {
    children: observed.filter((c) => c.metadata.deletionTimestamp === undefined).map(unchanged),
    status: intentStatus(input, 'Failed', functions, specs),
  };
}

/** The sync hook's answer. */
export function syncIntent(input: IntentInput): IntentOutput {
  const observed = new Map(input.children.map((c) => [c.metadata.name, c]));
  const plan = planIntent(input.parent, observed);
  if (!plan.ok) return refused(input, plan.reason, plan.issues);
  const wanted = new Set(plan.children.map((c) => c.metadata.name));
  const removing = [...observed.keys()].filter((n) => !wanted.has(n)).sort();
  const functions = plan.children.map((c) =>
    functionStatus(c.metadata.name, c, observed.get(c.metadata.name)),
  );
  const settled = intentPhase(functions);
  const phase = settled === 'Active' && removing.length > 0 ? 'Progressing' : settled;
  return {
    children: plan.children,
    status: intentStatus(input, phase, functions, plannedConditions(functions, phase, removing)),
  };
}

/**
 * The finalize hook's answer: no CNFDeployment is desired any more (Metacontroller deletes them, each
 * one running its own finalize); the intent is finalized once none is left.
 */
export function finalizeIntent(input: IntentInput): IntentFinalizeOutput {
  const left = [...input.children].sort(byName);
  const functions = left.map((c) => functionStatus(c.metadata.name, undefined, c));
  const names = left.map((c) => c.metadata.name).join(', ');
  const message =
    left.length === 0 ? 'every CNFDeployment of the intent is deleted' : `waiting for ${names} to be deleted`;
  const specs: IntentConditionSpec[] = [
    { type: 'Ready', status: 'False', reason: 'Terminating', message },
    { type: 'Progressing', status: 'True', reason: 'Terminating', message },
  ];
  const output: IntentFinalizeOutput = {
    children: [],
    status: intentStatus(input, 'Terminating', functions, specs),
    finalized: left.length === 0,
  };
  if (left.length > 0) output.resyncAfterSeconds = FINALIZE_RESYNC_SECONDS;
  return output;
}

// Entry points of the pure reconciler: observed parent + children + related objects → desired
// PackageRevision children, status, actions and a resync hint. No I/O, no clock: `now` comes in.
import type {
  ActionResult,
  CNFDeployment,
  FinalizeOutput,
  ReconcileInput,
  ReconcileOutput,
} from './types.ts';
import { LABEL_CNF } from './labels.ts';

/** Label selector string for status.selector (scale subresource / HPA). */
export function desiredSelector(parent: CNFDeployment): string {
  return `${LABEL_CNF}=${parent.metadata.name}`;
}

/** The sync hook's pure core. */
export function reconcile(input: ReconcileInput): ReconcileOutput {
  return {
    children: input.children,
    status: { ...(input.parent.status ?? {}), selector: desiredSelector(input.parent) },
    actions: [],
  };
}

/** The finalize hook's pure core. */
export function finalize(input: ReconcileInput): FinalizeOutput {
  return {
    children: [],
    status: { ...(input.parent.status ?? {}), phase: 'Terminating' },
    actions: [],
    finalized: false,
  };
}

/**
 * Folds the shell's action outcomes into the answer's status (which action failed, error class,
 * backoff). Pure; generic so a FinalizeOutput stays a FinalizeOutput.
 */
export function applyActionResults<T extends ReconcileOutput>(
  output: T,
  _results: ActionResult[],
  _now: string,
): T {
  return output;
}

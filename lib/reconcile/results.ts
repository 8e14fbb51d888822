// After the shell carried out the actions: their outcomes folded into the answer's status — the
// O-RAN items they touched, which action failed with which error class, and the backoff. Pure;
// generic so a FinalizeOutput stays a FinalizeOutput.
import type { ActionResult, ReconcileOutput } from '../types.ts';
import { actionKey, countFailure } from '../backoff.ts';
import { upsertConditions } from '../conditions.ts';
import { foldOranResults } from '../oran/results.ts';
import { compact, RESYNC } from './context.ts';
import { synced } from './conditions.ts';

export function applyActionResults<T extends ReconcileOutput>(
  output: T,
  results: ActionResult[],
  now: string,
): T {
  const generation = output.status.observedGeneration;
  if (output.status.oran !== undefined) {
    const oran = foldOranResults(output.status.oran, results, generation);
    const status = { ...output.status };
    if (oran === undefined) delete status.oran;
    else status.oran = oran;
    output = { ...output, status };
  }
  const current = output.status.lastError;
  // A best-effort cleanup (of an endpoint no longer in the spec) is never retried or reported as
  // the CNF's error: events and logs carry its failure.
  const failed = results.find((r) => !r.ok && !('bestEffort' in r.action && r.action.bestEffort === true));
  if (failed === undefined) {
    const succeeded = new Set(results.filter((r) => r.ok).map((r) => actionKey(r.action)));
    if (current?.action === undefined || !succeeded.has(current.action)) return output;
    const status = { ...output.status };
    delete status.lastError;
    const conditions = upsertConditions(status.conditions, [synced(undefined)], now, generation);
    const out = { ...output, status: { ...status, conditions } };
    if (output.resyncAfterSeconds !== undefined && current.class === 'Transient') {
      // The backoff no longer applies; keep in-flight resyncs short.
      out.resyncAfterSeconds = Math.min(output.resyncAfterSeconds, RESYNC.inFlight);
    }
    return out;
  }
  const err = failed.error ?? {
    class: 'Transient' as const,
    reason: 'ActionFailed' as const,
    message: 'action failed',
  };
  const counted = countFailure(
    current,
    compact({
      class: err.class,
      reason: err.reason,
      message: `${failed.action.type} ${failed.action.name}: ${err.message}`,
      action: actionKey(failed.action),
      generation,
    }),
    now,
  );
  const conditions = upsertConditions(output.status.conditions, [synced(counted.error)], now, generation);
  const out = { ...output, status: { ...output.status, lastError: counted.error, conditions } };
  // Every class backs off (backoff.ts): the in-flight hint of 2 s would retry a refused write forever.
  out.resyncAfterSeconds = counted.resyncAfterSeconds;
  return out;
}

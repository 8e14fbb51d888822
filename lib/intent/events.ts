// Which Kubernetes Events one intent answer produces: phase changes, a refusal (with its reasons),
// the CNFDeployments it asks Metacontroller to create and to delete, and the end of finalize. Pure;
// the hook shell sends them through the deduplicating recorder (lib/clients/kube.ts).
import type { EventSpec } from '../events.ts';
import type { CNFDeployment } from '../types.ts';
import type { NetworkIntentStatus } from './types.ts';
import { isObject } from '../json.ts';

/** Kubernetes caps event messages at 1 KiB; keep well under it. */
const MAX_MESSAGE = 1000;

const REFUSALS = new Set(['IntentNotUnderstood', 'InvalidSpec']);

function readyCondition(status: unknown): { reason?: unknown; message?: unknown } | undefined {
  const list = isObject(status) ? status.conditions : undefined;
  if (!Array.isArray(list)) return undefined;
  const c: unknown = list.find((x) => isObject(x) && x.type === 'Ready');
  return isObject(c) ? c : undefined;
}

export function intentEvents(
  before: unknown,
  after: NetworkIntentStatus,
  observed: readonly CNFDeployment[],
  desired: readonly CNFDeployment[],
  finalized = false,
): EventSpec[] {
  const events: EventSpec[] = [];
  const from = isObject(before) && typeof before.phase === 'string' ? before.phase : undefined;
  if (after.phase !== undefined && after.phase !== from) {
    const warn = after.phase === 'Failed' || after.phase === 'Degraded';
    events.push({
      type: warn ? 'Warning' : 'Normal',
      reason: 'PhaseChanged',
      message: `phase ${from ?? '(none)'} → ${after.phase}`,
    });
  }
  const was = readyCondition(before);
  const now = readyCondition(after);
  if (
    typeof now?.reason === 'string' &&
    REFUSALS.has(now.reason) &&
    (was?.reason !== now.reason || was.message !== now.message)
  ) {
    events.push({ type: 'Warning', reason: now.reason, message: String(now.message) });
  }
  const have = new Set(observed.map((c) => c.metadata.name));
  const want = new Set(desired.map((c) => c.metadata.name));
  for (const c of desired) {
    if (!have.has(c.metadata.name)) {
      events.push({
        type: 'Normal',
        reason: 'CreatingFunction',
        message: `creating CNFDeployment ${c.metadata.name} (${c.spec.function})`,
      });
    }
  }
  for (const c of observed) {
    if (!want.has(c.metadata.name) && c.metadata.deletionTimestamp === undefined) {
      events.push({
        type: 'Normal',
        reason: 'DeletingFunction',
        message: `deleting CNFDeployment ${c.metadata.name}`,
      });
    }
  }
  if (finalized) {
    events.push({
      type: 'Normal',
      reason: 'Finalized',
      message: 'every CNFDeployment of the intent is deleted',
    });
  }
  return events.map((e) =>
    e.message.length > MAX_MESSAGE ? { ...e, message: `${e.message.slice(0, MAX_MESSAGE - 1)}…` } : e,
  );
}

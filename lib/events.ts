// Which Kubernetes Events one hook answer produces: phase transitions, new errors, and the outcome
// of the actions the shell carried out. Pure: the recorder in lib/clients/kube.ts sends them,
// deduplicated, without ever holding up the hook's answer.
import type { ActionResult, CNFDeploymentStatus, Phase } from './types.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventSpec {
  type: EventType;
  /** UpperCamelCase, stable: alerting and `kubectl get events --field-selector reason=` key on it. */
  reason: string;
  message: string;
}

const WARNING_PHASES: ReadonlySet<Phase> = new Set<Phase>(['Failed', 'Degraded']);

/** Kubernetes caps event messages at 1 KiB; keep well under it. */
const MAX_MESSAGE = 1000;

export function eventsForAnswer(
  before: CNFDeploymentStatus | undefined,
  after: CNFDeploymentStatus,
  results: readonly ActionResult[],
  finalized = false,
): EventSpec[] {
  const events: EventSpec[] = [];
  const from = before?.phase;
  const to = after.phase;
  if (to !== undefined && to !== from) {
    const transition = `phase ${from ?? '(none)'} → ${to}`;
    if (to === 'Failed') {
      const err = after.lastError;
      const why = err === undefined ? '' : `: ${err.class}/${err.reason}: ${err.message}`;
      events.push({ type: 'Warning', reason: 'Failed', message: transition + why });
    } else {
      events.push({
        type: WARNING_PHASES.has(to) ? 'Warning' : 'Normal',
        reason: 'PhaseChanged',
        message: transition,
      });
    }
  }
  const err = after.lastError;
  const prev = before?.lastError;
  const newError =
    err !== undefined && (prev === undefined || prev.reason !== err.reason || prev.message !== err.message);
  // Action failures get their own event below, and a move to Failed already carries the error.
  if (newError && err.action === undefined && to !== 'Failed') {
    events.push({ type: 'Warning', reason: err.reason, message: `${err.class}: ${err.message}` });
  }
  for (const r of results) {
    const what = r.action.type === 'writeResources' ? 'WriteResources' : 'Approve';
    if (!r.ok) {
      const e = r.error;
      const detail = e === undefined ? 'failed' : `${e.class}/${e.reason}: ${e.message}`;
      events.push({ type: 'Warning', reason: `${what}Failed`, message: `${r.action.name}: ${detail}` });
    } else if (r.skipped !== true) {
      events.push(
        r.action.type === 'writeResources'
          ? {
              type: 'Normal',
              reason: 'ResourcesWritten',
              message: `${r.action.name}: wrote package content ${r.action.contentHash.slice(0, 12)}`,
            }
          : { type: 'Normal', reason: 'Approved', message: `${r.action.name}: approved, now Published` },
      );
    }
  }
  if (finalized) {
    events.push({
      type: 'Normal',
      reason: 'Finalized',
      message: 'package revisions cleaned up; deletion may proceed',
    });
  }
  return events.map((e) =>
    e.message.length > MAX_MESSAGE ? { ...e, message: e.message.slice(0, MAX_MESSAGE - 1) + '…' } : e,
  );
}

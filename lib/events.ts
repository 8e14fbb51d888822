// Which Kubernetes Events one hook answer produces: phase transitions, new errors, and the outcome
// of the actions the shell carried out. Pure: the recorder in lib/clients/kube.ts sends them,
// deduplicated, without ever holding up the hook's answer.
import type { Action, ActionResult, CNFDeploymentStatus, Phase } from './types.ts';

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

/** UpperCamelCase action names; a failed action's event reason is `<name>Failed`. */
const ACTION_EVENT_NAMES: Record<Action['type'], string> = {
  writeResources: 'WriteResources',
  propose: 'Propose',
  approve: 'Approve',
  deletePackageRevision: 'DeletePackageRevision',
  adoptPackageRevision: 'AdoptPackageRevision',
  putA1PolicyType: 'PutA1PolicyType',
  putA1Policy: 'PutA1Policy',
  deleteA1Policy: 'DeleteA1Policy',
  createE2Subscription: 'CreateE2Subscription',
  deleteE2Subscription: 'DeleteE2Subscription',
};

function doneEvent(r: ActionResult): EventSpec {
  const a = r.action;
  switch (a.type) {
    case 'writeResources':
      return {
        type: 'Normal',
        reason: 'ResourcesWritten',
        message: `${a.name}: wrote package content ${a.contentHash.slice(0, 12)}`,
      };
    case 'propose':
      return { type: 'Normal', reason: 'Proposed', message: `${a.name}: proposed for approval` };
    case 'approve':
      return { type: 'Normal', reason: 'Approved', message: `${a.name}: approved, now Published` };
    case 'deletePackageRevision':
      return { type: 'Normal', reason: 'PackageRevisionDeleted', message: `${a.name}: deleted from Porch` };
    case 'adoptPackageRevision':
      return {
        type: 'Normal',
        reason: 'PackageRevisionAdopted',
        message: `${a.name}: this CNF's labels and owner set again (Porch had dropped them, or a deleted CNF of the same name left it)`,
      };
    case 'putA1PolicyType':
      return {
        type: 'Normal',
        reason: 'A1PolicyTypeCreated',
        message: `policy type ${a.name} at ${a.endpoint}`,
      };
    case 'putA1Policy':
      return {
        type: 'Normal',
        reason: 'A1PolicyPut',
        message: `policy ${a.policyId} (type ${a.policyTypeId}) at ${a.endpoint}`,
      };
    case 'deleteA1Policy':
      return {
        type: 'Normal',
        reason: 'A1PolicyDeleted',
        message: `policy ${a.policyId} (type ${a.policyTypeId}) at ${a.endpoint}`,
      };
    case 'createE2Subscription':
      return {
        type: 'Normal',
        reason: 'E2SubscriptionCreated',
        message: `subscription ${a.name}: id ${r.subscriptionId ?? '?'} at ${a.endpoint}`,
      };
    case 'deleteE2Subscription':
      return {
        type: 'Normal',
        reason: 'E2SubscriptionDeleted',
        message: `subscription ${a.name}: id ${a.subscriptionId} at ${a.endpoint}`,
      };
  }
}

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
    const what = ACTION_EVENT_NAMES[r.action.type];
    if (!r.ok) {
      const e = r.error;
      const detail = e === undefined ? 'failed' : `${e.class}/${e.reason}: ${e.message}`;
      events.push({ type: 'Warning', reason: `${what}Failed`, message: `${r.action.name}: ${detail}` });
    } else if (r.skipped !== true) {
      events.push(doneEvent(r));
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

// The shell's A1/E2 action outcomes folded into status.oran (pure; returns a new object): a put is
// Accepted, a refusal holds the item Failed until the spec changes, creates that ended without an
// answer are counted and bounded (docs/oran.md).
import type { ActionResult, OranPolicyStatus, OranStatus, OranSubscriptionStatus } from '../types.ts';
import { without } from '../json.ts';

/** Creates of one subscription that may end without an answer before it is held as Failed. */
const MAX_UNCERTAIN_CREATES = 2;

const errorText = (r: ActionResult): string =>
  r.error === undefined ? 'failed' : `${r.error.reason}: ${r.error.message}`;

/** Folds the outcome of O-RAN actions into status.oran (pure; returns a new object). */
export function foldOranResults(
  oran: OranStatus | undefined,
  results: readonly ActionResult[],
  generation: number | undefined,
): OranStatus | undefined {
  if (oran === undefined) return oran;
  let policies = [...(oran.policies ?? [])];
  let subscriptions = [...(oran.subscriptions ?? [])];
  for (const r of results) {
    const a = r.action;
    if (a.type === 'putA1Policy') {
      const i = policies.findIndex((p) => p.policyId === a.policyId && p.endpoint === a.endpoint);
      const e = policies[i];
      if (e === undefined) continue;
      const base = { policyTypeId: a.policyTypeId, policyId: a.policyId, endpoint: a.endpoint };
      if (r.ok) {
        policies[i] = {
          ...base,
          state: 'Accepted',
          message: 'accepted by the A1 mediator; waiting for its enforcement status',
          policyHash: a.policyHash,
        };
      } else if (r.error !== undefined && r.error.class !== 'Transient') {
        const failed: OranPolicyStatus = {
          ...base,
          state: 'Failed',
          message: `${errorText(r)} (not retried until the spec changes)`,
          policyHash: a.policyHash,
        };
        if (generation !== undefined) failed.generation = generation;
        policies[i] = failed;
      } else policies[i] = { ...e, message: errorText(r) };
    } else if (a.type === 'deleteA1Policy' && a.bestEffort !== true) {
      const i = policies.findIndex(
        (p) => p.policyId === a.policyId && p.endpoint === a.endpoint && p.state === 'Deleting',
      );
      const e = policies[i];
      if (e === undefined) continue;
      if (r.ok) policies = policies.filter((_, j) => j !== i);
      else policies[i] = { ...e, message: `deleting failed: ${errorText(r)}` };
    } else if (a.type === 'createE2Subscription') {
      const i = subscriptions.findIndex((s) => s.name === a.name && s.endpoint === a.endpoint);
      const e = subscriptions[i];
      if (e === undefined) continue;
      const base = { name: a.name, endpoint: a.endpoint, requestHash: a.requestHash };
      if (r.ok && r.subscriptionId !== undefined) {
        subscriptions[i] = { ...base, subscriptionId: r.subscriptionId, state: 'Ready' };
        continue;
      }
      const uncertain = r.uncertain === true ? (e.uncertainCreates ?? 0) + 1 : e.uncertainCreates;
      const permanent = r.error !== undefined && r.error.class !== 'Transient';
      if (permanent || (uncertain ?? 0) > MAX_UNCERTAIN_CREATES) {
        const why = permanent
          ? errorText(r)
          : `${uncertain} creates ended without an answer (${errorText(r)}); look for orphaned subscriptions for ${a.request.Meid} in the subscription manager (GET /ric/v1/subscriptions)`;
        const failed: OranSubscriptionStatus = {
          ...base,
          state: 'Failed',
          message: `${why} (not retried until the spec changes)`,
        };
        if (uncertain !== undefined) failed.uncertainCreates = uncertain;
        if (generation !== undefined) failed.generation = generation;
        subscriptions[i] = failed;
      } else {
        const pending: OranSubscriptionStatus = { ...base, state: 'Pending', message: errorText(r) };
        if (uncertain !== undefined) pending.uncertainCreates = uncertain;
        subscriptions[i] = pending;
      }
    } else if (a.type === 'deleteE2Subscription' && a.bestEffort !== true) {
      const i = subscriptions.findIndex((s) => s.name === a.name && s.subscriptionId === a.subscriptionId);
      const e = subscriptions[i];
      if (e === undefined) continue;
      if (!r.ok) subscriptions[i] = { ...e, message: `deleting failed: ${errorText(r)}` };
      else if (e.state === 'Deleting') subscriptions = subscriptions.filter((_, j) => j !== i);
      else {
        // A replacement: the old one is gone; the next sync creates the new one.
        subscriptions[i] = {
          ...without(e, 'subscriptionId'),
          message: 'the old subscription is deleted; creating the new one',
        };
      }
    }
  }
  const out: OranStatus = {};
  if (policies.length > 0) out.policies = policies;
  if (subscriptions.length > 0) out.subscriptions = subscriptions;
  return Object.keys(out).length > 0 ? out : undefined;
}

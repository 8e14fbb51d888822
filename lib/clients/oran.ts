// Carries out the reconciler's O-RAN actions with the A1 and E2 clients and reports each outcome as
// data (never throws), so every failure reaches status through applyActionResults.
import type { ActionResult, OranAction } from '../types.ts';
import type { A1Client } from './a1.ts';
import type { E2Client } from './e2.ts';
import { RicError, type RicCallOptions } from './ric.ts';

export interface OranClients {
  a1: A1Client;
  e2: E2Client;
}

export function isOranAction(action: { type: string }): action is OranAction {
  return (
    action.type === 'putA1PolicyType' ||
    action.type === 'putA1Policy' ||
    action.type === 'deleteA1Policy' ||
    action.type === 'createE2Subscription' ||
    action.type === 'deleteE2Subscription'
  );
}

export async function runOranAction(
  clients: OranClients,
  action: OranAction,
  opts: RicCallOptions = {},
): Promise<ActionResult> {
  try {
    switch (action.type) {
      case 'putA1PolicyType': {
        const outcome = await clients.a1.putPolicyType(
          action.endpoint,
          action.policyTypeId,
          action.body,
          opts,
        );
        return outcome === 'exists' ? { action, ok: true, skipped: true } : { action, ok: true };
      }
      case 'putA1Policy':
        await clients.a1.putPolicy(
          action.endpoint,
          action.policyTypeId,
          action.policyId,
          action.policy,
          opts,
        );
        return { action, ok: true };
      case 'deleteA1Policy': {
        const outcome = await clients.a1.deletePolicy(
          action.endpoint,
          action.policyTypeId,
          action.policyId,
          opts,
        );
        return outcome === 'gone' ? { action, ok: true, skipped: true } : { action, ok: true };
      }
      case 'createE2Subscription': {
        const subscriptionId = await clients.e2.createSubscription(action.endpoint, action.request, opts);
        return { action, ok: true, subscriptionId };
      }
      case 'deleteE2Subscription': {
        const outcome = await clients.e2.deleteSubscription(action.endpoint, action.subscriptionId, opts);
        return outcome === 'gone' ? { action, ok: true, skipped: true } : { action, ok: true };
      }
    }
  } catch (err) {
    const e =
      err instanceof RicError
        ? err
        : new RicError(err instanceof Error ? err.message : String(err), {
            class: 'Transient',
            reason: 'ClientError',
            cause: err,
          });
    const error: NonNullable<ActionResult['error']> = {
      class: e.class,
      reason: e.reason,
      message: e.message,
    };
    if (e.httpStatus !== undefined) error.httpStatus = e.httpStatus;
    const result: ActionResult = { action, ok: false, error };
    if (e.uncertain && action.type === 'createE2Subscription') result.uncertain = true;
    return result;
  }
}

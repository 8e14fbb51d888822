// Deleting the CNF: every A1 policy and E2 subscription status.oran says may exist is deleted (again)
// on every finalize answer; `remaining` counts what is still there.
import type { OranAction, OranStatus } from '../types.ts';
import { policyRemoval, subscriptionRemoval } from './plan.ts';

const DELETING = 'the CNF is being deleted; deleting it';

export function finalizeOran(prev: OranStatus | undefined): {
  status: OranStatus | undefined;
  actions: OranAction[];
  remaining: number;
} {
  const policies = (prev?.policies ?? []).flatMap((e) => policyRemoval(e, DELETING) ?? []);
  const subscriptions = (prev?.subscriptions ?? []).flatMap((e) => subscriptionRemoval(e, DELETING) ?? []);
  const status: OranStatus = {};
  if (policies.length > 0) status.policies = policies.map((p) => p.entry);
  if (subscriptions.length > 0) status.subscriptions = subscriptions.map((s) => s.entry);
  return {
    status: Object.keys(status).length > 0 ? status : undefined,
    actions: [...policies, ...subscriptions].map((r) => r.action),
    remaining: policies.length + subscriptions.length,
  };
}

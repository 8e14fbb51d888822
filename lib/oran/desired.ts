// What spec.oran asks for, as data: the A1 policies with their ids and body hashes, the E2
// subscription requests as the subscription manager expects them, and the spec problems the CRD
// schema cannot express. Rules are in docs/oran.md.
import type { CNFDeployment, E2SubscriptionRequest } from '../types.ts';
import type { FieldIssue } from '../errors.ts';
import { sha256Hex } from '../sha256.ts';
import { canonicalJson } from '../json.ts';

const MAX_POLICY_ID = 253;

export interface DesiredPolicy {
  policyTypeId: number;
  policyId: string;
  policy: Record<string, unknown>;
  policyHash: string;
}

export interface DesiredSubscription {
  name: string;
  request: E2SubscriptionRequest;
  requestHash: string;
}

export function normalizeEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, '');
}

/** Key of a policy in Observations.a1Policies. */
export function policyKey(policyTypeId: number, policyId: string): string {
  return `${policyTypeId}/${policyId}`;
}

/**
 * Default policy id: `<namespace>-<name>-<policyTypeId>`, then `-2`, `-3`, … for further policies
 * of the same type. Keyed by type rather than list index so that removing one policy does not
 * rename the others. Over-long ids are shortened with a hash suffix (deterministic, still valid).
 */
export function defaultPolicyId(namespace: string, name: string, policyTypeId: number, nth: number): string {
  const id = `${namespace}-${name}-${policyTypeId}${nth > 1 ? `-${nth}` : ''}`;
  if (id.length <= MAX_POLICY_ID) return id;
  return `${id.slice(0, MAX_POLICY_ID - 11)}-${sha256Hex(id).slice(0, 10)}`;
}

export function desiredPolicies(parent: CNFDeployment): DesiredPolicy[] {
  const namespace = parent.metadata.namespace ?? 'default';
  const seen = new Map<number, number>();
  return (parent.spec.oran?.a1?.policies ?? []).map((p) => {
    const nth = (seen.get(p.policyTypeId) ?? 0) + 1;
    seen.set(p.policyTypeId, nth);
    const policyId = p.policyId ?? defaultPolicyId(namespace, parent.metadata.name, p.policyTypeId, nth);
    return {
      policyTypeId: p.policyTypeId,
      policyId,
      policy: p.policy,
      policyHash: sha256Hex(canonicalJson(p.policy)),
    };
  });
}

function subscriptionName(index: number): string {
  return `subscription-${index}`;
}

/** The submgr request for each subscription in the spec (O-RAN SC xapp-frame field names). */
export function desiredSubscriptions(parent: CNFDeployment): DesiredSubscription[] {
  const e2 = parent.spec.oran?.e2;
  const client = e2?.clientEndpoint;
  return (e2?.subscriptions ?? []).map((s, i) => {
    const clientEndpoint: E2SubscriptionRequest['ClientEndpoint'] = { Host: client?.host ?? '' };
    if (client?.httpPort !== undefined) clientEndpoint.HTTPPort = client.httpPort;
    if (client?.rmrPort !== undefined) clientEndpoint.RMRPort = client.rmrPort;
    const request: E2SubscriptionRequest = {
      ClientEndpoint: clientEndpoint,
      Meid: s.meid,
      RANFunctionID: s.ranFunctionId,
      SubscriptionDetails: [
        {
          // One details entry per request: the xApp matches results by SubscriptionId anyway.
          XappEventInstanceId: 1,
          EventTriggers: s.eventTriggers ?? [],
          ActionToBeSetupList: s.actions.map((a) => {
            const action: E2SubscriptionRequest['SubscriptionDetails'][number]['ActionToBeSetupList'][number] =
              {
                ActionID: a.actionId,
                ActionType: a.actionType,
              };
            if (a.actionDefinition !== undefined) action.ActionDefinition = a.actionDefinition;
            if (a.subsequentAction !== undefined) {
              action.SubsequentAction = {
                SubsequentActionType: a.subsequentAction.subsequentActionType,
                TimeToWait: a.subsequentAction.timeToWait ?? 'zero',
              };
            }
            return action;
          }),
        },
      ],
    };
    return { name: s.name ?? subscriptionName(i), request, requestHash: sha256Hex(canonicalJson(request)) };
  });
}

/** Every later occurrence of a key already used at an earlier index of the list, as an issue. */
function duplicateKeys(keys: readonly string[], list: string, field: string, what: string): FieldIssue[] {
  const first = new Map<string, number>();
  const issues: FieldIssue[] = [];
  keys.forEach((key, i) => {
    const at = first.get(key);
    if (at === undefined) first.set(key, i);
    else
      issues.push({
        path: `${list}[${i}].${field}`,
        message: `${what} ${key} is already used by ${list}[${at}]`,
      });
  });
  return issues;
}

/** Spec problems the CRD schema cannot express (uniqueness, a client endpoint for subscriptions). */
export function oranIssues(parent: CNFDeployment): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const oran = parent.spec.oran;
  if (oran === undefined) return issues;
  issues.push(
    ...duplicateKeys(
      desiredPolicies(parent).map((p) => p.policyId),
      'spec.oran.a1.policies',
      'policyId',
      'policy id',
    ),
    ...duplicateKeys(
      desiredSubscriptions(parent).map((d) => d.name),
      'spec.oran.e2.subscriptions',
      'name',
      'subscription name',
    ),
  );
  if ((oran.e2?.subscriptions ?? []).length > 0 && oran.e2?.clientEndpoint === undefined) {
    issues.push({
      path: 'spec.oran.e2.clientEndpoint',
      message: 'required when subscriptions are set (the subscription manager delivers results there)',
    });
  }
  return issues;
}

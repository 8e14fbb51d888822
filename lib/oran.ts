// The O-RAN configuration stage as pure functions: spec.oran + the previous status.oran + what the
// shell observed → the next status.oran, the A1/E2 actions for the shell, and how far the stage is.
// The shell's action outcomes are folded back by foldOranResults (via applyActionResults); the next
// sync decides again. Rules and their reasons are in docs/oran.md.
import type {
  ActionResult,
  CNFDeployment,
  E2SubscriptionRequest,
  Observations,
  OranAction,
  OranPolicyStatus,
  OranSpec,
  OranStatus,
  OranSubscriptionStatus,
} from './types.ts';
import { sha256Hex } from './sha256.ts';

/** Creates of one subscription that may end without an answer before it is held as Failed. */
export const MAX_UNCERTAIN_CREATES = 2;
/** Resync while a policy stays NOT_ENFORCED (the A1 mediator may enforce it later). */
export const RESYNC_ORAN_POLL_SECONDS = 10;
const MAX_POLICY_ID = 253;
const MAX_MESSAGE_ITEMS = 4;

export type OranStage = 'complete' | 'pending' | 'notEnforced' | 'failed';

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

/** JSON with object keys sorted at every level: equal content, equal text, equal hash. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, sort(o[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value));
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

export function subscriptionName(index: number): string {
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
function duplicateKeys(
  keys: readonly string[],
  list: string,
  field: string,
  what: string,
): Array<{ path: string; message: string }> {
  const first = new Map<string, number>();
  const issues: Array<{ path: string; message: string }> = [];
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
export function oranIssues(parent: CNFDeployment): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
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

// ---- planning -------------------------------------------------------------------------------------

export interface OranPlanInput {
  parent: CNFDeployment;
  spec: OranSpec | undefined;
  prev: OranStatus | undefined;
  observations: Observations;
  /** The workload runs the latest content and is ready: puts and creates may go out. */
  ready: boolean;
  generation: number;
}

export interface OranPlan {
  /** The next status.oran (undefined when there is nothing to report). */
  status: OranStatus | undefined;
  actions: OranAction[];
  stage: OranStage;
  /** For the Configured condition. */
  message: string;
  /** Action keys held after a Configuration/Permanent refusal: their lastError stays. */
  heldKeys: string[];
  /** Entries waiting for a DELETE. */
  deleting: number;
}

function without<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Omit<T, K> {
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}

const applied = (e: OranPolicyStatus | undefined): boolean =>
  e !== undefined && (e.state === 'Accepted' || e.state === 'Enforced' || e.state === 'NotEnforced');

export function planOran(input: OranPlanInput): OranPlan {
  const { parent, spec, prev, observations, ready, generation } = input;
  const actions = {
    deletes: [] as OranAction[],
    types: [] as OranAction[],
    puts: [] as OranAction[],
    subDeletes: [] as OranAction[],
    creates: [] as OranAction[],
  };
  const heldKeys: string[] = [];

  // A1 policies.
  const a1Endpoint = spec?.a1 === undefined ? undefined : normalizeEndpoint(spec.a1.endpoint);
  const wantPolicies = a1Endpoint === undefined ? [] : desiredPolicies(parent);
  const prevPolicies = new Map((prev?.policies ?? []).map((e) => [e.policyId, e]));
  const policies: OranPolicyStatus[] = [];
  const policyDone: boolean[] = [];
  for (const d of wantPolicies) {
    const endpoint = a1Endpoint as string;
    let e = prevPolicies.get(d.policyId);
    if (e !== undefined && (e.endpoint !== endpoint || e.policyTypeId !== d.policyTypeId)) {
      // A new target: the old one is cleaned up best effort, never waited for.
      if (e.endpoint !== undefined) {
        actions.deletes.push({
          type: 'deleteA1Policy',
          name: d.policyId,
          endpoint: e.endpoint,
          policyTypeId: e.policyTypeId,
          policyId: d.policyId,
          bestEffort: true,
        });
      }
      e = undefined;
    }
    const base = { policyTypeId: d.policyTypeId, policyId: d.policyId };
    let putReason: string | undefined;
    if (applied(e) && e?.policyHash === d.policyHash) {
      const o = observations.a1Policies?.[policyKey(d.policyTypeId, d.policyId)];
      if (o === undefined) policies.push(e);
      else if (o.enforceStatus === 'ENFORCED')
        policies.push({ ...base, state: 'Enforced', endpoint, policyHash: d.policyHash });
      else if (o.enforceStatus === 'NOT_ENFORCED')
        policies.push({
          ...base,
          state: 'NotEnforced',
          reason: o.enforceReason ?? 'the A1 mediator reports NOT_ENFORCED without a reason',
          endpoint,
          policyHash: d.policyHash,
        });
      else putReason = 'not found in the A1 mediator; putting it again';
    } else if (e?.state === 'Failed' && e.policyHash === d.policyHash && e.generation === generation) {
      policies.push(e);
      heldKeys.push(`putA1Policy:${d.policyId}`);
    } else {
      putReason =
        e?.policyHash !== undefined && e.state !== 'Deleting' && e.policyHash !== d.policyHash
          ? 'the policy changed; putting it again'
          : 'putting the policy';
    }
    if (putReason !== undefined) {
      if (ready) {
        actions.puts.push({
          type: 'putA1Policy',
          name: d.policyId,
          endpoint,
          policyTypeId: d.policyTypeId,
          policyId: d.policyId,
          policy: d.policy,
          policyHash: d.policyHash,
        });
      }
      policies.push({
        ...base,
        state: 'Pending',
        reason: ready ? putReason : 'waiting for the workload to be ready',
        endpoint,
      });
    }
    const now = policies[policies.length - 1];
    policyDone.push(now?.state === 'Enforced' && now.policyHash === d.policyHash);
  }
  const wantIds = new Set(wantPolicies.map((d) => d.policyId));
  const removedPolicies = [...prevPolicies.values()]
    .filter((e) => !wantIds.has(e.policyId) && e.endpoint !== undefined)
    .sort((a, b) => a.policyId.localeCompare(b.policyId));
  for (const e of removedPolicies) {
    actions.deletes.push({
      type: 'deleteA1Policy',
      name: e.policyId,
      endpoint: e.endpoint as string,
      policyTypeId: e.policyTypeId,
      policyId: e.policyId,
    });
    policies.push({
      ...without(e, 'policyHash', 'generation', 'reason'),
      state: 'Deleting',
      reason:
        e.state === 'Deleting' && e.reason !== undefined ? e.reason : 'removed from the spec; deleting it',
    });
  }

  // Policy types the policies being put need, created first (an existing type is left alone).
  const typeIds = [...new Set(actions.puts.map((a) => (a as { policyTypeId: number }).policyTypeId))];
  for (const t of spec?.a1?.policyTypes ?? []) {
    if (!typeIds.includes(t.policyTypeId)) continue;
    actions.types.push({
      type: 'putA1PolicyType',
      name: String(t.policyTypeId),
      endpoint: a1Endpoint as string,
      policyTypeId: t.policyTypeId,
      body: {
        name: t.name ?? `type-${t.policyTypeId}`,
        description: t.description ?? '',
        policy_type_id: t.policyTypeId,
        create_schema: t.createSchema,
      },
    });
  }

  // E2 subscriptions.
  const e2Endpoint = spec?.e2 === undefined ? undefined : normalizeEndpoint(spec.e2.endpoint);
  const wantSubs = e2Endpoint === undefined ? [] : desiredSubscriptions(parent);
  const prevSubs = new Map((prev?.subscriptions ?? []).map((e) => [e.name, e]));
  const subscriptions: OranSubscriptionStatus[] = [];
  const subDone: boolean[] = [];
  for (const d of wantSubs) {
    const endpoint = e2Endpoint as string;
    let e = prevSubs.get(d.name);
    if (e !== undefined && e.endpoint !== endpoint) {
      if (e.subscriptionId !== undefined && e.endpoint !== undefined) {
        actions.subDeletes.push({
          type: 'deleteE2Subscription',
          name: d.name,
          endpoint: e.endpoint,
          subscriptionId: e.subscriptionId,
          bestEffort: true,
        });
      }
      e = undefined;
    }
    if (e?.subscriptionId !== undefined) {
      if (e.state === 'Ready' && e.requestHash === d.requestHash) subscriptions.push(e);
      else {
        // submgr has no update: the old subscription goes first, the new one comes next sync.
        if (ready) {
          actions.subDeletes.push({
            type: 'deleteE2Subscription',
            name: d.name,
            endpoint,
            subscriptionId: e.subscriptionId,
          });
        }
        subscriptions.push({
          name: d.name,
          subscriptionId: e.subscriptionId,
          state: 'Pending',
          reason: ready
            ? 'the subscription changed; deleting the old one before creating the new one'
            : 'waiting for the workload to be ready',
          endpoint,
        });
      }
    } else if (e?.state === 'Failed' && e.requestHash === d.requestHash && e.generation === generation) {
      subscriptions.push(e);
      heldKeys.push(`createE2Subscription:${d.name}`);
    } else {
      if (ready) {
        actions.creates.push({
          type: 'createE2Subscription',
          name: d.name,
          endpoint,
          request: d.request,
          requestHash: d.requestHash,
        });
      }
      const entry: OranSubscriptionStatus = {
        name: d.name,
        state: 'Pending',
        reason: ready ? 'creating the subscription' : 'waiting for the workload to be ready',
        endpoint,
        requestHash: d.requestHash,
      };
      // Uncertain creates count per request: a new request starts from zero.
      if (e?.uncertainCreates !== undefined && e.requestHash === d.requestHash && e.state !== 'Failed')
        entry.uncertainCreates = e.uncertainCreates;
      subscriptions.push(entry);
    }
    const now = subscriptions[subscriptions.length - 1];
    subDone.push(now?.state === 'Ready' && now.requestHash === d.requestHash);
  }
  const wantNames = new Set(wantSubs.map((d) => d.name));
  const removedSubs = [...prevSubs.values()]
    .filter((e) => !wantNames.has(e.name) && e.subscriptionId !== undefined && e.endpoint !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const e of removedSubs) {
    actions.subDeletes.push({
      type: 'deleteE2Subscription',
      name: e.name,
      endpoint: e.endpoint as string,
      subscriptionId: e.subscriptionId as string,
    });
    subscriptions.push({
      ...without(e, 'requestHash', 'generation', 'uncertainCreates', 'reason'),
      state: 'Deleting',
      reason:
        e.state === 'Deleting' && e.reason !== undefined ? e.reason : 'removed from the spec; deleting it',
    });
  }

  const desiredPolicyEntries = policies.slice(0, wantPolicies.length);
  const desiredSubEntries = subscriptions.slice(0, wantSubs.length);
  const stage = stageOf(desiredPolicyEntries, policyDone, desiredSubEntries, subDone);
  const status: OranStatus = {};
  if (policies.length > 0) status.policies = policies;
  if (subscriptions.length > 0) status.subscriptions = subscriptions;
  return {
    status: Object.keys(status).length > 0 ? status : undefined,
    actions: [
      ...actions.deletes,
      ...actions.types,
      ...actions.puts,
      ...actions.subDeletes,
      ...actions.creates,
    ],
    stage,
    message: stageMessage(stage, desiredPolicyEntries, policyDone, desiredSubEntries, subDone),
    heldKeys,
    deleting: removedPolicies.length + removedSubs.length,
  };
}

function stageOf(
  policies: OranPolicyStatus[],
  policyDone: boolean[],
  subs: OranSubscriptionStatus[],
  subDone: boolean[],
): OranStage {
  if (policyDone.every(Boolean) && subDone.every(Boolean)) return 'complete';
  if (policies.some((p) => p.state === 'Failed') || subs.some((s) => s.state === 'Failed')) return 'failed';
  const open =
    policies.some((p, i) => !policyDone[i] && p.state !== 'NotEnforced') || !subDone.every(Boolean);
  return open ? 'pending' : 'notEnforced';
}

function stageMessage(
  stage: OranStage,
  policies: OranPolicyStatus[],
  policyDone: boolean[],
  subs: OranSubscriptionStatus[],
  subDone: boolean[],
): string {
  if (stage === 'complete') {
    return `${policies.length} A1 polic${policies.length === 1 ? 'y' : 'ies'} enforced, ${subs.length} E2 subscription${subs.length === 1 ? '' : 's'} in place`;
  }
  const open = [
    ...policies
      .filter((_, i) => !policyDone[i])
      .map((p) => `policy ${p.policyId} ${p.state}${p.reason === undefined ? '' : `: ${p.reason}`}`),
    ...subs
      .filter((_, i) => !subDone[i])
      .map((s) => `subscription ${s.name} ${s.state}${s.reason === undefined ? '' : `: ${s.reason}`}`),
  ];
  const shown = open.slice(0, MAX_MESSAGE_ITEMS).join('; ');
  const more = open.length > MAX_MESSAGE_ITEMS ? `; and ${open.length - MAX_MESSAGE_ITEMS} more` : '';
  return `${shown}${more}`;
}

// ---- finalize -------------------------------------------------------------------------------------

/** Deletes everything status.oran says may exist; `remaining` counts what is still there. */
export function finalizeOran(prev: OranStatus | undefined): {
  status: OranStatus | undefined;
  actions: OranAction[];
  remaining: number;
} {
  const actions: OranAction[] = [];
  const policies: OranPolicyStatus[] = [];
  const subscriptions: OranSubscriptionStatus[] = [];
  for (const e of prev?.policies ?? []) {
    if (e.endpoint === undefined) continue;
    actions.push({
      type: 'deleteA1Policy',
      name: e.policyId,
      endpoint: e.endpoint,
      policyTypeId: e.policyTypeId,
      policyId: e.policyId,
    });
    policies.push({
      ...without(e, 'policyHash', 'generation', 'reason'),
      state: 'Deleting',
      reason:
        e.state === 'Deleting' && e.reason !== undefined ? e.reason : 'the CNF is being deleted; deleting it',
    });
  }
  for (const e of prev?.subscriptions ?? []) {
    if (e.subscriptionId === undefined || e.endpoint === undefined) continue;
    actions.push({
      type: 'deleteE2Subscription',
      name: e.name,
      endpoint: e.endpoint,
      subscriptionId: e.subscriptionId,
    });
    subscriptions.push({
      ...without(e, 'requestHash', 'generation', 'uncertainCreates', 'reason'),
      state: 'Deleting',
      reason:
        e.state === 'Deleting' && e.reason !== undefined ? e.reason : 'the CNF is being deleted; deleting it',
    });
  }
  const status: OranStatus = {};
  if (policies.length > 0) status.policies = policies;
  if (subscriptions.length > 0) status.subscriptions = subscriptions;
  return {
    status: Object.keys(status).length > 0 ? status : undefined,
    actions,
    remaining: policies.length + subscriptions.length,
  };
}

// ---- action results -------------------------------------------------------------------------------

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
          reason: 'accepted by the A1 mediator; waiting for its enforcement status',
          policyHash: a.policyHash,
        };
      } else if (r.error !== undefined && r.error.class !== 'Transient') {
        const failed: OranPolicyStatus = {
          ...base,
          state: 'Failed',
          reason: `${errorText(r)} (not retried until the spec changes)`,
          policyHash: a.policyHash,
        };
        if (generation !== undefined) failed.generation = generation;
        policies[i] = failed;
      } else policies[i] = { ...e, reason: errorText(r) };
    } else if (a.type === 'deleteA1Policy' && a.bestEffort !== true) {
      const i = policies.findIndex(
        (p) => p.policyId === a.policyId && p.endpoint === a.endpoint && p.state === 'Deleting',
      );
      const e = policies[i];
      if (e === undefined) continue;
      if (r.ok) policies = policies.filter((_, j) => j !== i);
      else policies[i] = { ...e, reason: `deleting failed: ${errorText(r)}` };
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
        const reason = permanent
          ? errorText(r)
          : `${uncertain} creates ended without an answer (${errorText(r)}); look for orphaned subscriptions for ${a.request.Meid} in the subscription manager (GET /ric/v1/subscriptions)`;
        const failed: OranSubscriptionStatus = {
          ...base,
          state: 'Failed',
          reason: `${reason} (not retried until the spec changes)`,
        };
        if (uncertain !== undefined) failed.uncertainCreates = uncertain;
        if (generation !== undefined) failed.generation = generation;
        subscriptions[i] = failed;
      } else {
        const pending: OranSubscriptionStatus = { ...base, state: 'Pending', reason: errorText(r) };
        if (uncertain !== undefined) pending.uncertainCreates = uncertain;
        subscriptions[i] = pending;
      }
    } else if (a.type === 'deleteE2Subscription' && a.bestEffort !== true) {
      const i = subscriptions.findIndex((s) => s.name === a.name && s.subscriptionId === a.subscriptionId);
      const e = subscriptions[i];
      if (e === undefined) continue;
      if (!r.ok) subscriptions[i] = { ...e, reason: `deleting failed: ${errorText(r)}` };
      else if (e.state === 'Deleting') subscriptions = subscriptions.filter((_, j) => j !== i);
      else {
        // A replacement: the old one is gone; the next sync creates the new one.
        subscriptions[i] = {
          ...without(e, 'subscriptionId'),
          reason: 'the old subscription is deleted; creating the new one',
        };
      }
    }
  }
  const out: OranStatus = {};
  if (policies.length > 0) out.policies = policies;
  if (subscriptions.length > 0) out.subscriptions = subscriptions;
  return Object.keys(out).length > 0 ? out : undefined;
}

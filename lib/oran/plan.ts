// The O-RAN configuration stage as a pure plan: spec.oran + the previous status.oran + what the shell
// observed → the next status.oran, the A1/E2 actions for the shell, and how far the stage is. A1
// policies and E2 subscriptions go through one shared plan step (planItems); what differs is in
// their two `ItemKind`s. The shell's outcomes are folded back by results.ts; the next sync decides
// again. Rules are in docs/oran.md.
import type {
  CNFDeployment,
  Observations,
  OranAction,
  OranPolicyStatus,
  OranStatus,
  OranSubscriptionStatus,
} from '../types.ts';
import { without } from '../json.ts';
import {
  desiredPolicies,
  desiredSubscriptions,
  normalizeEndpoint,
  policyKey,
  type DesiredPolicy,
  type DesiredSubscription,
} from './desired.ts';

export type OranStage = 'complete' | 'pending' | 'notEnforced' | 'failed';

const MAX_MESSAGE_ITEMS = 4;
const WAITING = 'waiting for the workload to be ready';

export interface OranPlanInput {
  /** The CNF with its validated spec (spec.oran is planned). */
  parent: CNFDeployment;
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

/** What one desired item leads to this sync. */
interface Decision<E> {
  entry: E;
  /** Deletes to run first (an old target, a subscription being replaced). */
  deletes: OranAction[];
  /** Puts or creates. */
  applies: OranAction[];
  held?: string;
}

/** How one kind of O-RAN item (A1 policy, E2 subscription) is planned. */
interface ItemKind<D, E extends { state: string; endpoint?: string }> {
  keyOf(item: D | E): string;
  /** The previous entry is for another target (endpoint, policy type): start over. */
  moved(prev: E, d: D, endpoint: string): boolean;
  /** Best-effort delete of the previous target, when something was put or created there. */
  cleanup(prev: E, endpoint: string): OranAction | undefined;
  decide(d: D, prev: E | undefined, endpoint: string): Decision<E>;
  /** The entry is complete for `d`. */
  done(entry: E, d: D): boolean;
  /** A leftover (no longer in the spec) that needs a DELETE, with its Deleting entry. */
  removal(prev: E): { action: OranAction; entry: E } | undefined;
}

interface ItemsPlan<E> {
  entries: E[];
  done: boolean[];
  deletes: OranAction[];
  applies: OranAction[];
  held: string[];
  removed: number;
}

/** The shared plan step: desired items in spec order, then leftovers (sorted) being deleted. */
function planItems<D, E extends { state: string; endpoint?: string }>(
  kind: ItemKind<D, E>,
  want: readonly D[],
  prev: readonly E[],
  endpoint: string | undefined,
): ItemsPlan<E> {
  const plan: ItemsPlan<E> = { entries: [], done: [], deletes: [], applies: [], held: [], removed: 0 };
  const before = new Map(prev.map((e) => [kind.keyOf(e), e]));
  for (const d of want) {
    let e = before.get(kind.keyOf(d));
    if (e !== undefined && kind.moved(e, d, endpoint as string)) {
      const old = kind.cleanup(e, endpoint as string);
      if (old !== undefined) plan.deletes.push(old);
      e = undefined;
    }
    const decision = kind.decide(d, e, endpoint as string);
    plan.entries.push(decision.entry);
    plan.deletes.push(...decision.deletes);
    plan.applies.push(...decision.applies);
    if (decision.held !== undefined) plan.held.push(decision.held);
    plan.done.push(kind.done(decision.entry, d));
  }
  const wanted = new Set(want.map((d) => kind.keyOf(d)));
  const leftovers = [...before.values()]
    .filter((e) => !wanted.has(kind.keyOf(e)))
    .sort((a, b) => kind.keyOf(a).localeCompare(kind.keyOf(b)));
  for (const e of leftovers) {
    const removal = kind.removal(e);
    if (removal === undefined) continue;
    plan.deletes.push(removal.action);
    plan.entries.push(removal.entry);
    plan.removed++;
  }
  return plan;
}

/** The message of an entry being deleted: kept while it says why a delete failed. */
function deletingMessage(prev: { state: string; message?: string }, fresh: string): string {
  return prev.state === 'Deleting' && prev.message !== undefined ? prev.message : fresh;
}

const applied = (e: OranPolicyStatus | undefined): boolean =>
  e !== undefined && (e.state === 'Accepted' || e.state === 'Enforced' || e.state === 'NotEnforced');

export function policyRemoval(
  e: OranPolicyStatus,
  why: string,
): { action: OranAction; entry: OranPolicyStatus } | undefined {
  if (e.endpoint === undefined) return undefined;
  return {
    action: {
      type: 'deleteA1Policy',
      name: e.policyId,
      endpoint: e.endpoint,
      policyTypeId: e.policyTypeId,
      policyId: e.policyId,
    },
    entry: {
      ...without(e, 'policyHash', 'generation', 'message'),
      state: 'Deleting',
      message: deletingMessage(e, why),
    },
  };
}

export function subscriptionRemoval(
  e: OranSubscriptionStatus,
  why: string,
): { action: OranAction; entry: OranSubscriptionStatus } | undefined {
  if (e.subscriptionId === undefined || e.endpoint === undefined) return undefined;
  return {
    action: {
      type: 'deleteE2Subscription',
      name: e.name,
      endpoint: e.endpoint,
      subscriptionId: e.subscriptionId,
    },
    entry: {
      ...without(e, 'requestHash', 'generation', 'uncertainCreates', 'message'),
      state: 'Deleting',
      message: deletingMessage(e, why),
    },
  };
}

const REMOVED = 'removed from the spec; deleting it';

function policyKind(
  observations: Observations,
  ready: boolean,
  generation: number,
): ItemKind<DesiredPolicy, OranPolicyStatus> {
  return {
    keyOf: (item) => item.policyId,
    moved: (prev, d, endpoint) => prev.endpoint !== endpoint || prev.policyTypeId !== d.policyTypeId,
    cleanup: (prev) =>
      prev.endpoint === undefined
        ? undefined
        : {
            type: 'deleteA1Policy',
            name: prev.policyId,
            endpoint: prev.endpoint,
            policyTypeId: prev.policyTypeId,
            policyId: prev.policyId,
            bestEffort: true,
          },
    decide: (d, e, endpoint) => {
      const base = { policyTypeId: d.policyTypeId, policyId: d.policyId };
      const none = { deletes: [], applies: [] };
      let why: string;
      if (applied(e) && e?.policyHash === d.policyHash) {
        const o = observations.a1Policies?.[policyKey(d.policyTypeId, d.policyId)];
        if (o === undefined) return { ...none, entry: e };
        if (o.enforceStatus === 'ENFORCED') {
          return { ...none, entry: { ...base, state: 'Enforced', endpoint, policyHash: d.policyHash } };
        }
        if (o.enforceStatus === 'NOT_ENFORCED') {
          const message = o.enforceReason ?? 'the A1 mediator reports NOT_ENFORCED without a reason';
          return {
            ...none,
            entry: { ...base, state: 'NotEnforced', message, endpoint, policyHash: d.policyHash },
          };
        }
        why = 'not found in the A1 mediator; putting it again';
      } else if (e?.state === 'Failed' && e.policyHash === d.policyHash && e.generation === generation) {
        return { ...none, entry: e, held: `putA1Policy:${d.policyId}` };
      } else {
        why =
          e?.policyHash !== undefined && e.state !== 'Deleting' && e.policyHash !== d.policyHash
            ? 'the policy changed; putting it again'
            : 'putting the policy';
      }
      const put: OranAction = {
        type: 'putA1Policy',
        name: d.policyId,
        endpoint,
        policyTypeId: d.policyTypeId,
        policyId: d.policyId,
        policy: d.policy,
        policyHash: d.policyHash,
      };
      return {
        deletes: [],
        applies: ready ? [put] : [],
        entry: { ...base, state: 'Pending', message: ready ? why : WAITING, endpoint },
      };
    },
    done: (entry, d) => entry.state === 'Enforced' && entry.policyHash === d.policyHash,
    removal: (e) => policyRemoval(e, REMOVED),
  };
}

function subscriptionKind(
  ready: boolean,
  generation: number,
): ItemKind<DesiredSubscription, OranSubscriptionStatus> {
  return {
    keyOf: (item) => item.name,
    moved: (prev, _d, endpoint) => prev.endpoint !== endpoint,
    cleanup: (prev) =>
      prev.subscriptionId === undefined || prev.endpoint === undefined
        ? undefined
        : {
            type: 'deleteE2Subscription',
            name: prev.name,
            endpoint: prev.endpoint,
            subscriptionId: prev.subscriptionId,
            bestEffort: true,
          },
    decide: (d, e, endpoint) => {
      if (e?.subscriptionId !== undefined) {
        if (e.state === 'Ready' && e.requestHash === d.requestHash)
          return { entry: e, deletes: [], applies: [] };
        // submgr has no update: the old subscription goes first, the new one comes next sync.
        const replace: OranAction = {
          type: 'deleteE2Subscription',
          name: d.name,
          endpoint,
          subscriptionId: e.subscriptionId,
        };
        const message = ready
          ? 'the subscription changed; deleting the old one before creating the new one'
          : WAITING;
        return {
          deletes: ready ? [replace] : [],
          applies: [],
          entry: { name: d.name, subscriptionId: e.subscriptionId, state: 'Pending', message, endpoint },
        };
      }
      if (e?.state === 'Failed' && e.requestHash === d.requestHash && e.generation === generation) {
        return { entry: e, deletes: [], applies: [], held: `createE2Subscription:${d.name}` };
      }
      const create: OranAction = {
        type: 'createE2Subscription',
        name: d.name,
        endpoint,
        request: d.request,
        requestHash: d.requestHash,
      };
      const entry: OranSubscriptionStatus = {
        name: d.name,
        state: 'Pending',
        message: ready ? 'creating the subscription' : WAITING,
        endpoint,
        requestHash: d.requestHash,
      };
      // Uncertain creates count per request: a new request starts from zero.
      if (e?.uncertainCreates !== undefined && e.requestHash === d.requestHash && e.state !== 'Failed') {
        entry.uncertainCreates = e.uncertainCreates;
      }
      return { entry, deletes: [], applies: ready ? [create] : [] };
    },
    done: (entry, d) => entry.state === 'Ready' && entry.requestHash === d.requestHash,
    removal: (e) => subscriptionRemoval(e, REMOVED),
  };
}

/** Policy types the policies being put need, created first (an existing type is left alone). */
function policyTypeActions(
  input: OranPlanInput,
  endpoint: string | undefined,
  puts: readonly OranAction[],
): OranAction[] {
  const needed = new Set(puts.flatMap((a) => (a.type === 'putA1Policy' ? [a.policyTypeId] : [])));
  return (input.parent.spec.oran?.a1?.policyTypes ?? [])
    .filter((t) => needed.has(t.policyTypeId))
    .map((t) => ({
      type: 'putA1PolicyType',
      name: String(t.policyTypeId),
      endpoint: endpoint as string,
      policyTypeId: t.policyTypeId,
      body: {
        name: t.name ?? `type-${t.policyTypeId}`,
        description: t.description ?? '',
        policy_type_id: t.policyTypeId,
        create_schema: t.createSchema,
      },
    }));
}

export function planOran(input: OranPlanInput): OranPlan {
  const { parent, prev, observations, ready, generation } = input;
  const spec = parent.spec.oran;
  const a1Endpoint = spec?.a1 === undefined ? undefined : normalizeEndpoint(spec.a1.endpoint);
  const e2Endpoint = spec?.e2 === undefined ? undefined : normalizeEndpoint(spec.e2.endpoint);
  const wantPolicies = a1Endpoint === undefined ? [] : desiredPolicies(parent);
  const wantSubs = e2Endpoint === undefined ? [] : desiredSubscriptions(parent);
  const a1 = planItems(
    policyKind(observations, ready, generation),
    wantPolicies,
    prev?.policies ?? [],
    a1Endpoint,
  );
  const e2 = planItems(subscriptionKind(ready, generation), wantSubs, prev?.subscriptions ?? [], e2Endpoint);

  const policies = a1.entries.slice(0, wantPolicies.length);
  const subs = e2.entries.slice(0, wantSubs.length);
  const stage = stageOf(policies, a1.done, subs, e2.done);
  const status: OranStatus = {};
  if (a1.entries.length > 0) status.policies = a1.entries;
  if (e2.entries.length > 0) status.subscriptions = e2.entries;
  return {
    status: Object.keys(status).length > 0 ? status : undefined,
    actions: [
      ...a1.deletes,
      ...policyTypeActions(input, a1Endpoint, a1.applies),
      ...a1.applies,
      ...e2.deletes,
      ...e2.applies,
    ],
    stage,
    message: stageMessage(stage, policies, a1.done, subs, e2.done),
    heldKeys: [...a1.held, ...e2.held],
    deleting: a1.removed + e2.removed,
  };
}

function stageOf(
  policies: readonly OranPolicyStatus[],
  policyDone: readonly boolean[],
  subs: readonly OranSubscriptionStatus[],
  subDone: readonly boolean[],
): OranStage {
  if (policyDone.every(Boolean) && subDone.every(Boolean)) return 'complete';
  if (policies.some((p) => p.state === 'Failed') || subs.some((s) => s.state === 'Failed')) return 'failed';
  const open =
    policies.some((p, i) => !policyDone[i] && p.state !== 'NotEnforced') || !subDone.every(Boolean);
  return open ? 'pending' : 'notEnforced';
}

function stageMessage(
  stage: OranStage,
  policies: readonly OranPolicyStatus[],
  policyDone: readonly boolean[],
  subs: readonly OranSubscriptionStatus[],
  subDone: readonly boolean[],
): string {
  if (stage === 'complete') {
    return `${policies.length} A1 polic${policies.length === 1 ? 'y' : 'ies'} enforced, ${subs.length} E2 subscription${subs.length === 1 ? '' : 's'} in place`;
  }
  const detail = (m: string | undefined): string => (m === undefined ? '' : `: ${m}`);
  const open = [
    ...policies
      .filter((_, i) => !policyDone[i])
      .map((p) => `policy ${p.policyId} ${p.state}${detail(p.message)}`),
    ...subs.filter((_, i) => !subDone[i]).map((s) => `subscription ${s.name} ${s.state}${detail(s.message)}`),
  ];
  const shown = open.slice(0, MAX_MESSAGE_ITEMS).join('; ');
  const more = open.length > MAX_MESSAGE_ITEMS ? `; and ${open.length - MAX_MESSAGE_ITEMS} more` : '';
  return `${shown}${more}`;
}

import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  defaultPolicyId,
  desiredPolicies,
  desiredSubscriptions,
  oranIssues,
} from '../../lib/oran/desired.ts';
import { planOran } from '../../lib/oran/plan.ts';
import { finalizeOran } from '../../lib/oran/finalize.ts';
import { foldOranResults } from '../../lib/oran/results.ts';
import { canonicalJson } from '../../lib/json.ts';
import { parseCNFDeployment } from '../../lib/validate.ts';
import { reconcile } from '../../lib/reconcile/index.ts';
import { eventsForAnswer } from '../../lib/events.ts';
import type { ActionResult, CNFDeployment, OranAction, OranSpec, OranStatus } from '../../lib/types.ts';
import { cnf, input } from '../fixtures/builders.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const A1 = 'http://ric:10000';
const SM = 'http://submgr:8088';

function parent(oran: OranSpec, status?: OranStatus, generation = 1): CNFDeployment {
  const p = cnf({ name: 'odu', namespace: 'ran', generation, spec: { oran } });
  if (status !== undefined) p.status = { oran: status };
  return p;
}

const plan = (p: CNFDeployment, ready = true) =>
  planOran({
    parent: p,
    prev: p.status?.oran,
    observations: {},
    ready,
    generation: p.metadata.generation ?? 0,
  });

describe('spec.oran → desired policies and subscriptions', () => {
  it('default policy ids are per type, deterministic, valid and bounded', () => {
    const p = parent({
      a1: {
        endpoint: A1,
        policies: [
          { policyTypeId: 1, policy: {} },
          { policyTypeId: 2, policy: {} },
          { policyTypeId: 1, policy: {} },
          { policyTypeId: 1, policyId: 'mine', policy: {} },
        ],
      },
    });
    expect(desiredPolicies(p).map((d) => d.policyId)).toEqual([
      'ran-odu-1',
      'ran-odu-2',
      'ran-odu-1-2',
      'mine',
    ]);
    const long = defaultPolicyId('ns', 'x'.repeat(260), 7, 1);
    expect(long).toHaveLength(253);
    expect(long).toMatch(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/);
    expect(defaultPolicyId('ns', 'x'.repeat(260), 7, 1)).toBe(long);
  });

  it('the policy hash ignores key order; the subscription request follows the submgr shape', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
    const [x] = desiredPolicies(
      parent({ a1: { endpoint: A1, policies: [{ policyTypeId: 1, policy: { a: 1, b: 2 } }] } }),
    );
    const [y] = desiredPolicies(
      parent({ a1: { endpoint: A1, policies: [{ policyTypeId: 1, policy: { b: 2, a: 1 } }] } }),
    );
    expect(x?.policyHash).toBe(y?.policyHash);
    const [s] = desiredSubscriptions(
      parent({
        e2: {
          endpoint: SM,
          clientEndpoint: { host: 'xapp' },
          subscriptions: [
            {
              meid: 'gnb',
              ranFunctionId: 4095,
              actions: [
                { actionId: 3, actionType: 'policy', subsequentAction: { subsequentActionType: 'wait' } },
              ],
            },
          ],
        },
      }),
    );
    expect(s).toMatchObject({
      name: 'subscription-0',
      request: {
        ClientEndpoint: { Host: 'xapp' },
        Meid: 'gnb',
        RANFunctionID: 4095,
        SubscriptionDetails: [
          {
            XappEventInstanceId: 1,
            EventTriggers: [],
            ActionToBeSetupList: [
              {
                ActionID: 3,
                ActionType: 'policy',
                SubsequentAction: { SubsequentActionType: 'wait', TimeToWait: 'zero' },
              },
            ],
          },
        ],
      },
    });
  });

  it('duplicate ids/names and subscriptions without a client endpoint are Configuration errors', () => {
    const p = parent({
      a1: {
        endpoint: A1,
        policies: [
          { policyTypeId: 1, policyId: 'ran-odu-2', policy: {} },
          { policyTypeId: 2, policy: {} },
        ],
      },
      e2: {
        endpoint: SM,
        subscriptions: [
          { name: 'a', meid: 'm', ranFunctionId: 1, actions: [{ actionId: 1, actionType: 'report' }] },
          { name: 'a', meid: 'm', ranFunctionId: 2, actions: [{ actionId: 1, actionType: 'report' }] },
        ],
      },
    });
    expect(oranIssues(p).map((i) => i.path)).toEqual([
      'spec.oran.a1.policies[1].policyId',
      'spec.oran.e2.subscriptions[1].name',
      'spec.oran.e2.clientEndpoint',
    ]);
    const out = reconcile(input(p));
    expect(out.status.phase).toBe('Failed');
    expect(out.status.lastError).toMatchObject({
      class: 'Configuration',
      fields: expect.arrayContaining(['spec.oran.e2.clientEndpoint']),
    });
    expect(oranIssues(cnf())).toEqual([]);
  });

  it('examples/odu-oran.yaml is a valid CNFDeployment with a consistent O-RAN stage', () => {
    const p = parseCNFDeployment(parse(readFileSync(`${root}examples/odu-oran.yaml`, 'utf8')));
    expect(oranIssues(p)).toEqual([]);
    expect(desiredPolicies(p).map((d) => d.policyId)).toEqual(['default-odu-cell-2-20008', 'qos-cell-2']);
    expect(desiredSubscriptions(p).map((s) => s.name)).toEqual(['kpm']);
  });
});

describe('planOran', () => {
  const oran: OranSpec = {
    a1: { endpoint: `${A1}/`, policies: [{ policyTypeId: 1, policyId: 'p', policy: { v: 1 } }] },
    e2: {
      endpoint: SM,
      clientEndpoint: { host: 'x' },
      subscriptions: [
        { name: 's', meid: 'm', ranFunctionId: 1, actions: [{ actionId: 1, actionType: 'report' }] },
      ],
    },
  };

  it('asks for nothing while the workload is not ready, but says why', () => {
    const out = plan(parent(oran), false);
    expect(out.actions).toEqual([]);
    expect(out.stage).toBe('pending');
    expect(out.status?.policies?.[0]).toMatchObject({
      state: 'Pending',
      message: 'waiting for the workload to be ready',
      endpoint: A1,
    });
    expect(out.status?.subscriptions?.[0]).toMatchObject({
      state: 'Pending',
      message: 'waiting for the workload to be ready',
    });
  });

  it('keeps observed states when the observation is missing, and re-puts a policy the RIC lost', () => {
    const [d] = desiredPolicies(parent(oran));
    const accepted = {
      policyTypeId: 1,
      policyId: 'p',
      state: 'Accepted' as const,
      endpoint: A1,
      policyHash: d!.policyHash,
    };
    const p = parent(oran, { policies: [accepted] });
    expect(plan(p).status?.policies?.[0]).toEqual(accepted);
    const lost = planOran({
      parent: p,
      prev: p.status?.oran,
      observations: { a1Policies: { '1/p': { enforceStatus: 'absent' } } },
      ready: true,
      generation: 1,
    });
    expect(lost.actions.map((a) => a.type)).toContain('putA1Policy');
    expect(lost.status?.policies?.[0]).toMatchObject({
      state: 'Pending',
      message: expect.stringContaining('not found'),
    });
    const silent = planOran({
      parent: p,
      prev: p.status?.oran,
      observations: { a1Policies: { '1/p': { enforceStatus: 'NOT_ENFORCED' } } },
      ready: true,
      generation: 1,
    });
    expect(silent.status?.policies?.[0]?.message).toContain('without a reason');
  });

  it('a policy whose type id changed is deleted (best effort) and put under the new type', () => {
    const p = parent(oran, {
      policies: [{ policyTypeId: 9, policyId: 'p', state: 'Enforced', endpoint: A1, policyHash: 'h' }],
    });
    expect(plan(p).actions).toEqual([
      { type: 'deleteA1Policy', name: 'p', endpoint: A1, policyTypeId: 9, policyId: 'p', bestEffort: true },
      expect.objectContaining({ type: 'putA1Policy', policyTypeId: 1 }),
      expect.objectContaining({ type: 'createE2Subscription', name: 's' }),
    ]);
  });

  it('a re-added policy that was being deleted is put again, not deleted', () => {
    const p = parent(oran, {
      policies: [{ policyTypeId: 1, policyId: 'p', state: 'Deleting', endpoint: A1 }],
    });
    expect(plan(p).actions.map((a) => a.type)).toEqual(['putA1Policy', 'createE2Subscription']);
  });
});

describe('foldOranResults and finalizeOran', () => {
  const put: OranAction = {
    type: 'putA1Policy',
    name: 'p',
    endpoint: A1,
    policyTypeId: 1,
    policyId: 'p',
    policy: {},
    policyHash: 'h',
  };
  const pending: OranStatus = {
    policies: [{ policyTypeId: 1, policyId: 'p', state: 'Pending', endpoint: A1 }],
  };

  it('records refusals as Failed with the generation, Transient failures as the reason', () => {
    const refused: ActionResult = {
      action: put,
      ok: false,
      error: { class: 'Configuration', reason: 'PolicyInvalid', message: 'bad' },
    };
    expect(foldOranResults(pending, [refused], 4)?.policies?.[0]).toMatchObject({
      state: 'Failed',
      generation: 4,
      policyHash: 'h',
    });
    const transient: ActionResult = {
      action: put,
      ok: false,
      error: { class: 'Transient', reason: 'HTTP503', message: 'x' },
    };
    expect(foldOranResults(pending, [transient], 4)?.policies?.[0]).toMatchObject({
      state: 'Pending',
      message: 'HTTP503: x',
    });
    expect(foldOranResults(undefined, [transient], 4)).toBeUndefined();
    // Results for entries not in status (e.g. best-effort cleanups) change nothing.
    const other: ActionResult = { action: { ...put, policyId: 'q', name: 'q' }, ok: true };
    expect(foldOranResults(pending, [other], 4)).toEqual(pending);
  });

  it('a failed delete keeps the entry with the reason; a failed subscription delete too', () => {
    const del: OranAction = {
      type: 'deleteA1Policy',
      name: 'p',
      endpoint: A1,
      policyTypeId: 1,
      policyId: 'p',
    };
    const deleting: OranStatus = {
      policies: [{ policyTypeId: 1, policyId: 'p', state: 'Deleting', endpoint: A1 }],
      subscriptions: [{ name: 's', subscriptionId: 'i', state: 'Deleting', endpoint: SM }],
    };
    const unsub: OranAction = { type: 'deleteE2Subscription', name: 's', endpoint: SM, subscriptionId: 'i' };
    const err = { class: 'Transient' as const, reason: 'Timeout' as const, message: 't' };
    const out = foldOranResults(
      deleting,
      [
        { action: del, ok: false, error: err },
        { action: unsub, ok: false, error: err },
      ],
      1,
    );
    expect(out?.policies?.[0]?.message).toBe('deleting failed: Timeout: t');
    expect(out?.subscriptions?.[0]?.message).toBe('deleting failed: Timeout: t');
    expect(
      foldOranResults(
        deleting,
        [
          { action: del, ok: true },
          { action: unsub, ok: true },
        ],
        1,
      ),
    ).toBeUndefined();
  });

  it('finalize deletes what may exist and drops what cannot be addressed', () => {
    const out = finalizeOran({
      policies: [
        { policyTypeId: 1, policyId: 'p', state: 'Enforced', endpoint: A1, policyHash: 'h' },
        { policyTypeId: 1, policyId: 'q', state: 'Pending' },
      ],
      subscriptions: [
        { name: 's', subscriptionId: 'i', state: 'Ready', endpoint: SM, requestHash: 'h' },
        { name: 't', state: 'Pending', endpoint: SM },
      ],
    });
    expect(out.actions.map((a) => `${a.type} ${a.name}`)).toEqual([
      'deleteA1Policy p',
      'deleteE2Subscription s',
    ]);
    expect(out.remaining).toBe(2);
    expect(out.status?.policies?.[0]).toEqual({
      policyTypeId: 1,
      policyId: 'p',
      state: 'Deleting',
      endpoint: A1,
      message: 'the CNF is being deleted; deleting it',
    });
    expect(finalizeOran(undefined)).toEqual({ status: undefined, actions: [], remaining: 0 });
  });
});

describe('events for O-RAN actions', () => {
  it('names each action; failures are Warnings', () => {
    const actions: OranAction[] = [
      {
        type: 'putA1PolicyType',
        name: '1',
        endpoint: A1,
        policyTypeId: 1,
        body: { name: 'n', description: '', policy_type_id: 1, create_schema: {} },
      },
      {
        type: 'putA1Policy',
        name: 'p',
        endpoint: A1,
        policyTypeId: 1,
        policyId: 'p',
        policy: {},
        policyHash: 'h',
      },
      { type: 'deleteA1Policy', name: 'p', endpoint: A1, policyTypeId: 1, policyId: 'p' },
      {
        type: 'createE2Subscription',
        name: 's',
        endpoint: SM,
        request: desiredSubscriptions(
          parent({
            e2: {
              endpoint: SM,
              clientEndpoint: { host: 'x' },
              subscriptions: [
                { meid: 'm', ranFunctionId: 1, actions: [{ actionId: 1, actionType: 'report' }] },
              ],
            },
          }),
        )[0]!.request,
        requestHash: 'h',
      },
      { type: 'deleteE2Subscription', name: 's', endpoint: SM, subscriptionId: 'i' },
    ];
    const results: ActionResult[] = actions.map((action) => ({ action, ok: true, subscriptionId: 'i' }));
    expect(eventsForAnswer(undefined, {}, results).map((e) => e.reason)).toEqual([
      'A1PolicyTypeCreated',
      'A1PolicyPut',
      'A1PolicyDeleted',
      'E2SubscriptionCreated',
      'E2SubscriptionDeleted',
    ]);
    const failed = eventsForAnswer(undefined, {}, [{ action: actions[1]!, ok: false }]);
    expect(failed).toEqual([{ type: 'Warning', reason: 'PutA1PolicyFailed', message: 'p: failed' }]);
  });
});

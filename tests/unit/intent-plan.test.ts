// The NetworkIntent planner (lib/intent/): from an intent and its observed CNFDeployments to the
// CNFDeployments it asks for and its status. Unit cases, then properties: deterministic, valid and
// unique names, dependencies only inside the intent, every child a valid CNFDeployment.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { FUNCTION_DEPENDENCIES, FUNCTIONS, dependenciesOf, getCatalogEntry } from '../../lib/catalog.ts';
import { finalizeIntent, planIntent, syncIntent } from '../../lib/intent/plan.ts';
import { intentEvents } from '../../lib/intent/events.ts';
import { mergeResources, PROFILES, scaleQuantity, sizedResources } from '../../lib/intent/sizing.ts';
import { isSubset } from '../../lib/intent/status.ts';
import { validateIntentStatus } from '../../lib/intent/validate.ts';
import { INTENT_CONDITIONS } from '../../lib/intent/conditions.ts';
import type { IntentInput, NetworkIntent, NetworkIntentSpec } from '../../lib/intent/types.ts';
import { validateCNFDeployment } from '../../lib/validate.ts';
import type { CNFDeployment, CNFDeploymentStatus } from '../../lib/types.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NOW = '2026-03-01T10:00:00.000Z';
const LATER = '2026-03-01T10:05:00.000Z';

function intent(spec: NetworkIntentSpec, name = 'core', extra: Partial<NetworkIntent> = {}): NetworkIntent {
  return {
    apiVersion: 'nephoran.com/v1',
    kind: 'NetworkIntent',
    metadata: { name, namespace: 'default', uid: 'intent-uid', generation: 1 },
    spec,
    ...extra,
  };
}

function children(spec: NetworkIntentSpec, name = 'core'): CNFDeployment[] {
  const plan = planIntent(intent(spec, name));
  if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
  return plan.children;
}

/** A child as the API server holds it after Metacontroller created it (defaults added), with status. */
function observed(child: CNFDeployment, status?: CNFDeploymentStatus, generation = 1): CNFDeployment {
  const v = validateCNFDeployment(child);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  const out: CNFDeployment = {
    ...v.value,
    metadata: {
      ...child.metadata,
      uid: `uid-${child.metadata.name}`,
      generation,
      labels: { ...child.metadata.labels, 'controller-uid': 'intent-uid' },
    },
  };
  if (status !== undefined) out.status = status;
  return out;
}

const active = (replicas = 1): CNFDeploymentStatus => ({
  phase: 'Active',
  observedGeneration: 1,
  readyReplicas: replicas,
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'WorkloadReady',
      message: 'ok',
      lastTransitionTime: NOW,
    },
  ],
});

const input = (parent: NetworkIntent, observedChildren: CNFDeployment[] = [], now = NOW): IntentInput => ({
  parent,
  children: observedChildren,
  now,
});

describe('children', () => {
  it('"Deploy AMF with 3 replicas": one AMF CNFDeployment with 3 replicas, sized from the catalog', () => {
    expect(children({ intent: 'Deploy AMF with 3 replicas' }, 'amf-intent')).toEqual([
      {
        apiVersion: 'nephoran.com/v1',
        kind: 'CNFDeployment',
        metadata: {
          name: 'amf-intent-amf',
          namespace: 'default',
          labels: { 'nephoran.com/intent': 'amf-intent' },
        },
        spec: {
          type: '5G-Core',
          function: 'AMF',
          replicas: 3,
          maxReplicas: 10,
          resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
        },
      },
    ]);
  });

  it('NRF, SMF and UPF: the SMF depends on the NRF and the UPF, the others on nothing', () => {
    const list = children({ functions: [{ function: 'NRF' }, { function: 'SMF' }, { function: 'UPF' }] });
    expect(list.map((c) => [c.metadata.name, c.spec.dependencies])).toEqual([
      ['core-nrf', undefined],
      ['core-smf', ['core-nrf', 'core-upf']],
      ['core-upf', undefined],
    ]);
  });

  it('wires only dependencies that are in the intent', () => {
    const list = children({ intent: 'Deploy AMF and SMF' });
    expect(list.map((c) => c.spec.dependencies)).toEqual([undefined, undefined]);
    const amfs = children({
      functions: [{ function: 'AMF' }, { function: 'AMF', name: 'amf-b' }, { function: 'N3IWF' }],
    });
    expect(amfs.find((c) => c.spec.function === 'N3IWF')?.spec.dependencies).toEqual([
      'core-amf',
      'core-amf-b',
    ]);
  });

  it('the minimal 5G core profile: nine functions wired as the catalog says', () => {
    const list = children({ profile: 'minimal-5g-core' });
    expect(list.map((c) => c.spec.function)).toEqual(PROFILES['minimal-5g-core']);
    for (const c of list) {
      const want = dependenciesOf(c.spec.function).map((f) => `core-${f.toLowerCase()}`);
      expect(c.spec.dependencies ?? []).toEqual([...want].sort());
    }
  });

  it('spec.functions customize the profile by name and add to it; spec.size and spec.site apply to all', () => {
    const list = children({
      profile: 'ran-site',
      size: 'medium',
      site: 'cell-7',
      functions: [
        { function: 'O-DU', replicas: 2, size: 'large' },
        { function: 'Near-RT-RIC', maxReplicas: 3 },
      ],
    });
    expect(list.map((c) => [c.metadata.name, c.spec.replicas, c.spec.maxReplicas])).toEqual([
      ['core-o-cu-cp', 1, 10],
      ['core-o-cu-up', 1, 10],
      ['core-o-du', 2, 10],
      ['core-near-rt-ric', 1, 3],
    ]);
    expect(list[0]!.spec.resources).toEqual(sizedResources('O-CU-CP', 'medium'));
    expect(list[2]!.spec.resources).toEqual(sizedResources('O-DU', 'large'));
    for (const c of list)
      expect(c.metadata.labels).toEqual({ 'nephoran.com/intent': 'core', 'nephoran.com/site': 'cell-7' });
  });

  it('passes the template fields through and defaults maxReplicas to at least replicas', () => {
    const [upf] = children({
      functions: [
        {
          function: 'UPF',
          type: 'Edge',
          replicas: 20,
          image: 'registry.example/upf:v2',
          resources: { requests: { cpu: '6', 'hugepages-2Mi': '1Gi' } },
          configuration: { dnn: 'internet' },
          networkConfig: { serviceType: 'NodePort' },
          performance: { qos: 'Burstable' },
          placement: { nodeSelector: { 'feature.node.kubernetes.io/network-sriov.capable': 'true' } },
          porch: { approval: 'Manual' },
        },
      ],
    });
    expect(upf!.spec).toEqual({
      type: 'Edge',
      function: 'UPF',
      replicas: 20,
      maxReplicas: 20,
      image: 'registry.example/upf:v2',
      resources: {
        requests: { cpu: '6', memory: '4Gi', 'hugepages-2Mi': '1Gi' },
        limits: { cpu: '6', memory: '8Gi' },
      },
      configuration: { dnn: 'internet' },
      networkConfig: { serviceType: 'NodePort' },
      performance: { qos: 'Burstable' },
      placement: { nodeSelector: { 'feature.node.kubernetes.io/network-sriov.capable': 'true' } },
      porch: { approval: 'Manual' },
    });
  });

  it('sizes scale the catalog resources', () => {
    expect(scaleQuantity('250m', 2)).toBe('500m');
    expect(scaleQuantity('250m', 4)).toBe('1');
    expect(scaleQuantity('256Mi', 4)).toBe('1Gi');
    expect(scaleQuantity('512Mi', 2)).toBe('1Gi');
    expect(scaleQuantity('2Gi', 4)).toBe('8Gi');
    expect(scaleQuantity('2', 2)).toBe('4');
    expect(() => scaleQuantity('1.5', 2)).toThrow(RangeError);
    expect(sizedResources('NRF', 'large')).toEqual({
      requests: { cpu: '1', memory: '1Gi' },
      limits: { cpu: '4', memory: '4Gi' },
    });
    expect(sizedResources('NOPE', 'small')).toEqual({ requests: {}, limits: {} });
  });

  it('resources given override the sized ones key by key; a sized limit below a given request is raised', () => {
    const sized = sizedResources('AMF', 'small');
    expect(mergeResources(sized, { requests: { cpu: '3' } })).toEqual({
      requests: { cpu: '3', memory: '2Gi' },
      limits: { cpu: '3', memory: '4Gi' },
    });
    expect(mergeResources(sized, { requests: { cpu: '3' }, limits: { cpu: '2' } }).limits).toEqual({
      cpu: '2',
      memory: '4Gi',
    });
    // Not of the CNFDeployment's shape: passed through for validation to name.
    expect(mergeResources(sized, { requests: 'lots' } as never)).toEqual({ requests: 'lots' });
  });
});

describe('refusals', () => {
  const refusal = (spec: unknown, name = 'core'): unknown => {
    const plan = planIntent({ ...intent({}, name), spec });
    return plan.ok ? plan : { reason: plan.reason, issues: plan.issues };
  };

  it('names the field: unknown function, bad template content, duplicate names, CEL twins', () => {
    expect(refusal({ functions: [{ function: 'NRF' }, { function: 'SMF' }, { function: 'AMFX' }] })).toEqual({
      reason: 'InvalidSpec',
      issues: [
        {
          path: 'spec.functions[2].function',
          message: `unknown function "AMFX"; known: ${FUNCTIONS.join(', ')}`,
        },
      ],
    });
    expect(
      refusal({
        functions: [
          { function: 'NRF' },
          { function: 'UPF', networkConfig: { interfaces: [{ name: 'n3', cniType: 'bridge' }] } },
        ],
      }),
    ).toEqual({
      reason: 'InvalidSpec',
      issues: [
        {
          path: 'spec.functions[1].networkConfig.interfaces[0].cniType',
          message: 'must be one of macvlan, ipvlan, sriov',
        },
      ],
    });
    // The data-plane fields are the CNFDeployment's: their CEL twins speak at the intent's paths (the
    // sized catalog request, 2 CPUs for a UPF, is whole: pinning only misses Guaranteed).
    expect(
      refusal({
        functions: [
          {
            function: 'UPF',
            replicas: 3,
            performance: { cpuPinning: true },
            networkConfig: {
              interfaces: [
                {
                  name: 'n3',
                  cniType: 'macvlan',
                  ipPool: { range: '10.0.0.0/24' },
                  ipv4: { address: '10.0.0.5/24' },
                },
              ],
            },
          },
        ],
      }),
    ).toEqual({
      reason: 'InvalidSpec',
      issues: [
        {
          path: 'spec.functions[0].replicas',
          message:
            'replicas must be at most 1 when an interface has a static address (ipv4 or ipv6): every pod would claim the same address; give the interface an ipPool to scale',
        },
        {
          path: 'spec.functions[0].networkConfig.interfaces[0].ipPool',
          message: 'an interface has either static addresses (ipv4, ipv6) or an ipPool, not both',
        },
        {
          path: 'spec.functions[0].performance.qos',
          message:
            'performance.cpuPinning requires performance.qos Guaranteed (the static CPU manager pins only Guaranteed pods)',
        },
      ],
    });
    expect(refusal({ functions: [{ function: 'AMF' }, { function: 'AMF' }] })).toEqual({
      reason: 'InvalidSpec',
      issues: [
        {
          path: 'spec.functions[1].name',
          message:
            'function names must be unique (a name defaults to the function in lower case; give a function listed twice a name)',
        },
      ],
    });
    expect(refusal({})).toEqual({
      reason: 'InvalidSpec',
      issues: [{ path: 'spec', message: 'one of intent, functions or profile is required' }],
    });
    expect(refusal({ intent: 'Deploy AMF', profile: 'ran-site' })).toMatchObject({
      issues: [{ path: 'spec.intent', message: expect.stringContaining('cannot be combined') }],
    });
    expect(refusal({ functions: [{ function: 'AMF', replicas: 5, maxReplicas: 2 }] })).toMatchObject({
      issues: [
        { path: 'spec.functions[0].replicas', message: 'replicas must be less than or equal to maxReplicas' },
      ],
    });
    expect(refusal({ profile: 'ran-site' }, 'a-very-long-intent-name-that-is-too-long-x')).toMatchObject({
      issues: [{ path: 'metadata.name', message: expect.stringContaining('at most 40 characters') }],
    });
  });

  it('a CNFDeployment problem of a sentence or profile function is reported at spec.intent / spec.profile', () => {
    expect(refusal({ intent: 'Deploy AMF with 500m cpu' })).toEqual({
      reason: 'InvalidSpec',
      issues: [
        {
          path: 'spec.intent',
          message:
            'AMF: AMF and SMF require resources.requests.cpu of at least 1 (spec.resources.requests.cpu)',
        },
      ],
    });
    expect(refusal({ intent: 'Deploy AMF at site a', site: 'b' })).toEqual({
      reason: 'InvalidSpec',
      issues: [{ path: 'spec.intent', message: 'the sentence says site "a", spec.site says "b"' }],
    });
    expect(refusal({ intent: 'Deploy a flux capacitor' })).toMatchObject({
      reason: 'IntentNotUnderstood',
      issues: [
        { path: 'spec.intent', message: expect.stringMatching(/^did not understand "flux", "capacitor"/) },
      ],
    });
    expect(
      refusal({
        profile: 'ran-site',
        functions: [{ function: 'O-DU', name: 'du-a', resources: { requests: { cpu: 'x' } } }],
      }),
    ).toMatchObject({ issues: [{ path: 'spec.functions[0].resources.requests.cpu' }] });
  });

  it('type and function of an existing CNFDeployment cannot change', () => {
    const before = observed(children({ functions: [{ function: 'UPF', name: 'up' }] })[0]!, active());
    const plan = planIntent(
      intent({ functions: [{ function: 'UPF', name: 'up', type: 'Edge' }] }),
      new Map([[before.metadata.name, before]]),
    );
    expect(plan).toEqual({
      ok: false,
      reason: 'InvalidSpec',
      issues: [
        {
          path: 'spec.functions[0].type',
          message:
            'type of CNFDeployment core-up is 5G-Core and cannot change (remove the function from the intent, then add it again)',
        },
      ],
    });
  });

  it('an intent that cannot be planned keeps its CNFDeployments as they are and says why', () => {
    const [amf] = children({ intent: 'Deploy AMF with 3 replicas' });
    const seen = observed(amf!, active(3));
    const gone = {
      ...observed({ ...amf!, metadata: { ...amf!.metadata, name: 'core-old' } }),
      metadata: { ...seen.metadata, name: 'core-old', deletionTimestamp: NOW },
    };
    const out = syncIntent(input(intent({ intent: 'Deploy AMF with three replicsa' }), [seen, gone]));
    expect(out.children).toEqual([
      {
        apiVersion: 'nephoran.com/v1',
        kind: 'CNFDeployment',
        metadata: { name: 'core-amf', namespace: 'default', labels: { 'nephoran.com/intent': 'core' } },
        spec: seen.spec,
      },
    ]);
    expect(out.status.phase).toBe('Failed');
    expect(out.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'False', 'IntentNotUnderstood'],
      ['Progressing', 'False', 'IntentNotUnderstood'],
    ]);
    expect(out.status.conditions?.[0]?.message).toMatch(
      /^spec.intent: did not understand "replicsa" \(did you mean replica\?\)/,
    );
    expect(out.status.conditions?.[1]?.message).toBe(
      'nothing is created, changed or deleted (its 2 CNFDeployments are kept as they are)',
    );
    expect(out.status.functions?.map((f) => [f.name, f.ready])).toEqual([
      ['core-amf', true],
      ['core-old', false],
    ]);
    expect(validateIntentStatus(out.status)).toEqual([]);
  });

  it('a sentence it cannot parse, on a new intent: Ready=False and no children', () => {
    const out = syncIntent(input(intent({ intent: 'Make me a sandwich' })));
    expect(out.children).toEqual([]);
    expect(out.status).toMatchObject({ phase: 'Failed', ready: '0/0', functions: [] });
    expect(out.status.conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'IntentNotUnderstood',
    });
    expect(out.status.conditions?.[0]?.message).toContain('did not understand "me", "sandwich"');
  });
});

describe('status', () => {
  const parent = intent({ functions: [{ function: 'NRF' }, { function: 'SMF' }, { function: 'UPF' }] });
  const [nrf, smf, upf] = children(parent.spec);

  it('Pending before anything exists, Progressing while functions come up, Active when all are', () => {
    let out = syncIntent(input(parent));
    expect(out.status).toMatchObject({ phase: 'Pending', ready: '0/3' });
    out = syncIntent(
      input(parent, [
        observed(nrf!, active()),
        observed(smf!, {
          phase: 'Pending',
          conditions: [
            {
              type: 'DependenciesReady',
              status: 'False',
              reason: 'DependenciesNotReady',
              message: 'waiting for core-upf',
              lastTransitionTime: NOW,
            },
          ],
        }),
      ]),
    );
    expect(out.status.phase).toBe('Progressing');
    expect(out.status.ready).toBe('1/3');
    expect(out.status.functions).toEqual([
      { name: 'core-nrf', function: 'NRF', replicas: 1, readyReplicas: 1, phase: 'Active', ready: true },
      {
        name: 'core-smf',
        function: 'SMF',
        replicas: 1,
        phase: 'Pending',
        ready: false,
        message: 'Pending: waiting for core-upf',
      },
      { name: 'core-upf', function: 'UPF', replicas: 1, ready: false, message: 'not created yet' },
    ]);
    expect(out.status.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      [
        'Ready',
        'False',
        'FunctionsNotActive',
        '1/3 functions Active; not Active: core-smf (Pending: waiting for core-upf), core-upf (not created yet)',
      ],
      ['Progressing', 'True', 'FunctionsProgressing', '1/3 functions Active'],
    ]);
    out = syncIntent(
      input(parent, [observed(nrf!, active()), observed(smf!, active()), observed(upf!, active())]),
    );
    expect(out.status).toMatchObject({ phase: 'Active', ready: '3/3' });
    expect(out.status.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Ready', 'True', 'AllFunctionsActive', '3/3 functions Active'],
      ['Progressing', 'False', 'Complete', '3/3 functions Active'],
    ]);
    expect(validateIntentStatus(out.status)).toEqual([]);
  });

  it("not ready until the CNFDeployment carries the intent's spec and its controller saw it", () => {
    const scaled = intent({ functions: [{ function: 'NRF', replicas: 2 }] });
    const old = observed(nrf!, active());
    let f = syncIntent(input(scaled, [old])).status.functions![0]!;
    expect(f).toMatchObject({
      ready: false,
      message: 'waiting for the CNFDeployment to be updated to the intent',
    });
    const updated = observed(children(scaled.spec)[0]!, active(), 2);
    f = syncIntent(input(scaled, [updated])).status.functions![0]!;
    expect(f).toMatchObject({ ready: false, message: 'the CNF controller has not yet seen generation 2' });
    f = syncIntent(input(scaled, [{ ...updated, status: { ...active(2), observedGeneration: 2 } }])).status
      .functions![0]!;
    expect(f).toMatchObject({ ready: true, replicas: 2, readyReplicas: 2 });
  });

  it('Degraded, Failed, deleted and removed functions', () => {
    const degraded = syncIntent(
      input(parent, [
        observed(nrf!, active()),
        observed(smf!, { phase: 'Degraded' }),
        observed(upf!, active()),
      ]),
    );
    expect(degraded.status.phase).toBe('Degraded');
    expect(degraded.status.functions?.[1]?.message).toBe('phase Degraded');
    const failed = syncIntent(
      input(parent, [
        observed(nrf!, active()),
        observed(smf!, {
          phase: 'Failed',
          lastError: { class: 'Permanent', reason: 'RolloutFailed', message: 'boom', since: NOW },
        }),
        observed(upf!, {}),
      ]),
    );
    expect(failed.status.phase).toBe('Failed');
    expect(failed.status.functions?.[1]?.message).toBe('Failed: boom');
    expect(failed.status.functions?.[2]?.message).toBe('the CNFDeployment has no phase yet');
    expect(failed.status.conditions?.[1]).toMatchObject({
      reason: 'FunctionFailed',
      message: 'core-smf (Failed: boom)',
    });
    const deleting = {
      ...observed(nrf!, active()),
      metadata: { ...observed(nrf!).metadata, deletionTimestamp: NOW },
    };
    expect(syncIntent(input(parent, [deleting])).status.functions?.[0]?.message).toBe('being deleted');
    const smaller = intent({ functions: [{ function: 'NRF' }] });
    const removing = syncIntent(input(smaller, [observed(nrf!, active()), observed(upf!, active())]));
    expect(removing.children.map((c) => c.metadata.name)).toEqual(['core-nrf']);
    expect(removing.status.phase).toBe('Progressing');
    expect(removing.status.conditions?.[1]).toMatchObject({
      status: 'True',
      message: '1/1 functions Active; removing core-upf',
    });
  });

  it('is stable: the same world later gives a deep-equal status; transition times move only on change', () => {
    const first = syncIntent(input(parent, [observed(nrf!, active())]));
    const fed = { ...parent, status: first.status };
    const again = syncIntent(input(fed, [observed(nrf!, active())], LATER));
    expect(again).toEqual(first);
    const all = [observed(nrf!, active()), observed(smf!, active()), observed(upf!, active())];
    const ready = syncIntent(input(fed, all, LATER));
    expect(ready.status.conditions?.map((c) => c.lastTransitionTime)).toEqual([LATER, LATER]);
    const foreign = {
      type: 'Example',
      status: 'True' as const,
      reason: 'X',
      message: 'y',
      lastTransitionTime: NOW,
    };
    const kept = syncIntent(
      input(
        { ...parent, status: { ...ready.status, conditions: [...ready.status.conditions!, foreign] } },
        all,
        LATER,
      ),
    );
    expect(kept.status.conditions?.map((c) => c.type)).toEqual(['Ready', 'Progressing', 'Example']);
  });

  it('reads any previous status without trusting it', () => {
    const junk = { ...parent, status: { conditions: [1, { type: 'Ready' }, null], phase: 7 } as never };
    expect(() => syncIntent(input(junk))).not.toThrow();
    const odd = observed(nrf!, { phase: 3, readyReplicas: 'x', conditions: 'no' } as never);
    expect(syncIntent(input(parent, [odd])).status.functions?.[0]).toMatchObject({
      ready: false,
      message: 'the CNFDeployment has no phase yet',
    });
  });
});

describe('finalize', () => {
  const parent = intent({ intent: 'Deploy AMF and SMF' }, 'core', { status: { phase: 'Active' } });
  const [amf] = children(parent.spec);

  it('asks for no CNFDeployment and waits until none is left', () => {
    const waiting = finalizeIntent(input(parent, [observed(amf!, active())]));
    expect(waiting).toMatchObject({ children: [], finalized: false, resyncAfterSeconds: 2 });
    expect(waiting.status).toMatchObject({ phase: 'Terminating', ready: '1/1' });
    expect(waiting.status.conditions?.[0]).toMatchObject({
      reason: 'Terminating',
      message: 'waiting for core-amf to be deleted',
    });
    const done = finalizeIntent(input(parent, []));
    expect(done).toMatchObject({ children: [], finalized: true });
    expect(done.resyncAfterSeconds).toBeUndefined();
    expect(done.status.conditions?.[0]?.message).toBe('every CNFDeployment of the intent is deleted');
    expect(validateIntentStatus(done.status)).toEqual([]);
  });
});

describe('events', () => {
  it('phase changes, refusals once, CNFDeployments created and deleted, finalized', () => {
    const parent = intent({ functions: [{ function: 'NRF' }, { function: 'UDR' }] });
    const [nrf, udr] = children(parent.spec);
    const out = syncIntent(input(parent, [observed(nrf!, active())]));
    const old = { ...observed(nrf!), metadata: { ...observed(nrf!).metadata, name: 'core-old' } };
    expect(intentEvents(undefined, out.status, [observed(nrf!), old], out.children)).toEqual([
      { type: 'Normal', reason: 'PhaseChanged', message: 'phase (none) → Progressing' },
      {
        type: 'Normal',
        reason: 'CreatingFunction',
        message: `creating CNFDeployment ${udr!.metadata.name} (UDR)`,
      },
      { type: 'Normal', reason: 'DeletingFunction', message: 'deleting CNFDeployment core-old' },
    ]);
    const bad = syncIntent(input(intent({ intent: 'Deploy ' + 'x'.repeat(1000) })));
    const events = intentEvents({ phase: 'Active' }, bad.status, [], []);
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['Warning', 'PhaseChanged'],
      ['Warning', 'IntentNotUnderstood'],
    ]);
    expect(events[1]!.message.length).toBeLessThanOrEqual(1000);
    expect(intentEvents(bad.status, bad.status, [], [])).toEqual([]);
    expect(intentEvents({ phase: 'Terminating' }, { phase: 'Terminating' }, [], [], true)).toEqual([
      { type: 'Normal', reason: 'Finalized', message: 'every CNFDeployment of the intent is deleted' },
    ]);
  });
});

describe('catalog knowledge', () => {
  it('dependencies name catalog functions and have no cycle', () => {
    expect(Object.keys(FUNCTION_DEPENDENCIES).sort()).toEqual([...FUNCTIONS].sort());
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (fn: string, path: string[]): void => {
      if (done.has(fn)) return;
      if (visiting.has(fn)) throw new Error(`cycle ${[...path, fn].join(' → ')}`);
      visiting.add(fn);
      for (const d of dependenciesOf(fn)) {
        expect(getCatalogEntry(d)).toBeDefined();
        visit(d, [...path, fn]);
      }
      visiting.delete(fn);
      done.add(fn);
    };
    for (const fn of FUNCTIONS) visit(fn, []);
    expect(dependenciesOf('NOPE')).toEqual([]);
    expect(dependenciesOf('constructor')).toEqual([]);
  });

  it('every profile function is in the catalog; every condition reason is documented', () => {
    for (const fns of Object.values(PROFILES))
      for (const fn of fns) expect(getCatalogEntry(fn)).toBeDefined();
    const doc = readFileSync(`${root}docs/intent.md`, 'utf8');
    for (const [type, byStatus] of Object.entries(INTENT_CONDITIONS)) {
      for (const reason of [...byStatus.True, ...byStatus.False])
        expect([type, doc.includes(`\`${reason}\``)]).toEqual([type, true]);
    }
  });

  it('subset comparison (a spec applied with server defaults counts as applied)', () => {
    expect(isSubset({ a: 1, b: [{ c: 2 }] }, { a: 1, b: [{ c: 2, d: 3 }], e: 4 })).toBe(true);
    expect(isSubset({ b: [1] }, { b: [1, 2] })).toBe(false);
    expect(isSubset({ a: { b: 1 } }, { a: 1 })).toBe(false);
    expect(isSubset([1], 'x')).toBe(false);
  });
});

describe('the example', () => {
  it('examples/intent-site-core.yaml plans a core whose every dependency is in it', () => {
    const doc = parse(readFileSync(`${root}examples/intent-site-core.yaml`, 'utf8')) as NetworkIntent;
    const plan = planIntent(doc);
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    const names = new Set(plan.children.map((c) => c.metadata.name));
    expect(plan.children.length).toBeGreaterThanOrEqual(9);
    for (const c of plan.children) for (const d of c.spec.dependencies ?? []) expect(names).toContain(d);
  });
});

// ---- properties ---------------------------------------------------------------------------------

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const templateArb = fc.record(
  {
    function: fc.constantFrom(...FUNCTIONS),
    name: fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/),
    replicas: fc.integer({ min: 0, max: 100 }),
    size: fc.constantFrom('small' as const, 'medium' as const, 'large' as const),
  },
  { requiredKeys: ['function'] },
);

const specArb: fc.Arbitrary<NetworkIntentSpec> = fc.oneof(
  fc
    .record(
      {
        profile: fc.constantFrom('minimal-5g-core' as const, 'ran-site' as const),
        size: fc.constantFrom('small' as const, 'medium' as const, 'large' as const),
        site: fc.constantFrom('edge-1', 'site-a'),
        functions: fc.uniqueArray(templateArb, {
          minLength: 1,
          maxLength: 8,
          selector: (t) => t.name ?? t.function.toLowerCase(),
        }),
      },
      { requiredKeys: [] },
    )
    .filter((s) => s.profile !== undefined || s.functions !== undefined),
  fc
    .uniqueArray(fc.constantFrom(...FUNCTIONS), { minLength: 1, maxLength: 6 })
    .chain((fns) =>
      fc.tuple(
        fc.constant(fns),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: fns.length, maxLength: fns.length }),
      ),
    )
    .map(([fns, counts]) => ({ intent: `Deploy ${fns.map((f, i) => `${counts[i]} ${f}`).join(', ')}` })),
);

const nameArb = fc.stringMatching(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/);

describe('properties of the intent → children function', () => {
  it('deterministic, valid unique names, dependencies only inside the intent, every child a valid CNFDeployment', () => {
    fc.assert(
      fc.property(nameArb, specArb, (name, spec) => {
        const parent = intent(spec, name);
        const a = planIntent(parent);
        expect(planIntent(structuredClone(parent))).toEqual(a);
        if (!a.ok) throw new Error(`refused ${JSON.stringify(spec)}: ${JSON.stringify(a.issues)}`);
        const names = a.children.map((c) => c.metadata.name);
        expect(new Set(names).size).toBe(names.length);
        for (const c of a.children) {
          expect(c.metadata.name.length).toBeLessThanOrEqual(63);
          expect(c.metadata.name).toMatch(DNS_1035);
          expect(c.metadata.name.startsWith(`${name}-`)).toBe(true);
          expect(c.metadata.labels?.['nephoran.com/intent']).toBe(name);
          for (const d of c.spec.dependencies ?? []) {
            expect(names).toContain(d);
            expect(d).not.toBe(c.metadata.name);
            const dep = a.children.find((x) => x.metadata.name === d)!;
            expect(dependenciesOf(c.spec.function)).toContain(dep.spec.function);
          }
          const v = validateCNFDeployment(c);
          expect(v.ok ? [] : v.issues).toEqual([]);
        }
        // The answer does not depend on the order Metacontroller lists the children in.
        const seen = a.children.map((c) => observed(c, active()));
        const forward = syncIntent(input(parent, seen));
        expect(syncIntent(input(parent, [...seen].reverse()))).toEqual(forward);
        expect(forward.status.phase).toBe('Active');
        expect(validateIntentStatus(forward.status)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on any spec: a refusal names fields, the status is one the CRD accepts', () => {
    const junk = fc.oneof(
      fc.anything(),
      fc.record(
        { intent: fc.string(), functions: fc.array(fc.anything(), { maxLength: 3 }), profile: fc.anything() },
        { requiredKeys: [] },
      ),
      fc.record({
        functions: fc.array(
          fc.record(
            {
              function: fc.constantFrom(...FUNCTIONS, 'X'),
              name: fc.anything(),
              resources: fc.anything(),
              networkConfig: fc.anything(),
              replicas: fc.anything(),
            },
            { requiredKeys: ['function'] },
          ),
          { maxLength: 4 },
        ),
      }),
    );
    fc.assert(
      fc.property(junk, (spec) => {
        const parent = { ...intent({}), spec } as unknown as NetworkIntent;
        const out = syncIntent(input(parent));
        expect(validateIntentStatus(out.status)).toEqual([]);
        if (out.status.phase === 'Failed') {
          expect(out.children).toEqual([]);
          expect(out.status.conditions?.[0]?.message).toMatch(/\S/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

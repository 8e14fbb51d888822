/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- JSON requests */
// Specs the CRD admits must never break a sync (issue 11, item 2). Each case the security probe
// found, through the validator, the renderer, POST /sync (and /finalize) and `nephoran-cnf render`:
// keys named like Object.prototype members, nesting deeper than the stack, "__proto__" in a body,
// a status someone edited. hooks-fuzz.test.ts sends thousands more.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { serverOptions } from '../../hooks/app.ts';
import { CRD } from '../../lib/generated/crd.ts';
import fc from 'fast-check';
import {
  canonicalJson,
  copyJson,
  jsonText,
  nestedTooDeep,
  sortKeys,
  stringifyWithoutRecursion,
} from '../../lib/json.ts';
import { desiredPolicies } from '../../lib/oran/desired.ts';
import { planOran } from '../../lib/oran/plan.ts';
import { compareQuantities } from '../../lib/quantity.ts';
import { MAX_CONFIGMAP_BYTES, RenderError, renderPackage } from '../../lib/render/index.ts';
import { readStatus } from '../../lib/status-read.ts';
import type { CNFDeployment, CNFDeploymentSpec } from '../../lib/types.ts';
import {
  CONTAINER_RESOURCE_PATTERN,
  EXTENDED_RESOURCE,
  FREE_FORM_MAX_LEVELS,
  crdSchema,
  validateCNFDeployment,
  validateStatus,
} from '../../lib/validate.ts';
import { MAX_STATUS_FIELDS } from '../../lib/errors.ts';
import { World } from '../fixtures/simulator.ts';
import { forbidNetwork } from '../network.ts';
import { fixture, type Json } from './hooks.helpers.ts';
import {
  bases,
  cliRender,
  copy,
  makeHostileApp,
  nested,
  postJson,
  setKey,
  syncRequest,
  type HostileApp,
} from './hostile.helpers.ts';

forbidNetwork();

const PROTOTYPE_KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
const PROTOTYPE_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();

let h: HostileApp;
beforeAll(async () => {
  h = await makeHostileApp();
});
afterAll(async () => {
  await h.close();
});

const amf = (): Json => bases()[0]!.parent;
const odu = (): Json => bases()[2]!.parent;

async function sync(parent: Json, route = '/sync'): Promise<Json> {
  const res = await postJson(h.app, route, syncRequest(parent));
  expect(res.statusCode).toBe(200);
  const body = res.json<Json>();
  expect(validateStatus(body.status)).toEqual([]);
  return body;
}

function expectFailedAt(body: Json, path: string): void {
  expect(body.status.phase).toBe('Failed');
  expect(body.status.lastError).toMatchObject({ class: 'Configuration', reason: 'InvalidSpec' });
  expect(body.status.lastError.fields).toContain(path);
}

/** `render -f` on the parent as a file: JSON (any depth) or YAML. */
function cli(parent: Json, as: 'json' | 'yaml' = 'json'): ReturnType<typeof cliRender> {
  const cnf = copy(parent);
  delete cnf.status;
  return cliRender(as === 'json' ? jsonText(cnf) : stringify(cnf));
}

function render(spec: unknown): Record<string, string> {
  return renderPackage({
    name: 'x',
    namespace: 'ns',
    spec: spec as CNFDeploymentSpec,
    packageName: 'ns/x',
    repository: 'r',
  }).files;
}

const container = (files: Record<string, string>): Json =>
  parse(files['deployment.yaml']!).spec.template.spec.containers[0];

// ---- keys named like Object.prototype members -----------------------------------------------------------

describe('keys named like Object.prototype members', () => {
  it.each(PROTOTYPE_KEYS)(
    'resources.requests/limits["%s"]: refused where the API server refuses it',
    (key) => {
      for (const list of ['requests', 'limits']) {
        const p = amf();
        setKey(p.spec.resources[list], key, '1');
        const v = validateCNFDeployment(p);
        expect(v.ok).toBe(false);
        expect(!v.ok && v.issues).toContainEqual({
          path: `spec.resources.${list}`,
          message: `resources.${list} keys must be container resource names (cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource <domain>/<name> such as intel.com/sriov_netdevice)`,
        });
      }
    },
  );

  it('POST /sync with requests.constructor: 200 Failed naming the field (was 500 "Tag not resolved for Function value")', async () => {
    for (const key of PROTOTYPE_KEYS) {
      const p = amf();
      setKey(p.spec.resources.requests, key, '1');
      expectFailedAt(await sync(p), 'spec.resources.requests');
    }
  });

  it('nephoran-cnf render with requests.constructor: exit 2 naming the field (was a stack trace, exit 1)', () => {
    for (const key of PROTOTYPE_KEYS) {
      const p = amf();
      setKey(p.spec.resources.limits, key, '4');
      for (const as of ['json', 'yaml'] as const) {
        const out = cli(p, as);
        expect(out.code).toBe(2);
        expect(out.stderr).toContain(
          '  spec.resources.limits: resources.limits keys must be container resource names',
        );
      }
    }
  });

  it('the renderer reads resource maps by own key only (even for a spec validation did not see)', () => {
    const spec = JSON.parse(
      '{"type": "5G-Core", "function": "AMF", "resources": {"requests": {"constructor": "1", "__proto__": "2"}, "limits": {"toString": "3"}}}',
    );
    const { requests, limits } = container(render(spec)).resources;
    expect(Object.keys(requests)).toEqual(['__proto__', 'constructor', 'cpu', 'memory']);
    expect([requests.constructor, Object.getOwnPropertyDescriptor(requests, '__proto__')?.value]).toEqual([
      '1',
      '2',
    ]);
    // A limit left out is not looked up on Object.prototype (it was: Object, a Function, for the YAML).
    expect(Object.keys(limits)).toEqual(['cpu', 'memory', 'toString']);
    expect(limits.toString).toBe('3');
    // A quantity read from unvalidated input is no quantity, never a crash.
    expect(compareQuantities(Object as unknown as string, '1')).toBeUndefined();
  });

  it('sriov master must be an extended resource name (it becomes one: toString, cpu or eth1 would not do)', () => {
    for (const master of ['toString', 'cpu', 'eth1']) {
      const p = amf();
      p.spec.networkConfig = { interfaces: [{ name: 'fh', cniType: 'sriov', master }] };
      const v = validateCNFDeployment(p);
      expect(!v.ok && v.issues.map((i) => i.path)).toEqual(['spec.networkConfig.interfaces[0].master']);
      expect(cli(p).code).toBe(2);
    }
    const ok = amf();
    ok.spec.networkConfig = { interfaces: [{ name: 'fh', cniType: 'sriov', master: 'intel.com/sriov_fh' }] };
    expect(validateCNFDeployment(ok).ok).toBe(true);
  });

  it('the TypeScript twins use the regexes of the CRD rules', () => {
    const rules = JSON.stringify(crdSchema(CRD));
    expect(rules).toContain(`k.matches('${CONTAINER_RESOURCE_PATTERN}')`);
    expect(rules).toContain(`self.master.matches('^${EXTENDED_RESOURCE}$')`);
    const name = new RegExp(CONTAINER_RESOURCE_PATTERN);
    const good = [
      'cpu',
      'memory',
      'ephemeral-storage',
      'hugepages-2Mi',
      'hugepages-1Gi',
      'nvidia.com/gpu',
      'intel.com/sriov_netdevice',
    ];
    for (const ok of good) expect(name.test(ok)).toBe(true);
    for (const bad of [...PROTOTYPE_KEYS, 'cpu\n', 'CPU', 'gpu', 'hugepages-', '/x', 'a/', 'a/b/c', ''])
      expect(name.test(bad)).toBe(false);
  });

  it('placement.nodeSelector: label keys named like prototype members are data; "__proto__" is no label key', () => {
    const p = amf();
    const nodeSelector = JSON.parse('{"constructor":"a","toString":"b","hasOwnProperty":"c"}');
    p.spec.placement = { nodeSelector };
    const v = validateCNFDeployment(p);
    expect(v.ok).toBe(true);
    const spec = (v as { value: CNFDeployment }).value.spec;
    const files = renderPackage({
      name: 'amf',
      namespace: 'ns',
      spec,
      packageName: 'ns/amf',
      repository: 'r',
    }).files;
    const pod = parse(files['deployment.yaml']!).spec.template.spec;
    expect(pod.nodeSelector).toEqual({ constructor: 'a', hasOwnProperty: 'c', toString: 'b' });
    const bad = amf();
    bad.spec.placement = { nodeSelector: JSON.parse('{"__proto__":"x"}') };
    const refused = validateCNFDeployment(bad);
    expect(!refused.ok && refused.issues.map((i) => i.path)).toEqual(['spec.placement.nodeSelector']);
    expect(cli(bad).code).toBe(2);
  });

  it('configuration keys are kept as written, prototype members and "__proto__" included', async () => {
    const configuration = JSON.parse(
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "toString": 1, "valueOf": "v", "hasOwnProperty": null}',
    );
    const p = amf();
    p.spec.configuration = configuration;
    const body = await sync(p);
    expect(body.status.phase).toBe('Provisioning');
    const configMap = parse(render(validateOk(p).spec)['configmap.yaml']!);
    const config = parse(configMap.data['config.yaml'] as string);
    expect(Object.keys(config)).toEqual([
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'toString',
      'valueOf',
    ]);
    expect(Object.hasOwn(config, '__proto__')).toBe(true);
    const out = cli(p);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('    __proto__:\n      polluted: true\n');
    expect(({} as Json).polluted).toBeUndefined();
  });

  it('a CNF named "constructor", with labels and annotations named like prototype members', async () => {
    const p = amf();
    p.metadata.name = 'constructor';
    p.metadata.namespace = 'constructor';
    p.metadata.labels = JSON.parse('{"__proto__": "a", "constructor": "b", "toString": "c"}');
    p.metadata.annotations = JSON.parse('{"__proto__": "a", "valueOf": "b"}');
    p.spec.dependencies = ['constructor', 'tostring'];
    const body = await sync(p);
    expect(body.status.phase).toBe('Pending'); // waiting for its dependencies, named like members
    expect(body.status.conditions.find((c: Json) => c.type === 'DependenciesReady').message).toBe(
      'waiting for dependencies to be Active: constructor (not found), tostring (not found)',
    );
    delete p.spec.dependencies;
    expect((await sync(p)).status.phase).toBe('Provisioning');
  });

  it('a status phase that is no phase moves like an absent one', async () => {
    const p = amf();
    p.status = { phase: 'constructor' };
    expect((await sync(p)).status.phase).toBe('Provisioning');
  });
});

function validateOk(p: Json): CNFDeployment {
  const v = validateCNFDeployment(p);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.value;
}

// ---- nesting -------------------------------------------------------------------------------------------

describe('nesting deeper than any product needs', () => {
  const deepPath = (base: string, levels: number): string => base + '.a'.repeat(levels);

  it(`free-form fields may nest ${FREE_FORM_MAX_LEVELS} levels: the first too-deep one is named`, () => {
    const p = amf();
    p.spec.configuration = nested(FREE_FORM_MAX_LEVELS);
    expect(validateCNFDeployment(p).ok).toBe(true);
    p.spec.configuration = nested(FREE_FORM_MAX_LEVELS + 1);
    const v = validateCNFDeployment(p);
    expect(!v.ok && v.issues).toEqual([
      {
        path: deepPath('spec.configuration', FREE_FORM_MAX_LEVELS),
        message: `is nested too deep: spec.configuration may nest objects and lists at most ${FREE_FORM_MAX_LEVELS} levels deep`,
      },
    ]);
    p.spec.configuration = { list: nested(40, 'list') };
    const lists = validateCNFDeployment(p);
    expect(!lists.ok && lists.issues[0]!.path).toBe(
      `spec.configuration.list${'[0]'.repeat(FREE_FORM_MAX_LEVELS - 1)}`,
    );
  });

  it('A1 policies and policy-type schemas are free-form too', () => {
    const p = odu();
    p.spec.oran.a1.policies[1].policy = nested(1000);
    p.spec.oran.a1.policyTypes[0].createSchema = { properties: nested(100) };
    const v = validateCNFDeployment(p);
    expect(!v.ok && v.issues.map((i) => i.path)).toEqual([
      `spec.oran.a1.policyTypes[0].createSchema.properties${'.a'.repeat(FREE_FORM_MAX_LEVELS - 1)}`,
      deepPath('spec.oran.a1.policies[1].policy', FREE_FORM_MAX_LEVELS),
    ]);
  });

  it('keys of a too-deep path are shortened (the path ends up in status)', () => {
    const p = amf();
    p.spec.configuration = { ['k'.repeat(1000)]: nested(40) };
    const v = validateCNFDeployment(p);
    expect(!v.ok && v.issues[0]!.path).toMatch(/^spec\.configuration\['k{63}…'\]\.a\.a/);
  });

  it.each([1000, 10_000])(
    'POST /sync with spec.configuration %i levels deep: 200 Failed naming the path (was 500 "Maximum call stack size exceeded")',
    async (levels) => {
      const p = amf();
      p.spec.configuration = nested(levels);
      expectFailedAt(await sync(p), deepPath('spec.configuration', FREE_FORM_MAX_LEVELS));
    },
  );

  it('POST /finalize of a CNF with a 10,000-level configuration and a revision to delete: 200', async () => {
    const req = fixture('sync-with-children');
    req.parent.spec.configuration = nested(10_000);
    req.parent.metadata.deletionTimestamp = '2026-02-16T10:00:30Z';
    const reads = h.apiServer.reads;
    const res = await postJson(h.app, '/finalize', req);
    expect(res.statusCode).toBe(200);
    expect(res.json<Json>().status.phase).toBe('Terminating');
    // It had actions to take, so it compared the request's parent with the API server's copy.
    expect(h.apiServer.reads).toBe(reads + 1);
  });

  it('nephoran-cnf render: exit 2 naming the path, as JSON at any depth; YAML deeper than its parser says where', () => {
    const p = amf();
    p.spec.configuration = nested(10_000);
    const json = cli(p);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain(
      `  ${deepPath('spec.configuration', FREE_FORM_MAX_LEVELS)}: is nested too deep`,
    );
    const flow = `apiVersion: nephoran.com/v1\nkind: CNFDeployment\nmetadata: {name: a}\nspec:\n  type: 5G-Core\n  function: AMF\n  configuration: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`;
    const yaml = cliRender(flow);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/cnf\.yaml:7:\d+: nested too deep for the YAML parser/);
  });

  it('the JSON helpers take any depth without recursion', () => {
    const deep = nested(100_000);
    expect(copyJson(deep, Infinity).cut).toBe(false);
    const cut = copyJson(nested(12), 10);
    expect(cut.cut).toBe(true);
    expect(jsonText(cut.value)).toBe(`${'{"a":'.repeat(11)}null${'}'.repeat(11)}`);
    expect(jsonText(sortKeys(deep))).toBe(jsonText(deep));
    expect(canonicalJson({ b: [nested(3)], a: 1 })).toBe('{"a":1,"b":[{"a":{"a":{"a":1}}}]}');
    expect(nestedTooDeep(deep, 5)).toEqual(['a', 'a', 'a', 'a', 'a']);
    expect(nestedTooDeep(nested(5), 5)).toBeUndefined();
  });

  it("jsonText's fallback writes JSON.stringify's text", () => {
    const odd = [
      undefined,
      () => 1,
      Symbol('s'),
      NaN,
      -0,
      Infinity,
      new Date(0),
      { toJSON: () => undefined },
    ];
    for (const v of [...odd, odd, { a: undefined, b: odd, c: { toJSON: () => 'j' }, d: '\uD800"\n' }])
      expect(stringifyWithoutRecursion(v)).toBe(JSON.stringify(v));
    fc.assert(
      fc.property(fc.jsonValue(), (v) => expect(stringifyWithoutRecursion(v)).toBe(JSON.stringify(v))),
      { seed: 20261130, numRuns: 300 },
    );
  });
});

// ---- "__proto__" in a request body --------------------------------------------------------------------

describe('"__proto__" and "constructor" in a request body', () => {
  it('are parsed as plain keys (Fastify would answer 400 "body is not valid JSON")', () => {
    expect(serverOptions({ bodyLimitBytes: 1024 })).toMatchObject({
      onProtoPoisoning: 'ignore',
      onConstructorPoisoning: 'ignore',
    });
  });

  it('POST /sync with "__proto__" in spec.configuration or an A1 policy: 200, handled normally', async () => {
    const p = amf();
    p.spec.configuration = JSON.parse('{"__proto__": {"x": 1}, "constructor": {"prototype": {"y": 2}}}');
    expect((await sync(p)).status.phase).toBe('Provisioning');
    const o = odu();
    o.spec.oran.a1.policies[0].policy = JSON.parse('{"threshold": 5, "__proto__": {"admin": true}}');
    const body = await sync(o);
    expect(body.status.phase).toBe('Provisioning');
    expect(body.status.lastError).toBeUndefined();
    expect(({} as Json).admin).toBeUndefined();
  });

  it('a raw body with "__proto__" at any level reaches the hook as written', async () => {
    const text = jsonText(syncRequest(amf())).replace(
      '"spec":{"type"',
      '"spec":{"configuration":{"__proto__":{"x":1}},"type"',
    );
    expect(text).toContain('"__proto__"');
    const res = await h.app.inject({
      method: 'POST',
      url: '/sync',
      payload: text,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<Json>().status.phase).toBe('Provisioning');
  });

  it('an A1 policy body keeps its "__proto__" key into the hash and the put', () => {
    const o = odu();
    o.spec.oran.a1.policies[0].policy = JSON.parse('{"threshold": 5, "__proto__": {"admin": true}}');
    const parent = validateOk(o);
    const [policy] = desiredPolicies(parent);
    expect(Object.hasOwn(policy!.policy, '__proto__')).toBe(true);
    const plan = planOran({ parent, prev: undefined, observations: {}, ready: true, generation: 1 });
    const put = plan.actions.find((a) => a.type === 'putA1Policy');
    expect(put?.type === 'putA1Policy' && JSON.stringify(put.policy)).toBe(
      '{"threshold":5,"__proto__":{"admin":true}}',
    );
  });
});

// ---- status read back from the parent -----------------------------------------------------------------

describe('status read back from the parent is untrusted', () => {
  it('POST /sync with status.health without checks: 200 (was 500 "Cannot read properties of undefined")', async () => {
    const p = amf();
    p.status = { phase: 'Provisioning', health: { overall: 'Healthy' } };
    const body = await sync(p);
    expect(body.status.health.checks).toHaveLength(4);
  });

  it.each([
    [
      'entries without their fields',
      { history: [{}], conditions: [{}], oran: { policies: [{}], subscriptions: [{}] } },
    ],
    [
      'objects without their fields',
      { lastError: {}, rollback: { failedGeneration: 1 }, healing: {}, scaling: {}, health: {} },
    ],
    [
      'a last healthy spec that is no spec',
      { phase: 'Degraded', lastHealthy: { generation: 1, contentHash: 'h', spec: {} } },
    ],
    [
      'a last healthy spec 10,000 levels deep',
      { lastHealthy: { generation: 1, contentHash: 'h', spec: nested(10_000) } },
    ],
    [
      'timestamps that are no time',
      { phase: 'Terminating', phaseSince: 'yesterday', scaling: { lastScaleTime: 'soon' } },
    ],
    [
      'a rollback to nothing',
      {
        phase: 'Healing',
        rollback: { failedContentHash: 'a', failedGeneration: 1, toContentHash: 'b', at: 't' },
      },
    ],
  ])('POST /sync and /finalize with %s: 200', async (_what, status) => {
    const p = amf();
    p.status = copy(status);
    await sync(p);
    p.metadata.deletionTimestamp = '2026-02-16T10:00:30Z';
    await sync(p, '/finalize');
  });

  it('a null deletionTimestamp (Go marshals nil so) is no deletion', async () => {
    const p = amf();
    p.metadata.deletionTimestamp = null;
    expect((await sync(p)).status.phase).toBe('Provisioning');
  });

  it('spec.porch of the wrong type is no package name (read before validation, e.g. on finalize)', async () => {
    const p = amf();
    p.spec.porch = { repository: 5, packageName: { a: 1 } };
    expectFailedAt(await sync(p), 'spec.porch.repository');
    p.metadata.deletionTimestamp = '2026-02-16T10:00:30Z';
    await sync(p, '/finalize');
  });

  it('a status the controller wrote comes back deep-equal, at every step of a life', () => {
    const w = new World({ start: '2026-03-01T10:00:00.000Z' });
    const seen: unknown[] = [];
    const until =
      (phase: string, after = 0) =>
      (x: World): boolean => {
        seen.push(x.parent.status);
        return x.parent.status?.phase === phase && x.syncs > after;
      };
    w.runUntil(until('Active'));
    w.setSpec({ replicas: 3 });
    w.runUntil(until('Active', 20));
    w.podsReady = () => false;
    w.runUntil(until('Degraded'), 200, 10);
    expect(seen.length).toBeGreaterThan(10);
    for (const status of seen) expect(readStatus(status, w.parent)).toEqual(status);
  });

  it('drops what the reconciler cannot rely on, keeps the rest (unknown fields too)', () => {
    const parent = { metadata: { name: 'test-amf', namespace: 'default' } };
    const status = readStatus(
      {
        phase: 'Dancing',
        observedGeneration: '2',
        extra: { kept: true },
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: '2026-02-16T10:00:00Z' },
          { type: 'Ready', status: 'Maybe', lastTransitionTime: '2026-02-16T10:00:00Z' },
        ],
        health: { checks: [{ name: 'PodsReady', status: 'Degraded', timestamp: '2026-02-16T10:00:00Z' }] },
        history: [
          {
            name: 'n',
            workspace: 'w',
            contentHash: 'h',
            generation: 1,
            outcome: 'Pending',
            createdAt: 't',
            publishedAt: 'never',
          },
        ],
        healing: { attempts: 'three', restartGeneration: 2 },
        lastHealthy: { generation: 1, contentHash: 'h', spec: { type: '5G-Core', function: 'AMF' } },
      },
      parent,
    );
    expect(status).toEqual({
      extra: { kept: true },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: '',
          message: '',
          lastTransitionTime: '2026-02-16T10:00:00Z',
        },
      ],
      health: {
        overall: 'Degraded',
        consecutiveFails: 0,
        checks: [{ name: 'PodsReady', status: 'Degraded', message: '', timestamp: '2026-02-16T10:00:00Z' }],
      },
      history: [
        {
          name: 'n',
          workspace: 'w',
          revision: 0,
          contentHash: 'h',
          generation: 1,
          outcome: 'Pending',
          createdAt: 't',
        },
      ],
      healing: { attempts: 0, restartGeneration: 2 },
      lastHealthy: { generation: 1, contentHash: 'h', spec: { type: '5G-Core', function: 'AMF' } },
    });
    expect(readStatus(null, parent)).toBeUndefined();
    expect(readStatus('Active', parent)).toBeUndefined();
    expect(
      readStatus({ lastHealthy: { generation: 1, contentHash: 'h', spec: { type: 'x' } } }, parent),
    ).toEqual({});
  });
});

// ---- bounds of what status can hold ---------------------------------------------------------------

describe('what status and a ConfigMap can hold', () => {
  it(`status.lastError.fields holds at most ${MAX_STATUS_FIELDS} paths, or the API server refuses the status write`, async () => {
    const p = amf();
    for (let i = 0; i < 100; i++) p.spec[`unknown${i}`] = i;
    const body = await sync(p);
    expect(body.status.lastError.fields).toHaveLength(MAX_STATUS_FIELDS);
    expect(body.status.lastError.message).toMatch(/; and 36 more$/);
    expect(validateStatus(body.status)).toEqual([]);
  });

  it('a configuration that renders beyond 1 MiB: refused at spec.configuration (no ConfigMap could hold it)', async () => {
    const p = amf();
    p.spec.configuration = { blob: 'x'.repeat(MAX_CONFIGMAP_BYTES) };
    expect(() => render(validateOk(p).spec)).toThrow(RenderError);
    expectFailedAt(await sync(p), 'spec.configuration');
    const out = cli(p);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('  spec.configuration: renders to a ConfigMap of');
    p.spec.configuration = { blob: 'x'.repeat(MAX_CONFIGMAP_BYTES - 100) };
    expect(() => render(validateOk(p).spec)).not.toThrow();
  });
});

describe('afterwards', () => {
  it('Object.prototype is as it was', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_BEFORE);
    expect(({} as Json).polluted).toBeUndefined();
  });
});

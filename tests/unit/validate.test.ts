import { describe, expect, it } from '@jest/globals';
import {
  CNFValidationError,
  createValidator,
  crdSchema,
  parseCNFDeployment,
  toJsonSchema,
  validateCNFDeployment,
  type ValidationIssue,
} from '../../lib/validate.ts';
import { CRD } from '../../lib/generated/crd.ts';

const amf = () => ({
  apiVersion: 'nephoran.com/v1',
  kind: 'CNFDeployment',
  metadata: { name: 'test-amf', namespace: 'default' },
  spec: {
    type: '5G-Core',
    function: 'AMF',
    replicas: 2,
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
  } as Record<string, unknown>,
});

function issuesOf(spec: Record<string, unknown>, metadata?: Record<string, unknown>): ValidationIssue[] {
  const obj = amf();
  const result = validateCNFDeployment({
    ...obj,
    ...(metadata ? { metadata } : {}),
    spec: { ...obj.spec, ...spec },
  });
  return result.ok ? [] : result.issues;
}

describe('validateCNFDeployment', () => {
  it('accepts the seed AMF and applies the CRD defaults without touching the input', () => {
    const input = amf();
    const result = validateCNFDeployment(input);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.spec).toEqual({
      ...input.spec,
      maxReplicas: 10,
      porch: { approval: 'Automatic' },
      rollout: { progressDeadlineSeconds: 300, autoRollback: true },
      scaling: { cooldownSeconds: 0 },
    });
    expect(input.spec).not.toHaveProperty('maxReplicas');
  });

  it('defaults replicas to 1 and serviceType to ClusterIP when networkConfig is given', () => {
    const { spec } = parseCNFDeployment({
      ...amf(),
      spec: { type: 'O-RAN', function: 'xApp', networkConfig: {} },
    });
    expect(spec.replicas).toBe(1);
    expect(spec.networkConfig?.serviceType).toBe('ClusterIP');
  });

  it('keeps status untouched (it is the controller output, not user input)', () => {
    const result = validateCNFDeployment({ ...amf(), status: { whatever: true } });
    expect(result.ok && result.value.status).toEqual({ whatever: true });
  });

  it.each<[string, Record<string, unknown>, ValidationIssue]>([
    [
      'wrong type enum',
      { type: '6G' },
      { path: 'spec.type', message: 'must be one of 5G-Core, O-RAN, Edge, Custom' },
    ],
    [
      'unknown function',
      { function: 'MME' },
      {
        path: 'spec.function',
        message: expect.stringContaining('must be one of AMF, SMF, UPF') as unknown as string,
      },
    ],
    ['replicas 101', { replicas: 101 }, { path: 'spec.replicas', message: 'must be at most 100' }],
    ['replicas negative', { replicas: -1 }, { path: 'spec.replicas', message: 'must be at least 0' }],
    ['replicas not an integer', { replicas: 1.5 }, { path: 'spec.replicas', message: 'must be an integer' }],
    ['replicas as string', { replicas: '2' }, { path: 'spec.replicas', message: 'must be an integer' }],
    [
      'replicas > maxReplicas',
      { replicas: 5, maxReplicas: 3 },
      {
        path: 'spec.replicas',
        message: 'replicas must be less than or equal to maxReplicas',
        reason: 'ReplicasExceedMax',
      },
    ],
    [
      'replicas > default maxReplicas',
      { replicas: 20 },
      {
        path: 'spec.replicas',
        message: 'replicas must be less than or equal to maxReplicas',
        reason: 'ReplicasExceedMax',
      },
    ],
    [
      'function not in type',
      { type: 'O-RAN' },
      {
        path: 'spec.function',
        message:
          'function is not an O-RAN function (allowed O-CU-CP, O-CU-UP, O-DU, Near-RT-RIC, Non-RT-RIC, xApp, rApp)',
      },
    ],
    [
      'AMF at the edge',
      { type: 'Edge' },
      {
        path: 'spec.function',
        message: 'function is not an Edge function (allowed UPF, O-CU-CP, O-CU-UP, O-DU)',
      },
    ],
    [
      'cpu limits < requests',
      { resources: { requests: { cpu: '2' }, limits: { cpu: '1500m' } } },
      {
        path: 'spec.resources.limits.cpu',
        message: 'resources.limits.cpu must be greater than or equal to resources.requests.cpu',
      },
    ],
    [
      'memory limits < requests',
      { resources: { requests: { memory: '4Gi' }, limits: { memory: '4G' } } },
      {
        path: 'spec.resources.limits.memory',
        message: 'resources.limits.memory must be greater than or equal to resources.requests.memory',
      },
    ],
    [
      'AMF below minimum cpu',
      { resources: { requests: { cpu: '500m' } } },
      {
        path: 'spec.resources.requests.cpu',
        message: 'AMF and SMF require resources.requests.cpu of at least 1',
      },
    ],
    [
      'UPF below minimum memory',
      { function: 'UPF', resources: { requests: { cpu: 2, memory: '2Gi' } } },
      {
        path: 'spec.resources.requests.memory',
        message: 'UPF requires resources.requests.memory of at least 4Gi',
      },
    ],
    [
      'UPF below minimum cpu',
      { function: 'UPF', resources: { requests: { cpu: '1900m' } } },
      { path: 'spec.resources.requests.cpu', message: 'UPF requires resources.requests.cpu of at least 2' },
    ],
    ['unknown spec field', { replica: 3 }, { path: 'spec.replica', message: 'unknown field' }],
    ['unknown nested field', { porch: { repo: 'x' } }, { path: 'spec.porch.repo', message: 'unknown field' }],
    [
      'bad quantity',
      { resources: { requests: { cpu: 'lots' } } },
      { path: 'spec.resources.requests.cpu', message: 'must be a Kubernetes quantity, e.g. 500m, 2 or 4Gi' },
    ],
    [
      'quantity of the wrong type',
      { resources: { limits: { memory: true } } },
      { path: 'spec.resources.limits.memory', message: 'must be an integer or a string' },
    ],
    [
      'bad interface cniType',
      { networkConfig: { interfaces: [{ name: 'n2', cniType: 'bridge' }] } },
      { path: 'spec.networkConfig.interfaces[0].cniType', message: 'must be one of macvlan, ipvlan, sriov' },
    ],
    [
      'interface without cniType',
      { networkConfig: { interfaces: [{ name: 'n2' }] } },
      { path: 'spec.networkConfig.interfaces[0].cniType', message: 'is required' },
    ],
    [
      'interface name not a DNS label',
      { networkConfig: { interfaces: [{ name: 'N2_x', cniType: 'macvlan' }] } },
      {
        path: 'spec.networkConfig.interfaces[0].name',
        message: expect.stringContaining('DNS-1123 label') as unknown as string,
      },
    ],
    [
      'interface name too long for Linux',
      { networkConfig: { interfaces: [{ name: 'a-very-long-ifname', cniType: 'macvlan' }] } },
      { path: 'spec.networkConfig.interfaces[0].name', message: 'must be at most 15 characters long' },
    ],
    [
      'duplicate interface names',
      {
        networkConfig: {
          interfaces: [
            { name: 'n2', cniType: 'macvlan' },
            { name: 'n2', cniType: 'ipvlan' },
          ],
        },
      },
      {
        path: 'spec.networkConfig.interfaces[1]',
        message: 'duplicate entry: name="n2" is used more than once',
      },
    ],
    [
      'vlanID out of range',
      { networkConfig: { interfaces: [{ name: 'n2', cniType: 'macvlan', vlanID: 4095 }] } },
      { path: 'spec.networkConfig.interfaces[0].vlanID', message: 'must be at most 4094' },
    ],
    [
      'address without prefix',
      {
        replicas: 1,
        networkConfig: { interfaces: [{ name: 'n2', cniType: 'macvlan', ipv4: { address: '10.0.0.1' } }] },
      },
      {
        path: 'spec.networkConfig.interfaces[0].ipv4.address',
        message: 'must be an IPv4 address with prefix length, e.g. 10.10.3.10/24',
      },
    ],
    [
      'static address with several replicas',
      {
        networkConfig: { interfaces: [{ name: 'n2', cniType: 'macvlan', ipv4: { address: '10.0.0.1/24' } }] },
      },
      {
        path: 'spec.replicas',
        message:
          'replicas must be at most 1 when an interface has a static ipv4 address (every pod would claim the same address)',
      },
    ],
    [
      'sriov without master',
      { networkConfig: { interfaces: [{ name: 'fh', cniType: 'sriov' }] } },
      {
        path: 'spec.networkConfig.interfaces[0].master',
        message:
          'sriov interfaces require master (the SR-IOV device plugin resource name, e.g. intel.com/sriov_netdevice)',
      },
    ],
    [
      'bad serviceType',
      { networkConfig: { serviceType: 'Ingress' } },
      { path: 'spec.networkConfig.serviceType', message: 'must be one of ClusterIP, NodePort, LoadBalancer' },
    ],
    [
      'port out of range',
      { networkConfig: { exposePorts: [0] } },
      { path: 'spec.networkConfig.exposePorts[0]', message: 'must be at least 1' },
    ],
    [
      'duplicate port',
      { networkConfig: { exposePorts: [8080, 9090, 8080] } },
      { path: 'spec.networkConfig.exposePorts[2]', message: 'duplicate value' },
    ],
    [
      'dependency not a name',
      { dependencies: ['NRF'] },
      {
        path: 'spec.dependencies[0]',
        message: expect.stringContaining('DNS-1123 subdomain') as unknown as string,
      },
    ],
    [
      'latest image',
      { image: 'free5gc/amf:latest' },
      { path: 'spec.image', message: 'image must be pinned to a version tag or digest, not latest' },
    ],
    [
      'untagged image',
      { image: 'registry:5000/free5gc/amf' },
      { path: 'spec.image', message: expect.stringContaining('pinned to a tag') as unknown as string },
    ],
    [
      'bad approval',
      { porch: { approval: 'Sometimes' } },
      { path: 'spec.porch.approval', message: 'must be one of Automatic, Manual' },
    ],
    [
      'bad package path',
      { porch: { packageName: 'a//b' } },
      { path: 'spec.porch.packageName', message: 'must be DNS-1123 labels separated by "/"' },
    ],
    [
      'progress deadline too short',
      { rollout: { progressDeadlineSeconds: 1 } },
      { path: 'spec.rollout.progressDeadlineSeconds', message: 'must be at least 10' },
    ],
    [
      'E2 subscription without actions',
      {
        oran: { e2: { endpoint: 'http://submgr:8088', subscriptions: [{ meid: 'gnb1', ranFunctionId: 1 }] } },
      },
      { path: 'spec.oran.e2.subscriptions[0].actions', message: 'is required' },
    ],
    [
      'A1 endpoint not a URL',
      { oran: { a1: { endpoint: 'ric:10000' } } },
      { path: 'spec.oran.a1.endpoint', message: 'must be an http:// or https:// URL' },
    ],
    [
      'configuration not an object',
      { configuration: 'x' },
      { path: 'spec.configuration', message: 'must be an object' },
    ],
  ])('rejects %s', (_name, spec, issue) => {
    expect(issuesOf(spec)).toContainEqual(issue);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf({ type: '6G', replicas: 500, extra: 1, networkConfig: { serviceType: 'x' } });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'spec.extra',
      'spec.networkConfig.serviceType',
      'spec.replicas', // must be at most 100
      'spec.replicas', // and ≤ maxReplicas (CEL twin)
      'spec.type',
    ]);
  });

  it('accepts free-form configuration and quantity maps with extended resources', () => {
    expect(
      issuesOf({
        configuration: { a: { b: [1, { c: null }] } },
        resources: { requests: { cpu: 1, memory: '2Gi', 'hugepages-1Gi': '2Gi', 'intel.com/sriov': '1' } },
      }),
    ).toEqual([]);
  });

  it('checks the envelope: apiVersion, kind, metadata.name, spec', () => {
    const r = validateCNFDeployment({ apiVersion: 'v1', kind: 'Pod', metadata: {} });
    expect(r.ok ? [] : r.issues).toEqual([
      { path: 'apiVersion', message: 'must be nephoran.com/v1' },
      { path: 'kind', message: 'must be CNFDeployment' },
      { path: 'metadata.name', message: 'is required' },
      { path: 'spec', message: 'is required' },
    ]);
    const noMeta = validateCNFDeployment({
      apiVersion: 'nephoran.com/v1',
      kind: 'CNFDeployment',
      spec: amf().spec,
    });
    expect(noMeta.ok ? [] : noMeta.issues).toEqual([{ path: 'metadata', message: 'is required' }]);
    const notObject = validateCNFDeployment('hello');
    expect(notObject.ok ? [] : notObject.issues).toEqual([{ path: '', message: 'must be an object' }]);
  });

  it('requires a DNS-1035 name (it names the Service)', () => {
    expect(issuesOf({}, { name: '1amf' })).toEqual([
      {
        path: 'metadata.name',
        message:
          'metadata.name must be a DNS-1035 label of at most 63 characters (it names the Service and is used in label values)',
      },
    ]);
    expect(issuesOf({}, { name: 'a'.repeat(64) })).toHaveLength(1);
  });

  it('enforces immutable type and function only when the old object is given (transition rules)', () => {
    const changed = { ...amf(), spec: { ...amf().spec, function: 'SMF' } };
    expect(validateCNFDeployment(changed).ok).toBe(true);
    const r = validateCNFDeployment(changed, { old: amf() });
    expect(r.ok ? [] : r.issues).toEqual([{ path: 'spec.function', message: 'function is immutable' }]);
    const retyped = { ...amf(), spec: { ...amf().spec, type: 'Custom' } };
    const r2 = validateCNFDeployment(retyped, { old: amf() });
    expect(r2.ok ? [] : r2.issues).toEqual([{ path: 'spec.type', message: 'type is immutable' }]);
  });

  it('parseCNFDeployment throws a typed CNFValidationError with the issues', () => {
    expect(parseCNFDeployment(amf()).metadata.name).toBe('test-amf');
    try {
      parseCNFDeployment({ ...amf(), spec: { ...amf().spec, replicas: 101 } });
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(CNFValidationError);
      const err = e as CNFValidationError;
      expect(err.code).toBe('INVALID_SPEC');
      expect(err.issues).toContainEqual({ path: 'spec.replicas', message: 'must be at most 100' });
      expect(err.message).toContain('spec.replicas: must be at most 100');
    }
  });
});

describe('schema conversion', () => {
  it('turns k8s extensions into JSON Schema', () => {
    expect(
      toJsonSchema({
        type: 'object',
        properties: {
          q: { 'x-kubernetes-int-or-string': true },
          s: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          free: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
            properties: { a: { type: 'string' } },
          },
          any: { anyOf: [{ type: 'integer' }, { type: 'string' }], not: { type: 'null' } },
        },
        'x-kubernetes-validations': [{ rule: 'true' }],
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        q: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
        s: { type: 'array', uniqueItems: true, items: { type: 'string' } },
        free: { type: 'object', properties: { a: { type: 'string' } } },
        any: { anyOf: [{ type: 'integer' }, { type: 'string' }], not: { type: 'null' } },
      },
    });
    expect(toJsonSchema(null)).toEqual({});
  });

  it('createValidator rejects a CRD without a v1 schema and works from any parsed CRD', () => {
    expect(() => createValidator({ spec: { versions: [] } })).toThrow('CRD has no v1 openAPIV3Schema');
    expect(() => crdSchema(42)).toThrow(TypeError);
    const v = createValidator(CRD);
    expect(v.validate(amf()).ok).toBe(true);
  });
});

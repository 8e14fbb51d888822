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
          'replicas must be at most 1 when an interface has a static address (ipv4 or ipv6): every pod would claim the same address; give the interface an ipPool to scale',
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

// ---- addresses, data-plane profile, placement (issue 15) ------------------------------------------

const STATIC_REPLICAS =
  'replicas must be at most 1 when an interface has a static address (ipv4 or ipv6): every pod would claim the same address; give the interface an ipPool to scale';
const POOL_AND_STATIC = 'an interface has either static addresses (ipv4, ipv6) or an ipPool, not both';

/** A UPF spec with `interfaces`, `replicas` and any other fields. */
const upf = (interfaces: unknown[], more: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'Edge',
  function: 'UPF',
  replicas: 3,
  resources: { requests: { cpu: '2', memory: '4Gi' } },
  networkConfig: { interfaces },
  ...more,
});

describe('addresses of Multus interfaces', () => {
  it('accepts a UPF with 3 replicas on an IPv4 pool (N3) and an IPv6 pool (N6)', () => {
    expect(
      issuesOf(
        upf([
          {
            name: 'n3',
            cniType: 'macvlan',
            master: 'eth1',
            ipPool: { range: '10.10.3.0/24', gateway: '10.10.3.1' },
          },
          {
            name: 'n6',
            cniType: 'ipvlan',
            master: 'eth2',
            ipPool: { range: 'fd00:10:6::/64', gateway: 'fd00:10:6::1' },
          },
        ]),
      ),
    ).toEqual([]);
  });

  it('accepts a dual-stack static interface on one pod, and refuses it on two', () => {
    const dual = {
      name: 'f1',
      cniType: 'macvlan',
      ipv4: { address: '10.0.0.5/24' },
      ipv6: { address: 'fd00::5/64', gateway: 'fd00::1' },
    };
    expect(issuesOf(upf([dual], { replicas: 1 }))).toEqual([]);
    expect(issuesOf(upf([dual]))).toEqual([{ path: 'spec.replicas', message: STATIC_REPLICAS }]);
    // ipv6 alone is static too: the replicas rule stays, pools are the way to scale
    expect(issuesOf(upf([{ name: 'n6', cniType: 'macvlan', ipv6: { address: 'fd00::5/64' } }]))).toEqual([
      { path: 'spec.replicas', message: STATIC_REPLICAS },
    ]);
  });

  it('refuses a pool and a static address on one interface, naming the interface', () => {
    const issues = issuesOf(
      upf(
        [
          { name: 'n3', cniType: 'macvlan', ipPool: { range: '10.10.3.0/24' } },
          { name: 'n6', cniType: 'macvlan', ipPool: { range: 'fd00::/64' }, ipv6: { address: 'fd00::5/64' } },
        ],
        { replicas: 1 },
      ),
    );
    expect(issues).toEqual([{ path: 'spec.networkConfig.interfaces[1].ipPool', message: POOL_AND_STATIC }]);
  });

  const iface = (fields: Record<string, unknown>): Record<string, unknown> =>
    upf([{ name: 'n3', cniType: 'macvlan', ...fields }], { replicas: 1 });
  const at = (field: string): string => `spec.networkConfig.interfaces[0].${field}`;

  it.each<[string, Record<string, unknown>, ValidationIssue]>([
    [
      'an IPv4 address as ipv6',
      { ipv6: { address: '10.0.0.5/24' } },
      {
        path: at('ipv6.address'),
        message: 'ipv6.address must be an IPv6 address with prefix length, e.g. fd00:10:3::10/64',
      },
    ],
    [
      'an IPv4-mapped IPv6 address',
      { ipv6: { address: '::ffff:10.0.0.5/120' } },
      {
        path: at('ipv6.address'),
        message: 'ipv6.address must be an IPv6 address with prefix length, e.g. fd00:10:3::10/64',
      },
    ],
    [
      'an ipv6 address without prefix length',
      { ipv6: { address: 'fd00::5' } },
      {
        path: at('ipv6.address'),
        message: 'ipv6.address must be an IPv6 address with prefix length, e.g. fd00:10:3::10/64',
      },
    ],
    [
      'an ipv6 prefix longer than 128',
      { ipv6: { address: 'fd00::5/129' } },
      {
        path: at('ipv6.address'),
        message: 'ipv6.address must be an IPv6 address with prefix length, e.g. fd00:10:3::10/64',
      },
    ],
    [
      'an IPv4 gateway for ipv6',
      { ipv6: { address: 'fd00::5/64', gateway: '10.0.0.1' } },
      { path: at('ipv6.gateway'), message: 'ipv6.gateway must be an IPv6 address, e.g. fd00:10:3::1' },
    ],
    [
      'an ipv6 gateway with a zone',
      { ipv6: { address: 'fe80::5/64', gateway: 'fe80::1%eth0' } },
      { path: at('ipv6.gateway'), message: 'ipv6.gateway must be an IPv6 address, e.g. fd00:10:3::1' },
    ],
    [
      'a pool range that is no CIDR',
      { ipPool: { range: '10.0.0.0-10.0.0.9' } },
      {
        path: at('ipPool.range'),
        message: 'ipPool.range must be a CIDR, IPv4 or IPv6, e.g. 10.10.3.0/24 or fd00:10:6::/64',
      },
    ],
    [
      'a pool range with a zero-padded prefix',
      { ipPool: { range: '10.0.0.0/08' } },
      {
        path: at('ipPool.range'),
        message: 'ipPool.range must be a CIDR, IPv4 or IPv6, e.g. 10.10.3.0/24 or fd00:10:6::/64',
      },
    ],
    [
      'a /31 pool',
      { ipPool: { range: '10.0.0.0/31' } },
      {
        path: at('ipPool.range'),
        message:
          'ipPool.range must hold at least two addresses (at most /30 for IPv4, /126 for IPv6; whereabouts hands out neither the first nor the last address)',
      },
    ],
    [
      'a /127 pool',
      { ipPool: { range: 'fd00::/127' } },
      {
        path: at('ipPool.range'),
        message:
          'ipPool.range must hold at least two addresses (at most /30 for IPv4, /126 for IPv6; whereabouts hands out neither the first nor the last address)',
      },
    ],
    [
      'a pool gateway outside the range',
      { ipPool: { range: '10.0.0.0/24', gateway: '10.0.1.1' } },
      { path: at('ipPool.gateway'), message: 'ipPool.gateway must be an address inside ipPool.range' },
    ],
    [
      'a pool gateway of the other family',
      { ipPool: { range: '10.0.0.0/24', gateway: 'fd00::1' } },
      { path: at('ipPool.gateway'), message: 'ipPool.gateway must be an address inside ipPool.range' },
    ],
    [
      'an exclude outside the range',
      { ipPool: { range: '10.0.0.0/24', exclude: ['10.0.0.0/28', '10.0.0.0/16'] } },
      { path: at('ipPool.exclude'), message: 'ipPool.exclude entries must be CIDRs inside ipPool.range' },
    ],
    [
      'an exclude that is an address, not a CIDR',
      { ipPool: { range: 'fd00::/64', exclude: ['fd00::5'] } },
      { path: at('ipPool.exclude'), message: 'ipPool.exclude entries must be CIDRs inside ipPool.range' },
    ],
    [
      'an MTU below 1280 with a static IPv6 address',
      { ipv6: { address: 'fd00::5/64' }, mtu: 1000 },
      {
        path: at('mtu'),
        message: 'mtu must be at least 1280 on an interface with IPv6 addresses (the IPv6 minimum link MTU)',
      },
    ],
    [
      'an MTU below 1280 with an IPv6 pool',
      { ipPool: { range: 'fd00::/64' }, mtu: 1000 },
      {
        path: at('mtu'),
        message: 'mtu must be at least 1280 on an interface with IPv6 addresses (the IPv6 minimum link MTU)',
      },
    ],
    ['an MTU below 576', { mtu: 500 }, { path: at('mtu'), message: 'must be at least 576' }],
    ['an MTU above 9216', { mtu: 9500 }, { path: at('mtu'), message: 'must be at most 9216' }],
    [
      'vfs on macvlan',
      { vfs: 2 },
      { path: at('vfs'), message: 'vfs is for sriov interfaces (the number of VFs of master the pod gets)' },
    ],
    [
      'a pool without range',
      { ipPool: { gateway: '10.0.0.1' } },
      { path: at('ipPool.range'), message: 'is required' },
    ],
    [
      'an unknown pool field',
      { ipPool: { range: '10.0.0.0/24', start: '10.0.0.9' } },
      { path: at('ipPool.start'), message: 'unknown field' },
    ],
  ])('refuses %s', (_name, fields, issue) => {
    expect(issuesOf(iface(fields))).toEqual([issue]);
  });

  it('accepts what the CEL IP library accepts: host bits in a range, MTU 1280+ with IPv6, any MTU on IPv4', () => {
    expect(issuesOf(iface({ ipPool: { range: '10.0.0.100/24', exclude: ['10.0.0.128/25'] } }))).toEqual([]);
    expect(issuesOf(iface({ ipv6: { address: '2001:db8::1.2.3.4/96' }, mtu: 1280 }))).toEqual([]);
    expect(issuesOf(iface({ ipv4: { address: '10.0.0.5/24' }, mtu: 576 }))).toEqual([]);
    expect(
      issuesOf(upf([{ name: 'fh', cniType: 'sriov', master: 'intel.com/sriov_fh', vfs: 4, mtu: 9000 }])),
    ).toEqual([]);
  });
});

describe('Service IP families', () => {
  const families = (nc: Record<string, unknown>): ValidationIssue[] => issuesOf({ networkConfig: nc });
  const NEEDS_DUAL = 'ipFamilies with two families needs ipFamilyPolicy PreferDualStack or RequireDualStack';

  it('needs a dual-stack policy for two families', () => {
    expect(families({ ipFamilies: ['IPv4', 'IPv6'] })).toEqual([
      { path: 'spec.networkConfig.ipFamilyPolicy', message: NEEDS_DUAL },
    ]);
    expect(families({ ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'SingleStack' })).toEqual([
      { path: 'spec.networkConfig.ipFamilyPolicy', message: NEEDS_DUAL },
    ]);
    expect(families({ ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' })).toEqual([]);
    expect(families({ ipFamilies: ['IPv6'] })).toEqual([]);
    expect(families({ ipFamilyPolicy: 'PreferDualStack' })).toEqual([]);
  });

  it('refuses unknown families, a family twice and more than two', () => {
    expect(families({ ipFamilies: ['IPv5'] })).toEqual([
      { path: 'spec.networkConfig.ipFamilies[0]', message: 'must be one of IPv4, IPv6' },
    ]);
    expect(families({ ipFamilies: ['IPv4', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' })).toEqual([
      { path: 'spec.networkConfig.ipFamilies[1]', message: 'duplicate value' },
    ]);
    expect(families({ ipFamilies: [] })).toEqual([
      { path: 'spec.networkConfig.ipFamilies', message: 'must have at least 1 items' },
    ]);
  });
});

describe('data-plane profile (spec.performance)', () => {
  const PIN_QOS =
    'performance.cpuPinning requires performance.qos Guaranteed (the static CPU manager pins only Guaranteed pods)';
  const PIN_CPU =
    "performance.cpuPinning requires resources.requests.cpu as a whole number of CPUs, e.g. '4' (not 4000m or 3.5: the static CPU manager pins only whole CPUs)";
  const GUARANTEED =
    'performance.qos Guaranteed requires every resources.limits value to equal its resources.requests value (one given alone is used for both)';
  const EQUAL =
    'resources.limits of hugepages and extended resources must equal their resources.requests (Kubernetes does not overcommit them; one given alone is used for both)';
  const spec = (performance: unknown, resources: unknown): ValidationIssue[] =>
    issuesOf({ ...(performance === undefined ? {} : { performance }), resources });
  const pinned = { qos: 'Guaranteed', cpuPinning: true };

  it('accepts Guaranteed pinning on whole CPUs with equal requests and limits', () => {
    const r = { cpu: '4', memory: '4Gi', 'hugepages-1Gi': '2Gi' };
    expect(spec(pinned, { requests: r, limits: r })).toEqual([]);
    expect(spec(pinned, { requests: { cpu: '12' } })).toEqual([]);
    expect(spec(pinned, { requests: { cpu: 3 }, limits: { memory: '8Gi' } })).toEqual([]);
    expect(spec({ qos: 'Burstable' }, { requests: { cpu: '1' }, limits: { cpu: '2' } })).toEqual([]);
  });

  it.each<[string, unknown, unknown, ValidationIssue[]]>([
    [
      'pinning without Guaranteed',
      { cpuPinning: true },
      { requests: { cpu: '2' } },
      [{ path: 'spec.performance.qos', message: PIN_QOS }],
    ],
    [
      'pinning with Burstable',
      { qos: 'Burstable', cpuPinning: true },
      { requests: { cpu: '2' } },
      [{ path: 'spec.performance.qos', message: PIN_QOS }],
    ],
    [
      'pinning on a fraction of a CPU',
      pinned,
      { requests: { cpu: '1500m' } },
      [{ path: 'spec.resources.requests.cpu', message: PIN_CPU }],
    ],
    [
      'pinning without a cpu request',
      pinned,
      { limits: { cpu: '2' } },
      [{ path: 'spec.resources.requests.cpu', message: PIN_CPU }],
    ],
    [
      'Guaranteed with a higher limit',
      { qos: 'Guaranteed' },
      { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '8Gi' } },
      [{ path: 'spec.resources.limits', message: GUARANTEED }],
    ],
    [
      'hugepages with a different limit',
      undefined,
      { requests: { 'hugepages-2Mi': '1Gi' }, limits: { 'hugepages-2Mi': '2Gi' } },
      [{ path: 'spec.resources.limits', message: EQUAL }],
    ],
    [
      'an SR-IOV device with a different limit',
      undefined,
      { requests: { 'intel.com/sriov': '1' }, limits: { 'intel.com/sriov': '2' } },
      [{ path: 'spec.resources.limits', message: EQUAL }],
    ],
    [
      'an unknown QoS class',
      { qos: 'BestEffort' },
      undefined,
      [{ path: 'spec.performance.qos', message: 'must be one of Guaranteed, Burstable' }],
    ],
  ])('refuses %s', (_name, performance, resources, issues) => {
    expect(spec(performance, resources)).toEqual(issues);
  });

  it('reads resource names as own properties only', () => {
    const requests = JSON.parse('{"cpu":"1","__proto__":"1"}') as Record<string, unknown>;
    const limits = JSON.parse('{"cpu":"1","constructor":"2"}') as Record<string, unknown>;
    expect(spec({ qos: 'Guaranteed' }, { requests, limits }).map((i) => i.message)).not.toContain(GUARANTEED);
  });
});

describe('placement', () => {
  const placed = (placement: unknown): ValidationIssue[] => issuesOf({ placement });
  const KEYS =
    'placement.nodeSelector keys must be label keys, [<DNS subdomain>/]<name> (e.g. kubernetes.io/hostname)';

  it('accepts a node selector, tolerations and topology spread as Kubernetes takes them', () => {
    expect(
      placed({
        nodeSelector: { 'feature.node.kubernetes.io/network-sriov.capable': 'true', zone: '' },
        tolerations: [
          { key: 'dp', operator: 'Exists', effect: 'NoSchedule' },
          { operator: 'Exists' },
          { key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 60 },
        ],
        topologySpread: [
          { topologyKey: 'kubernetes.io/hostname' },
          { topologyKey: 'topology.kubernetes.io/zone', maxSkew: 2 },
        ],
      }),
    ).toEqual([]);
  });

  it.each<[string, unknown, ValidationIssue[]]>([
    [
      'a node selector key that is no label key',
      { nodeSelector: { '-x': 'a' } },
      [{ path: 'spec.placement.nodeSelector', message: KEYS }],
    ],
    [
      'an over-long node selector key',
      { nodeSelector: { [`${'a'.repeat(300)}/${'b'.repeat(20)}`]: 'a' } },
      [{ path: 'spec.placement.nodeSelector', message: KEYS }],
    ],
    [
      'a node selector value that is no label value',
      { nodeSelector: { zone: 'a b' } },
      [
        {
          path: 'spec.placement.nodeSelector.zone',
          message:
            'must be a label value: letters, digits, "-", "_" and ".", starting and ending with a letter or digit (or empty)',
        },
      ],
    ],
    [
      'a value with operator Exists',
      { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] },
      [
        {
          path: 'spec.placement.tolerations[0].value',
          message: 'a toleration with operator Exists has no value',
        },
      ],
    ],
    [
      'no key without operator Exists',
      { tolerations: [{ value: 'v' }] },
      [
        {
          path: 'spec.placement.tolerations[0].operator',
          message: 'a toleration without a key must have operator Exists (it then tolerates every taint)',
        },
      ],
    ],
    [
      'tolerationSeconds without NoExecute',
      { tolerations: [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }] },
      [
        {
          path: 'spec.placement.tolerations[0].tolerationSeconds',
          message: 'tolerationSeconds applies to effect NoExecute only',
        },
      ],
    ],
    [
      'an unknown taint effect',
      { tolerations: [{ key: 'k', effect: 'Evict' }] },
      [
        {
          path: 'spec.placement.tolerations[0].effect',
          message: 'must be one of NoSchedule, PreferNoSchedule, NoExecute',
        },
      ],
    ],
    [
      'a topology key twice',
      { topologySpread: [{ topologyKey: 'zone' }, { topologyKey: 'zone', maxSkew: 2 }] },
      [
        {
          path: 'spec.placement.topologySpread[1]',
          message: 'duplicate entry: topologyKey="zone" is used more than once',
        },
      ],
    ],
    [
      'a topology key that is no label key',
      { topologySpread: [{ topologyKey: 'a//b' }] },
      [
        {
          path: 'spec.placement.topologySpread[0].topologyKey',
          message: 'must be a label key, [<DNS subdomain>/]<name>, e.g. kubernetes.io/hostname',
        },
      ],
    ],
    [
      'a toleration key that is no label key',
      { tolerations: [{ key: 'a b', operator: 'Exists' }] },
      [
        {
          path: 'spec.placement.tolerations[0].key',
          message: 'must be a label key, [<DNS subdomain>/]<name>, or empty',
        },
      ],
    ],
    [
      'a zero skew',
      { topologySpread: [{ topologyKey: 'zone', maxSkew: 0 }] },
      [{ path: 'spec.placement.topologySpread[0].maxSkew', message: 'must be at least 1' }],
    ],
  ])('refuses %s', (_name, placement, issues) => {
    expect(placed(placement)).toEqual(issues);
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

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- parsed YAML */
// Package builder tests (seed Task 1.2: TestPackageBuilder_BuildPackage_AMF/UPF), golden files for
// the examples (UPDATE_GOLDEN=1 npm run test:unit -- render to regenerate), determinism and a
// property test over schema-valid specs.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import {
  RenderError,
  cniConfig,
  computeContentHash,
  readContentHash,
  RENDER_CACHE_ENTRIES,
  clearRenderCache,
  renderCacheSize,
  renderPackage,
  renderPackageUncached,
  slug,
  toYaml,
  type RenderInput,
} from '../../lib/render/index.ts';
import { selectorString } from '../../lib/labels.ts';
import { FUNCTIONS, getCatalogEntry, functionsForType } from '../../lib/catalog.ts';
import { parseCNFDeployment, validateCNFDeployment } from '../../lib/validate.ts';
import { defaultPackageName } from '../../lib/naming.ts';
import {
  ANNOTATION_CONFIG_HASH,
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_RESTART_GENERATION,
  LABEL_CNF,
  LABEL_CNF_TYPE,
  LABEL_FUNCTION,
} from '../../lib/labels.ts';
import { compareQuantities } from '../../lib/quantity.ts';
import type { CNFDeploymentSpec, CNFType } from '../../lib/types.ts';

type Obj = Record<string, any>;
const root = fileURLToPath(new URL('../..', import.meta.url));

function inputFromExample(file: string, repository = 'deployments'): RenderInput {
  const cnf = parseCNFDeployment(parse(readFileSync(`${root}examples/${file}`, 'utf8')));
  const namespace = cnf.metadata.namespace ?? 'default';
  return {
    name: cnf.metadata.name,
    namespace,
    spec: cnf.spec,
    packageName: defaultPackageName(namespace, cnf.metadata.name, cnf.spec),
    repository: cnf.spec.porch?.repository ?? repository,
  };
}

const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj);
const doc = (files: Record<string, string>, path: string): Obj => parse(files[path]!) as Obj;
const container = (files: Record<string, string>): Obj =>
  doc(files, 'deployment.yaml').spec.template.spec.containers[0];

describe('PackageBuilder', () => {
  it('BuildPackage AMF: all package files, the seed spec carried through', () => {
    const { files, contentHash } = renderPackage(inputFromExample('amf.yaml'));
    expect(Object.keys(files)).toEqual([
      'Kptfile',
      'configmap.yaml',
      'deployment.yaml',
      'function-config.yaml',
      'service.yaml',
    ]);
    expect(contentHash).toMatch(/^[0-9a-f]{64}$/);
    const kpt = doc(files, 'Kptfile');
    expect(kpt).toMatchObject({ apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name: 'test-amf' } });
    expect(kpt.metadata.annotations[ANNOTATION_CONTENT_HASH]).toBe(contentHash);
    const dep = doc(files, 'deployment.yaml');
    expect(dep.metadata).toMatchObject({ name: 'test-amf', namespace: 'default' });
    expect(dep.metadata.annotations[ANNOTATION_CONTENT_HASH]).toBe(contentHash);
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.progressDeadlineSeconds).toBe(300);
    const c = container(files);
    expect(c.image).toBe('docker.io/free5gc/amf:v3.4.4');
    expect(c.resources).toEqual({
      requests: { cpu: '1', memory: '2Gi' },
      limits: { cpu: '2', memory: '4Gi' },
    });
    expect(c.ports).toContainEqual({ name: 'ngap', containerPort: 38412, protocol: 'SCTP' });
    expect(c.readinessProbe.tcpSocket.port).toBe(80);
    const svc = doc(files, 'service.yaml');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toContainEqual({ name: 'ngap', port: 38412, targetPort: 38412, protocol: 'SCTP' });
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(selectorString('test-amf')).toBe('app.kubernetes.io/instance=test-amf,nephoran.com/cnf=test-amf');
    expect(doc(files, 'function-config.yaml').spec).toMatchObject({ type: '5G-Core', function: 'AMF' });
  });

  it('BuildPackage UPF: Multus interfaces, NADs, NET_ADMIN, static addresses → Recreate', () => {
    const { files } = renderPackage(inputFromExample('upf.yaml'));
    expect(Object.keys(files)).toContain('network-attachment-def.yaml');
    const nads = docs(files['network-attachment-def.yaml']!);
    expect(nads.map((n) => n.metadata.name)).toEqual(['edge-upf-n3', 'edge-upf-n4', 'edge-upf-n6']);
    const n3 = JSON.parse(nads[0]!.spec.config as string) as Obj;
    expect(n3).toEqual({
      cniVersion: '0.3.1',
      name: 'edge-upf-n3',
      plugins: [
        {
          type: 'macvlan',
          capabilities: { ips: true },
          master: 'eth1.103',
          mode: 'bridge',
          ipam: { type: 'static', addresses: [{ address: '10.10.3.10/24', gateway: '10.10.3.1' }] },
        },
      ],
    });
    expect((JSON.parse(nads[2]!.spec.config as string) as Obj).plugins[0]).toMatchObject({
      type: 'ipvlan',
      mode: 'l2',
    });
    const dep = doc(files, 'deployment.yaml');
    const networks = JSON.parse(
      dep.spec.template.metadata.annotations['k8s.v1.cni.cncf.io/networks'] as string,
    );
    expect(networks).toEqual([
      { name: 'edge-upf-n3', namespace: 'default', interface: 'n3' },
      { name: 'edge-upf-n4', namespace: 'default', interface: 'n4' },
      { name: 'edge-upf-n6', namespace: 'default', interface: 'n6' },
    ]);
    expect(dep.spec.strategy).toEqual({ type: 'Recreate' });
    expect(dep.spec.progressDeadlineSeconds).toBe(600);
    const c = container(files);
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN'] });
    expect(c.resources.requests['hugepages-2Mi']).toBe('1Gi');
    expect(c.readinessProbe).toBeUndefined(); // UDP only: no probe that could lie
    const svcPorts = doc(files, 'service.yaml').spec.ports as Obj[];
    expect(svcPorts.map((p) => `${p.port as number}/${p.protocol as string}`)).toEqual([
      '2152/UDP',
      '8805/UDP',
    ]);
    expect(doc(files, 'configmap.yaml').data['config.yaml']).toBe(
      'dnn:\n  - cidr: 10.60.0.0/16\n    name: internet\npfcp:\n  nodeID: 10.10.4.10\n',
    );
    expect(doc(files, 'function-config.yaml').spec.dependencies).toEqual(['smf']);
  });

  it('BuildPackage O-DU: SR-IOV device requested per interface, resourceName on the NAD', () => {
    const { files } = renderPackage(inputFromExample('odu.yaml'));
    const nads = docs(files['network-attachment-def.yaml']!);
    expect(nads[1]!.metadata.annotations).toEqual({
      'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_fh',
    });
    expect(JSON.parse(nads[1]!.spec.config as string)).toEqual({
      cniVersion: '0.3.1',
      name: 'odu-cell-1-fh',
      plugins: [{ type: 'sriov', vlan: 10 }],
    });
    expect(container(files).resources.limits['intel.com/sriov_fh']).toBe('1');
    expect(doc(files, 'Kptfile').metadata.name).toBe('odu-cell-1');
  });

  it('puts the common labels and the namespace on every namespaced object', () => {
    for (const example of ['amf.yaml', 'upf.yaml', 'odu.yaml']) {
      const input = inputFromExample(example);
      const { files } = renderPackage(input);
      for (const [path, text] of Object.entries(files)) {
        for (const d of docs(text)) {
          expect([path, d.metadata.labels]).toEqual([
            path,
            expect.objectContaining({
              'app.kubernetes.io/name': slug(input.spec.function),
              'app.kubernetes.io/instance': input.name,
              'app.kubernetes.io/component': slug(input.spec.type),
              'app.kubernetes.io/part-of': 'nephoran',
              'app.kubernetes.io/managed-by': 'nephoran-cnf-controller',
              [LABEL_CNF]: input.name,
              [LABEL_FUNCTION]: input.spec.function,
              [LABEL_CNF_TYPE]: input.spec.type,
            }),
          ]);
          if (d.kind !== 'Kptfile') expect([path, d.metadata.namespace]).toEqual([path, input.namespace]);
        }
      }
    }
  });
});

describe('golden files (tests/golden/<example>/<file>)', () => {
  const update = process.env.UPDATE_GOLDEN === '1';
  it.each(['amf', 'upf', 'odu'])('%s matches its golden package', (example) => {
    const { files } = renderPackage(inputFromExample(`${example}.yaml`));
    const dir = `${root}tests/golden/${example}`;
    if (update) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [path, text] of Object.entries(files)) writeFileSync(`${dir}/${path}`, text);
    }
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(files).sort());
    for (const [path, text] of Object.entries(files)) {
      expect([path, text]).toEqual([path, readFileSync(`${dir}/${path}`, 'utf8')]);
    }
  });
});

describe('determinism and hashes', () => {
  const base = inputFromExample('amf.yaml');
  const with_ = (spec: Partial<CNFDeploymentSpec>, extra: Partial<RenderInput> = {}): RenderInput => ({
    ...base,
    ...extra,
    spec: { ...base.spec, ...spec },
  });

  it('same input → same bytes, whatever the key order of configuration', () => {
    const a = renderPackage(with_({ configuration: { b: 1, a: { d: [1, 2], c: 'x' } } }));
    const b = renderPackage(with_({ configuration: { a: { c: 'x', d: [1, 2] }, b: 1 } }));
    expect(b).toEqual(a);
    expect(renderPackage(base)).toEqual(renderPackage(structuredClone(base)));
  });

  it('different input → different content hash', () => {
    const hashes = new Set(
      [
        base,
        with_({ replicas: 3 }),
        with_({ configuration: { x: 1 } }),
        with_({ image: 'docker.io/free5gc/amf:v3.4.5' }),
        with_({}, { namespace: 'other' }),
        with_({}, { restartGeneration: 1 }),
      ].map((i) => renderPackage(i).contentHash),
    );
    expect(hashes.size).toBe(6);
  });

  it('the content hash is the hash of the files without the hash annotation (documented method)', () => {
    const { files, contentHash } = renderPackage(base);
    const strip = (text: string): string =>
      text
        .replace(/\n {4}nephoran\.com\/content-hash: [0-9a-f]{64}/, '')
        .replace(/\n {2}annotations:(?=\nspec:)/, '');
    const stripped = Object.fromEntries(Object.entries(files).map(([p, t]) => [p, strip(t)]));
    expect(computeContentHash(stripped)).toBe(contentHash);
    expect(readContentHash(files.Kptfile)).toBe(contentHash);
    // The annotation is inserted into the serialized files, not serialized with them: the result
    // is what serializing the annotated objects in one go prints.
    for (const f of ['Kptfile', 'deployment.yaml']) expect(toYaml(parse(files[f]!))).toBe(files[f]);
    expect(readContentHash('kind: Kptfile\n')).toBeNull();
    expect(readContentHash(': : :\n\t- [')).toBeNull();
  });

  it('scaling does not change the pod template; configuration does; restartGeneration annotates it', () => {
    const template = (i: RenderInput): Obj => doc(renderPackage(i).files, 'deployment.yaml').spec.template;
    expect(template(with_({ replicas: 5 }))).toEqual(template(base));
    const changed = template(with_({ configuration: { plmn: '00101' } }));
    expect(changed.metadata.annotations[ANNOTATION_CONFIG_HASH]).not.toBe(
      template(base).metadata.annotations[ANNOTATION_CONFIG_HASH],
    );
    expect(template(base).metadata.annotations[ANNOTATION_RESTART_GENERATION]).toBeUndefined();
    expect(
      template(with_({}, { restartGeneration: 0 })).metadata.annotations[ANNOTATION_RESTART_GENERATION],
    ).toBe(undefined);
    expect(
      template(with_({}, { restartGeneration: 2 })).metadata.annotations[ANNOTATION_RESTART_GENERATION],
    ).toBe('2');
  });
});

describe('memoization', () => {
  const base = inputFromExample('amf.yaml');
  const at = (i: number, spec: Partial<CNFDeploymentSpec> = {}): RenderInput => ({
    ...base,
    name: `amf-${i}`,
    packageName: `default/amf-${i}`,
    spec: { ...base.spec, ...spec },
  });

  it('returns what the uncached renderer returns, on a miss and on a hit', () => {
    const want = renderPackageUncached(base);
    expect(renderPackage(base)).toEqual(want);
    expect(renderPackage(structuredClone(base))).toEqual(want);
  });

  it('callers cannot change a cached package, and later changes to the input are seen', () => {
    const input = at(0, { configuration: { a: 1 } });
    const first = renderPackage(input);
    const want = structuredClone(first);
    first.files['Kptfile'] = 'changed';
    delete first.files['service.yaml'];
    first.contentHash = 'changed';
    expect(renderPackage(input)).toEqual(want);
    (input.spec.configuration as Obj).a = 2;
    expect(renderPackage(input)).toEqual(renderPackageUncached(input));
    expect(renderPackage(input).contentHash).not.toBe(want.contentHash);
  });

  it('tells apart inputs that render differently: key order, -0, undefined, null', () => {
    const variants: RenderInput[] = [
      at(1, { configuration: { x: 0 } }),
      at(1, { configuration: { x: -0 } }),
      at(1, { configuration: { x: null } }),
      at(1, { configuration: { x: [undefined] } }),
      at(1, { configuration: { x: [null] } }),
      at(1, { configuration: { x: 'u' } }),
      at(1, {
        networkConfig: {
          interfaces: [
            { name: 'n3', cniType: 'macvlan', ipv4: { address: '10.0.0.2/24', gateway: '10.0.0.1' } },
          ],
        },
      }),
      at(1, {
        networkConfig: {
          interfaces: [
            { name: 'n3', cniType: 'macvlan', ipv4: { gateway: '10.0.0.1', address: '10.0.0.2/24' } },
          ],
        },
      }),
      { ...at(1), restartGeneration: 0 },
      { ...at(1), restartGeneration: 2 },
    ];
    for (const v of variants) renderPackage(v); // fill the cache in one order ...
    for (const v of [...variants].reverse()) expect(renderPackage(v)).toEqual(renderPackageUncached(v)); // ... read in another
    expect(renderPackage(variants[0]!).files['configmap.yaml']).not.toBe(
      renderPackage(variants[1]!).files['configmap.yaml'],
    );
    expect(renderPackage(variants[6]!).files['function-config.yaml']).not.toBe(
      renderPackage(variants[7]!).files['function-config.yaml'],
    );
  });

  it('does not cache inputs it cannot key exactly, nor failures', () => {
    const before = renderCacheSize();
    class Box {
      v = 1;
    }
    const odd = at(2, {
      configuration: { box: new Box() },
    });
    expect(renderPackage(odd)).toEqual(renderPackageUncached(odd));
    const oddArray = at(2, { configuration: { list: [1n] as unknown } });
    expect(renderPackage(oddArray)).toEqual(renderPackageUncached(oddArray));
    expect(renderCacheSize()).toBe(before);
    const bad = at(2, { function: 'NOPE' });
    expect(() => renderPackage(bad)).toThrow(RenderError);
    expect(() => renderPackage(bad)).toThrow(RenderError);
    expect(renderCacheSize()).toBe(before);
    const nullProto = at(2, { configuration: Object.assign(Object.create(null) as Obj, { k: true }) });
    expect(renderPackage(nullProto)).toEqual(renderPackageUncached(nullProto));
    expect(renderCacheSize()).toBe(Math.min(before + 1, RENDER_CACHE_ENTRIES));
  });

  it('caches big inputs too, keyed by the SHA-256 of their encoding (a resync does not render again)', () => {
    clearRenderCache();
    const big = at(2, { configuration: { blob: 'x'.repeat(20_000) } });
    expect(renderPackage(big)).toEqual(renderPackageUncached(big));
    expect(renderCacheSize()).toBe(1);
    expect(renderPackage(big)).toEqual(renderPackageUncached(big));
    expect(renderCacheSize()).toBe(1);
    // One character apart: another key, another entry.
    const other = at(2, { configuration: { blob: 'x'.repeat(19_999) + 'y' } });
    expect(renderPackage(other).contentHash).not.toBe(renderPackage(big).contentHash);
    expect(renderCacheSize()).toBe(2);
  });

  it('is bounded', () => {
    for (let i = 0; i < RENDER_CACHE_ENTRIES + 20; i++) renderPackage(at(100 + i));
    expect(renderCacheSize()).toBe(RENDER_CACHE_ENTRIES);
    expect(renderPackage(at(100))).toEqual(renderPackageUncached(at(100))); // evicted, rendered again
    expect(renderCacheSize()).toBe(RENDER_CACHE_ENTRIES);
    clearRenderCache();
    expect(renderCacheSize()).toBe(0);
  });
});

describe('resources, ports and probes', () => {
  const amf = inputFromExample('amf.yaml');
  const res = (resources: CNFDeploymentSpec['resources']): Obj => {
    const spec: CNFDeploymentSpec = { ...amf.spec };
    delete spec.resources;
    if (resources) spec.resources = resources;
    return container(renderPackage({ ...amf, spec }).files).resources;
  };

  it('takes catalog defaults for what the spec leaves out and keeps limits ≥ requests', () => {
    expect(res(undefined)).toEqual({
      requests: { cpu: '1', memory: '2Gi' },
      limits: { cpu: '2', memory: '4Gi' },
    });
    expect(res({ requests: { cpu: '8' } })).toEqual({
      requests: { cpu: '8', memory: '2Gi' },
      limits: { cpu: '8', memory: '4Gi' },
    });
    expect(res({ limits: { memory: '1Gi' } })).toEqual({
      requests: { cpu: '1', memory: '1Gi' },
      limits: { cpu: '2', memory: '1Gi' },
    });
    expect(res({ limits: { 'nvidia.com/gpu': 1 } }).limits['nvidia.com/gpu']).toBe(1);
  });

  it('adds exposePorts once, keeps SCTP/UDP, uses HTTP probes where the catalog has them', () => {
    const ric: RenderInput = {
      name: 'ric',
      namespace: 'ricplt',
      packageName: 'ricplt/ric',
      repository: 'deployments',
      spec: {
        type: 'O-RAN',
        function: 'Near-RT-RIC',
        networkConfig: { exposePorts: [10000, 9090], serviceType: 'NodePort' },
      },
    };
    const { files } = renderPackage(ric);
    const svc = doc(files, 'service.yaml');
    expect(svc.spec.type).toBe('NodePort');
    expect((svc.spec.ports as Obj[]).map((p) => p.name)).toEqual(['a1', 'e2', 'submgr', 'port-9090']);
    expect(container(files).readinessProbe.httpGet).toEqual({ path: '/A1-P/v2/healthcheck', port: 10000 });
    expect(container(files).securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  it('uses the catalog command for multi-daemon images', () => {
    const scp: RenderInput = {
      name: 'scp',
      namespace: 'core',
      packageName: 'core/scp',
      repository: 'r',
      spec: { type: '5G-Core', function: 'SCP' },
    };
    expect(container(renderPackage(scp).files).command).toEqual(['open5gs-scpd']);
  });

  it('renders CNI configs for every plugin, with and without master, VLAN and addresses', () => {
    expect(JSON.parse(cniConfig('x', { name: 'a', cniType: 'ipvlan' }))).toEqual({
      cniVersion: '0.3.1',
      name: 'x-a',
      plugins: [{ type: 'ipvlan', capabilities: { ips: true }, mode: 'l2' }],
    });
    expect(
      JSON.parse(
        cniConfig('x', { name: 'b', cniType: 'sriov', master: 'r/x', ipv4: { address: '1.2.3.4/24' } }),
      ),
    ).toEqual({
      cniVersion: '0.3.1',
      name: 'x-b',
      plugins: [{ type: 'sriov', ipam: { type: 'static', addresses: [{ address: '1.2.3.4/24' }] } }],
    });
  });

  it('throws a typed RenderError only for inputs validation rejects', () => {
    expect(() => renderPackage({ ...amf, spec: { ...amf.spec, function: 'MME' } })).toThrow(RenderError);
    try {
      renderPackage({ ...amf, repository: 'Bad_Repo' });
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(RenderError);
      expect((e as RenderError).issues[0]?.path).toBe('spec.porch.repository');
      expect((e as RenderError).errorClass).toBe('Configuration');
    }
  });
});

// ---- property test -----------------------------------------------------------------------------------

const CPU = ['100m', '250m', '500m', '1', 1, '1500m', '2', 2, '3', '4', '8'];
const MEMORY = ['128Mi', '256Mi', '512Mi', '1G', '1Gi', '2Gi', '3000Mi', '4Gi', '8Gi', '16Gi'];

/** A pair request ≤ limit from a list sorted ascending, both ≥ min (when given). */
function pair(values: Array<string | number>, min?: string) {
  const allowed = values.filter((v) => min === undefined || (compareQuantities(v, min) ?? -1) >= 0);
  return fc
    .tuple(fc.nat(allowed.length - 1), fc.nat(allowed.length - 1))
    .map(([a, b]) => [allowed[Math.min(a, b)]!, allowed[Math.max(a, b)]!] as const);
}

const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

const specArb = fc
  .record({
    type: fc.constantFrom<CNFType>('5G-Core', 'O-RAN', 'Edge', 'Custom'),
    pick: fc.nat(),
    maxReplicas: fc.integer({ min: 1, max: 100 }),
    replicasFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    interfaces: fc.uniqueArray(
      fc.record({
        name: fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/),
        cniType: fc.constantFrom('macvlan' as const, 'ipvlan' as const, 'sriov' as const),
        master: fc.option(fc.constantFrom('eth1', 'bond0', 'intel.com/sriov_a'), { nil: undefined }),
        vlanID: fc.option(fc.integer({ min: 1, max: 4094 }), { nil: undefined }),
        ipv4: fc.option(
          fc.record({
            address: fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
            gateway: fc.option(ipv4, { nil: undefined }),
          }),
          { nil: undefined },
        ),
      }),
      { maxLength: 4, selector: (i) => i.name },
    ),
    exposePorts: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 4 }),
    serviceType: fc.option(
      fc.constantFrom('ClusterIP' as const, 'NodePort' as const, 'LoadBalancer' as const),
      { nil: undefined },
    ),
    configuration: fc.option(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
      { nil: undefined },
    ),
    dependencies: fc.uniqueArray(dnsLabel, { maxLength: 3 }),
    withResources: fc.boolean(),
    cpu: fc.nat(),
    mem: fc.nat(),
    image: fc.option(
      fc.constantFrom('registry.local:5000/cnf/app:v1.0.0', `quay.io/x/y@sha256:${'a'.repeat(64)}`),
      { nil: undefined },
    ),
  })
  .chain((r) => {
    const fns = functionsForType(r.type);
    const fn = fns[r.pick % fns.length]!;
    const min = getCatalogEntry(fn)!.minimum;
    return fc.tuple(fc.constant(r), fc.constant(fn), pair(CPU, min?.cpu), pair(MEMORY, min?.memory));
  })
  .map(([r, fn, cpu, mem]): CNFDeploymentSpec => {
    const interfaces = r.interfaces.map((i) => {
      // An SR-IOV master is a device plugin resource name (<domain>/<name>); a host interface otherwise.
      const master =
        i.cniType === 'sriov'
          ? i.master?.includes('/') === true
            ? i.master
            : 'intel.com/sriov_netdevice'
          : i.master;
      return {
        name: i.name,
        cniType: i.cniType,
        ...(master !== undefined ? { master } : {}),
        ...(i.vlanID !== undefined ? { vlanID: i.vlanID } : {}),
        ...(i.ipv4 !== undefined
          ? {
              ipv4: {
                address: i.ipv4.address,
                ...(i.ipv4.gateway !== undefined ? { gateway: i.ipv4.gateway } : {}),
              },
            }
          : {}),
      };
    });
    const staticAddr = interfaces.some((i) => i.ipv4 !== undefined);
    const maxR = staticAddr ? Math.min(1, r.maxReplicas) : r.maxReplicas;
    return {
      type: r.type,
      function: fn,
      replicas: Math.floor(r.replicasFraction * maxR),
      maxReplicas: r.maxReplicas,
      ...(r.image !== undefined ? { image: r.image } : {}),
      ...(r.withResources
        ? {
            resources: { requests: { cpu: cpu[0], memory: mem[0] }, limits: { cpu: cpu[1], memory: mem[1] } },
          }
        : {}),
      ...(r.configuration !== undefined ? { configuration: r.configuration } : {}),
      networkConfig: {
        interfaces,
        exposePorts: r.exposePorts,
        ...(r.serviceType !== undefined ? { serviceType: r.serviceType } : {}),
      },
      dependencies: r.dependencies,
    };
  });

describe('property: every schema-valid spec renders', () => {
  it('validates, renders without throwing, parses, and keeps replicas and limits ≥ requests', () => {
    fc.assert(
      fc.property(specArb, dnsLabel, (spec, name) => {
        const result = validateCNFDeployment({
          apiVersion: 'nephoran.com/v1',
          kind: 'CNFDeployment',
          metadata: { name, namespace: 'ns' },
          spec,
        });
        if (!result.ok) throw new Error(JSON.stringify(result.issues));
        const defaulted = result.value.spec;
        const rendered = renderPackage({
          name,
          namespace: 'ns',
          spec: defaulted,
          packageName: `ns/${name}`,
          repository: 'repo',
        });
        for (const text of Object.values(rendered.files)) {
          for (const d of parseAllDocuments(text)) expect(d.errors).toEqual([]);
        }
        expect(
          renderPackageUncached({
            name,
            namespace: 'ns',
            spec: defaulted,
            packageName: `ns/${name}`,
            repository: 'repo',
          }),
        ).toEqual(rendered);
        // The hash annotation is spliced into these two: exactly what one stringify would print.
        for (const f of ['Kptfile', 'deployment.yaml']) {
          expect(toYaml(parse(rendered.files[f]!))).toBe(rendered.files[f]);
        }
        const dep = doc(rendered.files, 'deployment.yaml');
        expect(dep.spec.replicas).toBe(spec.replicas);
        const c = dep.spec.template.spec.containers[0] as Obj;
        for (const r of ['cpu', 'memory']) {
          expect(compareQuantities(c.resources.limits[r], c.resources.requests[r])).toBeGreaterThanOrEqual(0);
        }
        expect('network-attachment-def.yaml' in rendered.files).toBe(
          (spec.networkConfig?.interfaces ?? []).length > 0,
        );
        expect(
          renderPackage({
            name,
            namespace: 'ns',
            spec: defaulted,
            packageName: `ns/${name}`,
            repository: 'repo',
          }),
        ).toEqual(rendered);
      }),
      { numRuns: 100 },
    );
  });

  it('every catalog function renders with catalog defaults alone', () => {
    for (const fn of FUNCTIONS) {
      const spec: CNFDeploymentSpec = { type: 'Custom', function: fn };
      expect(() =>
        renderPackage({ name: 'x', namespace: 'ns', spec, packageName: 'ns/x', repository: 'r' }),
      ).not.toThrow();
    }
  });
});

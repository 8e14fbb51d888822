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
import { FUNCTIONS, getCatalogEntry, functionsForType, profileSpec } from '../../lib/catalog.ts';
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
import type {
  CNFDeploymentSpec,
  CNFType,
  NetworkConfig,
  NetworkInterface,
  PerformanceSpec,
  Toleration,
} from '../../lib/types.ts';

type Obj = Record<string, any>;
const root = fileURLToPath(new URL('../..', import.meta.url));

/** An example's CNFDeployment: the one named, else the file's last document (what it is about). */
function inputFromExample(file: string, repository = 'deployments', name?: string): RenderInput {
  const all = parseAllDocuments(readFileSync(`${root}examples/${file}`, 'utf8')).map((d) => d.toJS() as Obj);
  const cnf = parseCNFDeployment(
    name === undefined ? all.at(-1) : all.find((d) => d.metadata?.name === name),
  );
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

  it('BuildPackage UPF: 3 replicas on address pools (whereabouts), IPv4 on N3/N4, IPv6 on N6', () => {
    const { files } = renderPackage(inputFromExample('upf.yaml'));
    expect(Object.keys(files)).toContain('network-attachment-def.yaml');
    const nads = docs(files['network-attachment-def.yaml']!);
    expect(nads.map((n) => n.metadata.name)).toEqual(['edge-upf-n3', 'edge-upf-n4', 'edge-upf-n6']);
    const config = (i: number): Obj => JSON.parse(nads[i]!.spec.config as string) as Obj;
    // N3: an SR-IOV VF from an IPv4 pool; its gateway is never handed out; MTU through tuning.
    expect(config(0)).toEqual({
      cniVersion: '0.3.1',
      name: 'edge-upf-n3',
      plugins: [
        {
          type: 'sriov',
          vlan: 103,
          ipam: {
            type: 'whereabouts',
            range: '10.10.3.0/24',
            gateway: '10.10.3.1',
            exclude: ['10.10.3.0/28'], // covers the gateway already
          },
        },
        { type: 'tuning', mtu: 9000 },
      ],
    });
    expect(config(1).plugins[0]).toMatchObject({
      type: 'macvlan',
      master: 'eth1.104',
      ipam: { type: 'whereabouts', range: '10.10.4.0/24' },
    });
    expect(config(2).plugins).toEqual([
      {
        type: 'ipvlan',
        capabilities: { ips: true },
        master: 'eth2',
        mode: 'l2',
        mtu: 1500,
        ipam: {
          type: 'whereabouts',
          range: 'fd00:10:6::/64',
          gateway: 'fd00:10:6::1',
          exclude: ['fd00:10:6::1/128'],
        },
      },
    ]);
    expect(nads[0]!.metadata.annotations).toEqual({
      'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_netdevice',
    });
    const dep = doc(files, 'deployment.yaml');
    expect(dep.spec.replicas).toBe(3);
    const networks = JSON.parse(
      dep.spec.template.metadata.annotations['k8s.v1.cni.cncf.io/networks'] as string,
    );
    expect(networks).toEqual([
      { name: 'edge-upf-n3', namespace: 'default', interface: 'n3' },
      { name: 'edge-upf-n4', namespace: 'default', interface: 'n4' },
      { name: 'edge-upf-n6', namespace: 'default', interface: 'n6' },
    ]);
    // Pools hand every pod its own addresses: a surge pod is fine.
    expect(dep.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(dep.spec.progressDeadlineSeconds).toBe(600);
    const c = container(files);
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN'] });
    // Guaranteed: every limit equals its request; one VF for N3.
    const want = { cpu: '4', 'hugepages-1Gi': '2Gi', 'intel.com/sriov_netdevice': '1', memory: '8Gi' };
    expect(c.resources).toEqual({ requests: want, limits: want });
    expect(c.volumeMounts).toContainEqual({ name: 'hugepages-1gi', mountPath: '/hugepages-1Gi' });
    const pod = dep.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'hugepages-1gi', emptyDir: { medium: 'HugePages-1Gi' } });
    expect(pod.nodeSelector).toEqual({ 'feature.node.kubernetes.io/network-sriov.capable': 'true' });
    expect(pod.tolerations).toEqual([
      { key: 'nephoran.com/data-plane', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(pod.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: dep.spec.selector.matchLabels },
      },
    ]);
    expect(c.readinessProbe).toBeUndefined(); // UDP only: no probe that could lie
    const svcPorts = doc(files, 'service.yaml').spec.ports as Obj[];
    expect(svcPorts.map((p) => `${p.port as number}/${p.protocol as string}`)).toEqual([
      '2152/UDP',
      '8805/UDP',
    ]);
    expect(doc(files, 'configmap.yaml').data['config.yaml']).toBe(
      'dnn:\n  - cidr: 10.60.0.0/16\n    name: internet\n',
    );
    const fnConfig = doc(files, 'function-config.yaml').spec;
    expect(fnConfig.performance).toEqual({ qos: 'Guaranteed', cpuPinning: true });
    expect(fnConfig.interfaces[2]).toEqual({
      name: 'n6',
      cniType: 'ipvlan',
      networkAttachment: 'edge-upf-n6',
      ipPool: { range: 'fd00:10:6::/64', gateway: 'fd00:10:6::1' },
      mtu: 1500,
    });
  });

  it('BuildPackage O-DU: dual-stack static F1 → Recreate, two fronthaul VFs, a Service preferring dual-stack', () => {
    const { files } = renderPackage(inputFromExample('odu.yaml'));
    const nads = docs(files['network-attachment-def.yaml']!);
    expect(JSON.parse(nads[0]!.spec.config as string).plugins[0].ipam).toEqual({
      type: 'static',
      addresses: [
        { address: '10.20.1.20/24', gateway: '10.20.1.1' },
        { address: 'fd00:20:1::20/64', gateway: 'fd00:20:1::1' },
      ],
    });
    expect(nads[1]!.metadata.annotations).toEqual({
      'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_fh',
    });
    expect(JSON.parse(nads[1]!.spec.config as string)).toEqual({
      cniVersion: '0.3.1',
      name: 'odu-cell-1-fh',
      plugins: [
        { type: 'sriov', vlan: 10 },
        { type: 'tuning', mtu: 9000 },
      ],
    });
    const c = container(files);
    expect(c.resources.limits['intel.com/sriov_fh']).toBe('2');
    expect(c.resources.requests['intel.com/sriov_fh']).toBe('2');
    expect(doc(files, 'deployment.yaml').spec.strategy).toEqual({ type: 'Recreate' });
    expect(doc(files, 'service.yaml').spec).toMatchObject({
      type: 'ClusterIP',
      ipFamilyPolicy: 'PreferDualStack',
    });
    expect(doc(files, 'service.yaml').spec.ipFamilies).toBeUndefined();
    expect(doc(files, 'Kptfile').metadata.name).toBe('odu-cell-1');
    expect(doc(files, 'function-config.yaml').spec.dependencies).toEqual(['ocu-cp']);
    // The CU-CP it depends on is in the same file, and renders too.
    const cu = renderPackage(inputFromExample('odu.yaml', 'deployments', 'ocu-cp')).files;
    expect(doc(cu, 'Kptfile').metadata.name).toBe('ocu-cp');
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
  // upf: pools of both families, SR-IOV MTU, Guaranteed with pinning and hugepages, placement.
  // odu: a dual-stack static interface, two VFs, a Service preferring dual-stack.
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

describe('addresses, data-plane profile and placement', () => {
  const upf: RenderInput = {
    name: 'upf',
    namespace: 'core',
    packageName: 'core/upf',
    repository: 'r',
    spec: { type: '5G-Core', function: 'UPF' },
  };
  const render = (spec: Partial<CNFDeploymentSpec>): Record<string, string> =>
    renderPackage({ ...upf, spec: { ...upf.spec, ...spec } }).files;
  const ipam = (iface: Parameters<typeof cniConfig>[1]): Obj =>
    (JSON.parse(cniConfig('x', iface)) as Obj).plugins[0].ipam as Obj;

  it('whereabouts: the gateway is excluded unless an exclude covers it; no gateway, no exclude', () => {
    expect(
      ipam({ name: 'a', cniType: 'macvlan', ipPool: { range: '10.1.0.0/16', gateway: '10.1.0.1' } }),
    ).toEqual({
      type: 'whereabouts',
      range: '10.1.0.0/16',
      gateway: '10.1.0.1',
      exclude: ['10.1.0.1/32'],
    });
    expect(
      ipam({
        name: 'a',
        cniType: 'macvlan',
        ipPool: { range: '10.1.0.0/16', gateway: '10.1.0.1', exclude: ['10.1.9.0/24', '10.1.0.0/30'] },
      }).exclude,
    ).toEqual(['10.1.9.0/24', '10.1.0.0/30']);
    expect(
      ipam({
        name: 'a',
        cniType: 'ipvlan',
        ipPool: { range: 'fd00::/120', gateway: 'fd00::1', exclude: ['fd00::80/121'] },
      }).exclude,
    ).toEqual(['fd00::80/121', 'fd00::1/128']);
    expect(ipam({ name: 'a', cniType: 'ipvlan', ipPool: { range: '10.2.0.100/24' } })).toEqual({
      type: 'whereabouts',
      range: '10.2.0.100/24',
    });
  });

  it('static: ipv6 alone, or ipv4 then ipv6 (dual-stack); mtu is the macvlan/ipvlan plugin’s own', () => {
    expect(ipam({ name: 'a', cniType: 'macvlan', ipv6: { address: 'fd00::5/64' } })).toEqual({
      type: 'static',
      addresses: [{ address: 'fd00::5/64' }],
    });
    expect(
      ipam({
        name: 'a',
        cniType: 'macvlan',
        ipv6: { address: 'fd00::5/64' },
        ipv4: { address: '10.0.0.5/24' },
      }).addresses,
    ).toEqual([{ address: '10.0.0.5/24' }, { address: 'fd00::5/64' }]);
    expect(JSON.parse(cniConfig('x', { name: 'a', cniType: 'macvlan', mtu: 9000 }))).toEqual({
      cniVersion: '0.3.1',
      name: 'x-a',
      plugins: [{ type: 'macvlan', capabilities: { ips: true }, mode: 'bridge', mtu: 9000 }],
    });
    // A static IPv6 address is static too: one pod, no surge.
    const files = render({
      replicas: 1,
      networkConfig: { interfaces: [{ name: 'n6', cniType: 'macvlan', ipv6: { address: 'fd00::5/64' } }] },
    });
    expect(doc(files, 'deployment.yaml').spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('copies the Service IP families as given, and leaves them out when unset', () => {
    const svc = (networkConfig: NetworkConfig): Obj => doc(render({ networkConfig }), 'service.yaml').spec;
    expect(svc({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] })).toMatchObject({
      ipFamilyPolicy: 'RequireDualStack',
      ipFamilies: ['IPv6', 'IPv4'],
    });
    expect(Object.keys(svc({ ipFamilies: ['IPv6'] }))).toEqual(['type', 'ipFamilies', 'selector', 'ports']);
    expect(Object.keys(svc({}))).toEqual(['type', 'selector', 'ports']);
  });

  it('Guaranteed: one value per resource — the spec request, else its limit, else the catalog request', () => {
    const res = (spec: Partial<CNFDeploymentSpec>): Obj => container(render(spec)).resources;
    expect(res({ performance: { qos: 'Guaranteed' } })).toEqual({
      requests: { cpu: '2', memory: '4Gi' },
      limits: { cpu: '2', memory: '4Gi' },
    });
    expect(
      res({
        performance: { qos: 'Guaranteed' },
        resources: { requests: { memory: '6Gi' }, limits: { cpu: '3' } },
      }),
    ).toEqual({ requests: { cpu: '3', memory: '6Gi' }, limits: { cpu: '3', memory: '6Gi' } });
    // Burstable (and no profile) keep the catalog's higher limits.
    expect(res({ performance: { qos: 'Burstable' } })).toEqual({
      requests: { cpu: '2', memory: '4Gi' },
      limits: { cpu: '4', memory: '8Gi' },
    });
  });

  it('hugepages and extended resources get equal requests and limits; each hugepages size is mounted', () => {
    const files = render({
      resources: {
        requests: { 'hugepages-2Mi': '512Mi', 'hugepages-1Gi': '1Gi' },
        limits: { 'nvidia.com/gpu': 1, 'hugepages-1Gi': '1Gi' },
      },
    });
    const c = container(files);
    expect(c.resources.requests).toMatchObject({
      'hugepages-2Mi': '512Mi',
      'hugepages-1Gi': '1Gi',
      'nvidia.com/gpu': 1,
    });
    expect(c.resources.limits).toMatchObject({
      'hugepages-2Mi': '512Mi',
      'hugepages-1Gi': '1Gi',
      'nvidia.com/gpu': 1,
    });
    expect(c.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/nephoran', readOnly: true },
      { name: 'hugepages-1gi', mountPath: '/hugepages-1Gi' },
      { name: 'hugepages-2mi', mountPath: '/hugepages-2Mi' },
    ]);
    expect((doc(files, 'deployment.yaml').spec.template.spec.volumes as Obj[]).slice(1)).toEqual([
      { name: 'hugepages-1gi', emptyDir: { medium: 'HugePages-1Gi' } },
      { name: 'hugepages-2mi', emptyDir: { medium: 'HugePages-2Mi' } },
    ]);
  });

  it('SR-IOV: vfs devices per interface, summed per resource', () => {
    const c = container(
      render({
        networkConfig: {
          interfaces: [
            { name: 'n3', cniType: 'sriov', master: 'intel.com/vf', vfs: 2 },
            { name: 'n6', cniType: 'sriov', master: 'intel.com/vf' },
            { name: 'n9', cniType: 'sriov', master: 'mlx.com/vf', vfs: 4 },
          ],
        },
      }),
    );
    expect(c.resources.requests).toMatchObject({ 'intel.com/vf': '3', 'mlx.com/vf': '4' });
    expect(c.resources.limits).toMatchObject({ 'intel.com/vf': '3', 'mlx.com/vf': '4' });
  });

  it('placement: nodeSelector sorted, tolerations in a fixed key order, spread over the function’s pods', () => {
    const pod = (placement: CNFDeploymentSpec['placement']): Obj =>
      doc(render({ ...(placement ? { placement } : {}) }), 'deployment.yaml').spec.template.spec;
    const p = pod({
      nodeSelector: { 'b.io/x': '1', 'a.io/y': '' },
      tolerations: [
        { tolerationSeconds: 30, effect: 'NoExecute', value: 'v', operator: 'Equal', key: 'k' },
        { operator: 'Exists' },
      ],
      topologySpread: [
        { topologyKey: 'topology.kubernetes.io/zone', maxSkew: 2, whenUnsatisfiable: 'ScheduleAnyway' },
        { topologyKey: 'kubernetes.io/hostname' },
      ],
    });
    expect(Object.keys(p.nodeSelector as Obj)).toEqual(['a.io/y', 'b.io/x']);
    expect(p.tolerations).toEqual([
      { key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 },
      { operator: 'Exists' },
    ]);
    expect(Object.keys((p.tolerations as Obj[])[0]!)).toEqual([
      'key',
      'operator',
      'value',
      'effect',
      'tolerationSeconds',
    ]);
    const selector = { matchLabels: { 'app.kubernetes.io/instance': 'upf', 'nephoran.com/cnf': 'upf' } };
    expect(p.topologySpreadConstraints).toEqual([
      {
        maxSkew: 2,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: selector,
      },
      // the CRD defaults, when a spec reaches the renderer without them
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: selector,
      },
    ]);
    expect(Object.keys(pod({}))).toEqual(['securityContext', 'containers', 'volumes']);
    expect(Object.keys(pod(undefined))).toEqual(['securityContext', 'containers', 'volumes']);
  });

  it('the CRD defaults maxSkew and whenUnsatisfiable of a topologySpread entry', () => {
    const r = parseCNFDeployment({
      apiVersion: 'nephoran.com/v1',
      kind: 'CNFDeployment',
      metadata: { name: 'upf' },
      spec: {
        type: '5G-Core',
        function: 'UPF',
        placement: { topologySpread: [{ topologyKey: 'kubernetes.io/hostname' }] },
      },
    });
    expect(r.spec.placement?.topologySpread).toEqual([
      { topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' },
    ]);
  });

  it('every data-plane profile of the catalog validates and renders Guaranteed', () => {
    const withProfile = FUNCTIONS.filter((fn) => getCatalogEntry(fn)!.profile !== undefined);
    expect(withProfile).toEqual(['UPF', 'O-CU-UP', 'O-DU']);
    for (const fn of withProfile) {
      const spec = { type: 'Custom', function: fn, ...profileSpec(fn) };
      const cnf = parseCNFDeployment({
        apiVersion: 'nephoran.com/v1',
        kind: 'CNFDeployment',
        metadata: { name: 'x' },
        spec,
      });
      const c = container(renderPackage({ ...upf, name: 'x', spec: cnf.spec }).files);
      expect([fn, c.resources.limits]).toEqual([fn, c.resources.requests]);
    }
    expect(profileSpec('AMF')).toBeUndefined();
    expect(profileSpec('NOPE')).toBeUndefined();
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
const hex = fc.integer({ min: 1, max: 0xffff }).map((n) => n.toString(16));

/** How an interface is addressed: none, static (one family or both) or a pool of one family. */
const addressing = fc.oneof(
  fc.constant({}),
  fc.record({
    ipv4: fc.record({
      address: fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
      gateway: fc.option(ipv4, { nil: undefined }),
    }),
  }),
  fc.record({
    ipv6: fc.record({
      address: fc.tuple(hex, hex).map(([a, b]) => `fd00:${a}::${b}/64`),
      gateway: fc.option(
        hex.map((a) => `fd00:${a}::1`),
        { nil: undefined },
      ),
    }),
  }),
  fc.record({
    ipv4: fc.constant({ address: '10.0.0.5/24' }),
    ipv6: fc.constant({ address: 'fd00::5/64', gateway: 'fd00::1' }),
  }),
  fc.tuple(octet, octet, fc.boolean(), fc.boolean()).map(([a, b, gw, ex]) => ({
    ipPool: {
      range: `10.${a}.${b}.0/24`,
      ...(gw ? { gateway: `10.${a}.${b}.1` } : {}),
      ...(ex ? { exclude: [`10.${a}.${b}.0/28`] } : {}),
    },
  })),
  fc.tuple(hex, fc.boolean()).map(([a, gw]) => ({
    ipPool: { range: `fd00:${a}::/64`, ...(gw ? { gateway: `fd00:${a}::1` } : {}) },
  })),
);

type Addressing = Pick<NetworkInterface, 'ipv4' | 'ipv6' | 'ipPool'>;
const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const performanceArb = fc.option(
  fc.constantFrom<PerformanceSpec>(
    { qos: 'Guaranteed', cpuPinning: true },
    { qos: 'Guaranteed' },
    { qos: 'Burstable' },
  ),
  { nil: undefined },
);

const placementArb = fc.option(
  fc.record(
    {
      nodeSelector: fc.dictionary(
        fc.constantFrom('kubernetes.io/hostname', 'zone', 'a.b/c'),
        fc.constantFrom('', 'x', 'v1.2'),
      ),
      tolerations: fc.array(
        fc.constantFrom<Toleration>(
          { key: 'dp', operator: 'Exists', effect: 'NoSchedule' },
          { operator: 'Exists' },
          { key: 'k', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 },
        ),
        { maxLength: 3 },
      ),
      topologySpread: fc.uniqueArray(
        fc.record(
          {
            topologyKey: fc.constantFrom('kubernetes.io/hostname', 'topology.kubernetes.io/zone'),
            maxSkew: fc.integer({ min: 1, max: 3 }),
            whenUnsatisfiable: fc.constantFrom('DoNotSchedule' as const, 'ScheduleAnyway' as const),
          },
          { requiredKeys: ['topologyKey'] },
        ),
        { maxLength: 2, selector: (t) => t.topologyKey },
      ),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const serviceFamilies = fc.constantFrom<Pick<NetworkConfig, 'ipFamilyPolicy' | 'ipFamilies'>>(
  {},
  { ipFamilyPolicy: 'PreferDualStack' },
  { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] },
  { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] },
);

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
        addressing,
        mtu: fc.option(fc.integer({ min: 1280, max: 9216 }), { nil: undefined }),
        vfs: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
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
    performance: performanceArb,
    placement: placementArb,
    families: serviceFamilies,
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
      const a = i.addressing as Addressing;
      return {
        name: i.name,
        cniType: i.cniType,
        ...(master !== undefined ? { master } : {}),
        ...(i.vlanID !== undefined ? { vlanID: i.vlanID } : {}),
        ...(a.ipv4 ? { ipv4: clean(a.ipv4) } : {}),
        ...(a.ipv6 ? { ipv6: clean(a.ipv6) } : {}),
        ...(a.ipPool ? { ipPool: a.ipPool } : {}),
        ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
        ...(i.vfs !== undefined && i.cniType === 'sriov' ? { vfs: i.vfs } : {}),
      };
    });
    const staticAddr = interfaces.some((i) => i.ipv4 !== undefined || i.ipv6 !== undefined);
    const maxR = staticAddr ? Math.min(1, r.maxReplicas) : r.maxReplicas;
    // Guaranteed: limits equal requests; pinning: whole CPUs (8 is above every catalog minimum).
    const guaranteed = r.performance?.qos === 'Guaranteed';
    const reqCpu = r.performance?.cpuPinning === true ? '8' : cpu[0];
    const resources =
      r.withResources || r.performance?.cpuPinning === true
        ? {
            requests: { cpu: reqCpu, memory: mem[0] },
            limits: guaranteed ? { cpu: reqCpu, memory: mem[0] } : { cpu: cpu[1], memory: mem[1] },
          }
        : undefined;
    return {
      type: r.type,
      function: fn,
      replicas: Math.floor(r.replicasFraction * maxR),
      maxReplicas: r.maxReplicas,
      ...(r.image !== undefined ? { image: r.image } : {}),
      ...(resources ? { resources } : {}),
      ...(r.configuration !== undefined ? { configuration: r.configuration } : {}),
      networkConfig: {
        interfaces,
        exposePorts: r.exposePorts,
        ...(r.serviceType !== undefined ? { serviceType: r.serviceType } : {}),
        ...r.families,
      },
      ...(r.performance ? { performance: r.performance } : {}),
      ...(r.placement ? { placement: r.placement } : {}),
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
        if (spec.performance?.qos === 'Guaranteed') expect(c.resources.limits).toEqual(c.resources.requests);
        const pools = (spec.networkConfig?.interfaces ?? []).filter((i) => i.ipPool !== undefined).length;
        const nads = docs(rendered.files['network-attachment-def.yaml'] ?? '');
        const whereabouts = nads.filter((n) => (n.spec.config as string).includes('"type":"whereabouts"'));
        expect(whereabouts).toHaveLength(pools);
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

// The kpt package renderer: a defaulted CNFDeploymentSpec → the files of one Porch package.
// Pure and byte-for-byte deterministic: objects are built with a fixed key order, configuration keys
// are sorted, and everything is serialized by one `yaml` stringify call with fixed options.
//
// Content hash (RenderedPackage.contentHash, ANNOTATION_CONTENT_HASH):
//   1. render every file WITHOUT the content-hash annotation (Kptfile and Deployment);
//   2. contentHash = sha256 hex of the UTF-8 bytes of
//        JSON.stringify([[path, content], ...])   with the pairs sorted by path (code-unit order);
//   3. add the annotation set to that hash to the Kptfile and the Deployment.
// So the hash identifies the content, not itself, and anyone can recompute it by removing the
// annotation line from those two files (see tests/unit/render.test.ts). Step 3 does not serialize
// the two files again: it inserts the annotation's lines (serialized by the same `toYaml`) where a
// second stringify would put them, which is byte-for-byte the same and saves a third of the work.
// renderPackage is memoized on its input (see "memoization" below).
//
// Config hash (ANNOTATION_CONFIG_HASH on the pod template) = sha256 of the ConfigMap's config.yaml
// only: configuration changes roll the pods, a replicas-only change does not touch the template.

import { stringify, parse } from 'yaml';
import { getCatalogEntry, type CatalogEntry, type CatalogPort, type Probe } from './catalog.ts';
import {
  ANNOTATION_CONFIG_HASH,
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_RESTART_GENERATION,
  LABEL_CNF,
  LABEL_CNF_TYPE,
  LABEL_FUNCTION,
  LABEL_MANAGED_BY,
  MANAGED_BY,
} from './labels.ts';
import { checkPorchNames } from './naming.ts';
import { FieldIssuesError, type FieldIssue } from './errors.ts';
import { compareQuantities } from './quantity.ts';
import { sha256Hex } from './sha256.ts';
import type { CNFDeploymentSpec, NetworkInterface, Quantity, RenderedPackage } from './types.ts';

export interface RenderInput {
  name: string;
  namespace: string;
  /** The spec with CRD defaults applied (validateCNFDeployment's value.spec). */
  spec: CNFDeploymentSpec;
  /** Porch package path, e.g. default/test-amf; its last segment names the Kptfile. */
  packageName: string;
  repository: string;
  /** Bumped by healing: > 0 adds ANNOTATION_RESTART_GENERATION to the pod template. */
  restartGeneration?: number;
}

export type RenderIssue = FieldIssue;

/** Raised only for inputs that validation should have rejected (unknown function, bad names). */
export class RenderError extends FieldIssuesError {
  readonly code = 'RENDER_FAILED';
  constructor(issues: RenderIssue[]) {
    super(issues, 'cannot render the package');
    this.name = 'RenderError';
  }
}

/** File names of a rendered package (network-attachment-def.yaml only with interfaces). */
export const PACKAGE_FILES = {
  kptfile: 'Kptfile',
  deployment: 'deployment.yaml',
  service: 'service.yaml',
  configmap: 'configmap.yaml',
  functionConfig: 'function-config.yaml',
  networkAttachments: 'network-attachment-def.yaml',
} as const;

const LOCAL_CONFIG = 'config.kubernetes.io/local-config';
const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
const RESOURCE_NAME_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';
const CONFIG_FILE = 'config.yaml';
const CONFIG_MOUNT = '/etc/nephoran';

type Obj = Record<string, unknown>;

/** Lowercase DNS-label form of a function or type name: O-CU-CP → o-cu-cp, 5G-Core → 5g-core. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Pod labels the Deployment selects on; also the scale subresource's status.selector. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/instance': name, [LABEL_CNF]: name };
}

/** status.selector string for the scale subresource (`kubectl scale`, autoscalers). */
export function selectorString(name: string): string {
  return Object.entries(selectorLabels(name))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function commonLabels(
  name: string,
  spec: Pick<CNFDeploymentSpec, 'type' | 'function'>,
): Record<string, string> {
  return {
    'app.kubernetes.io/name': slug(spec.function),
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/component': slug(spec.type),
    'app.kubernetes.io/part-of': 'nephoran',
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_CNF]: name,
    [LABEL_FUNCTION]: spec.function,
    [LABEL_CNF_TYPE]: spec.type,
  };
}

/** Recursively sorts object keys (arrays keep their order) so serialization is deterministic. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const src = value as Obj;
    return Object.fromEntries(
      Object.keys(src)
        .sort()
        .map((k) => [k, sortKeys(src[k])]),
    );
  }
  return value;
}

/** The only serializer used for package files. */
export function toYaml(doc: unknown): string {
  return stringify(doc, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/** sha256 over the files as documented at the top of this module. */
export function computeContentHash(files: Record<string, string>): string {
  const pairs = Object.keys(files)
    .sort()
    .map((path) => [path, files[path]]);
  return sha256Hex(JSON.stringify(pairs));
}

/** The content hash recorded in a rendered Kptfile, or null when absent or unparseable. */
export function readContentHash(kptfile: string): string | null {
  try {
    const doc = parse(kptfile) as { metadata?: { annotations?: Record<string, unknown> } } | null;
    const value = doc?.metadata?.annotations?.[ANNOTATION_CONTENT_HASH];
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/**
 * Adds `entries` (one more key, or the last keys, of a map nested `depth` levels deep) to a document
 * serialized by toYaml, right before the line of the top-level `key`: what toYaml would have printed
 * had the entries been in the object. The entries are serialized by toYaml too, so quoting is the
 * same, and indented the way it indents block maps (2 spaces a level). Only for documents whose
 * preceding lines are all nested under an earlier top-level key (a line starting `key:` is then
 * that key's own line: deeper lines are indented, multi-line scalars included).
 */
function insertBeforeTopLevelKey(doc: string, key: string, entries: Obj, depth: number): string {
  const at = doc.indexOf(`\n${key}:`) + 1;
  if (at === 0) throw new Error(`render: no top-level "${key}" to insert before`);
  const pad = '  '.repeat(depth);
  const lines = toYaml(entries).replace(/^(?=.)/gm, pad);
  return doc.slice(0, at) + lines + doc.slice(at);
}

// ---- pieces ------------------------------------------------------------------------------------------

function configYaml(spec: CNFDeploymentSpec): string {
  return toYaml(sortKeys(spec.configuration ?? {}));
}

type ResourceMap = Record<string, Quantity>;

/**
 * Container resources: spec values override catalog defaults key by key. A limit the spec leaves out
 * is raised to the spec's request when the catalog default is lower, and a request the spec leaves out
 * is lowered to the spec's limit, so the result always satisfies limits ≥ requests. Each SR-IOV
 * interface requests one device of its resource (interface `master`).
 */
function containerResources(
  spec: CNFDeploymentSpec,
  entry: CatalogEntry,
  interfaces: NetworkInterface[],
): Obj {
  const specReq: ResourceMap = defined(spec.resources?.requests);
  const specLim: ResourceMap = defined(spec.resources?.limits);
  const requests: ResourceMap = { ...entry.resources.requests };
  const limits: ResourceMap = { ...entry.resources.limits };
  for (const key of new Set([...Object.keys(specReq), ...Object.keys(specLim)])) {
    const req = specReq[key];
    const lim = specLim[key];
    if (req !== undefined) requests[key] = req;
    if (lim !== undefined) limits[key] = lim;
    const cReq = requests[key];
    const cLim = limits[key];
    if (req !== undefined && lim === undefined && cLim !== undefined && compareQuantities(cLim, req) === -1) {
      limits[key] = req;
    }
    if (lim !== undefined && req === undefined && cReq !== undefined && compareQuantities(cReq, lim) === 1) {
      requests[key] = lim;
    }
  }
  const devices = new Map<string, number>();
  for (const i of interfaces) {
    if (i.cniType === 'sriov' && i.master !== undefined)
      devices.set(i.master, (devices.get(i.master) ?? 0) + 1);
  }
  for (const [resource, count] of devices) {
    requests[resource] = String(count);
    limits[resource] = String(count);
  }
  return { requests: sortKeys(requests), limits: sortKeys(limits) };
}

function defined(list: Record<string, Quantity | undefined> | undefined): ResourceMap {
  const out: ResourceMap = {};
  for (const [k, v] of Object.entries(list ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/** Catalog ports plus spec.networkConfig.exposePorts (TCP), without duplicates. */
function allPorts(spec: CNFDeploymentSpec, entry: CatalogEntry): CatalogPort[] {
  const ports = [...entry.ports];
  for (const port of spec.networkConfig?.exposePorts ?? []) {
    if (!ports.some((p) => p.port === port && p.protocol === 'TCP')) {
      ports.push({ name: `port-${port}`, port, protocol: 'TCP' });
    }
  }
  return ports;
}

function probes(probe: Probe | undefined): Obj {
  if (!probe) return {};
  const action: Obj =
    probe.type === 'http'
      ? { httpGet: { path: probe.path, port: probe.port } }
      : { tcpSocket: { port: probe.port } };
  return {
    readinessProbe: { ...action, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 },
    livenessProbe: { ...action, initialDelaySeconds: 15, periodSeconds: 20, failureThreshold: 3 },
  };
}

function nadName(name: string, iface: NetworkInterface): string {
  return `${name}-${iface.name}`;
}

/** Multus CNI config (a conflist JSON string), per docs/api.md and domain.md. */
export function cniConfig(name: string, iface: NetworkInterface): string {
  const ipam = iface.ipv4
    ? {
        type: 'static',
        addresses: [
          {
            address: iface.ipv4.address,
            ...(iface.ipv4.gateway !== undefined ? { gateway: iface.ipv4.gateway } : {}),
          },
        ],
      }
    : undefined;
  let plugin: Obj;
  if (iface.cniType === 'sriov') {
    plugin = {
      type: 'sriov',
      ...(iface.vlanID !== undefined ? { vlan: iface.vlanID } : {}),
      ...(ipam ? { ipam } : {}),
    };
  } else {
    const master =
      iface.master !== undefined && iface.vlanID !== undefined
        ? `${iface.master}.${iface.vlanID}`
        : iface.master;
    plugin = {
      type: iface.cniType,
      capabilities: { ips: true },
      ...(master !== undefined ? { master } : {}),
      mode: iface.cniType === 'macvlan' ? 'bridge' : 'l2',
      ...(ipam ? { ipam } : {}),
    };
  }
  return JSON.stringify({ cniVersion: '0.3.1', name: nadName(name, iface), plugins: [plugin] });
}

// ---- memoization -------------------------------------------------------------------------------------
//
// Metacontroller resyncs every parent over and over with an unchanged spec, and rendering (YAML
// serialization) is most of what a sync costs; so renderPackage keeps the RENDER_CACHE_SIZE packages
// it rendered last, keyed by an exact encoding of everything the renderer reads from its input.
// Still a pure function: same input → same output, the cache only skips recomputing it. Callers get
// their own copy of the files map, so nothing they do can change a cached package.

/**
 * Packages kept, least recently used evicted: ~6 KiB each for a typical CNF (3 MiB in all), at most
 * ~50 KiB with the largest cached configuration. Enough for one entry per CNF a replica serves, up
 * to this many CNFs; beyond that a round-robin resync misses every time and each sync pays the full
 * render (see docs/performance.md).
 */
export const RENDER_CACHE_SIZE = 512;
/** Inputs whose key is longer than this (a big spec.configuration) are rendered, not cached. */
const MAX_KEY_LENGTH = 16 * 1024;
const cache = new Map<string, RenderedPackage>();

/**
 * Encodes plain JSON-like data exactly: key order kept (it shows in the output: e.g. ipv4 objects
 * are written as given), -0 ≠ 0, undefined ≠ missing ≠ null, non-finite numbers kept. undefined for
 * anything else (class instances, functions, bigints, ...): such inputs are not cached.
 */
function encode(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'null';
      const parts: string[] = [];
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const e = encode((value as unknown[])[i]);
          if (e === undefined) return undefined;
          parts.push(e);
        }
        return `[${parts.join(',')}]`;
      }
      if (!isPlainObject(value)) return undefined;
      for (const k of Object.keys(value)) {
        const e = encode((value as Obj)[k]);
        if (e === undefined) return undefined;
        parts.push(`${JSON.stringify(k)}:${e}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

/** An object literal's (or JSON.parse's, or structuredClone's: any realm's) or a null-prototype one. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  if (proto === null || proto === Object.prototype) return true;
  return Object.getPrototypeOf(proto) === null && proto.constructor?.name === 'Object';
}

function cacheKey(input: RenderInput): string | undefined {
  const { name, namespace, spec, packageName, repository, restartGeneration } = input;
  const key = encode([name, namespace, packageName, repository, restartGeneration, spec]);
  return key !== undefined && key.length <= MAX_KEY_LENGTH ? key : undefined;
}

const copyOf = (pkg: RenderedPackage): RenderedPackage => ({
  files: { ...pkg.files },
  contentHash: pkg.contentHash,
});

/** Packages currently cached (for tests). */
export function renderCacheSize(): number {
  return cache.size;
}

/** Empties the cache (tests; the benchmark's every-request-misses server). */
export function clearRenderCache(): void {
  cache.clear();
}

// ---- renderer -----------------------------------------------------------------------------------------

/**
 * The kpt package of a CNFDeployment. Memoized (see above); throws RenderError for inputs that
 * validation should have rejected (those are not cached).
 */
export function renderPackage(input: RenderInput): RenderedPackage {
  const key = cacheKey(input);
  if (key === undefined) return renderPackageUncached(input);
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Most recently used last: Map iteration order is insertion order.
    cache.delete(key);
    cache.set(key, hit);
    return copyOf(hit);
  }
  const pkg = renderPackageUncached(input);
  cache.set(key, pkg);
  if (cache.size > RENDER_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return copyOf(pkg);
}

/** renderPackage without the cache: what it computes on a miss (tests and the benchmark). */
export function renderPackageUncached(input: RenderInput): RenderedPackage {
  const { name, namespace, spec } = input;
  const entry = getCatalogEntry(spec.function);
  const issues: RenderIssue[] = [];
  if (!entry) issues.push({ path: 'spec.function', message: `unknown function "${spec.function}"` });
  issues.push(...checkPorchNames(input.repository, input.packageName, 'r1-0000000000'));
  if (!entry || issues.length > 0) throw new RenderError(issues);

  const labels = commonLabels(name, spec);
  const interfaces = spec.networkConfig?.interfaces ?? [];
  const ports = allPorts(spec, entry);
  const config = configYaml(spec);
  const kptName = input.packageName.split('/').pop()!;
  const meta = (objName: string, annotations?: Record<string, string>): Obj => ({
    name: objName,
    namespace,
    labels,
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  });

  // Rendered without the content hash; it is inserted as the last annotation at the end.
  const kptfile = (): string =>
    toYaml({
      apiVersion: 'kpt.dev/v1',
      kind: 'Kptfile',
      metadata: {
        name: kptName,
        labels,
        annotations: { [LOCAL_CONFIG]: 'true' },
      },
      info: {
        description: `${spec.function} (${entry.description}) of CNFDeployment ${namespace}/${name}, rendered by ${MANAGED_BY}`,
      },
    });

  const podAnnotations: Record<string, string> = { [ANNOTATION_CONFIG_HASH]: sha256Hex(config) };
  if (interfaces.length > 0) {
    podAnnotations[NETWORKS_ANNOTATION] = JSON.stringify(
      interfaces.map((i) => ({ name: nadName(name, i), namespace, interface: i.name })),
    );
  }
  if (input.restartGeneration !== undefined && input.restartGeneration > 0) {
    podAnnotations[ANNOTATION_RESTART_GENERATION] = String(input.restartGeneration);
  }
  const staticAddresses = interfaces.some((i) => i.ipv4 !== undefined);
  const capabilities: Obj = {
    drop: ['ALL'],
    ...(entry.capabilities.length > 0 ? { add: entry.capabilities } : {}),
  };

  // Rendered without annotations; metadata.annotations (the content hash) is inserted at the end.
  const deployment = (): string =>
    toYaml({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(name),
      spec: {
        replicas: spec.replicas ?? 1,
        progressDeadlineSeconds: spec.rollout?.progressDeadlineSeconds ?? 300,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selectorLabels(name) },
        // Static Multus addresses cannot be held by two pods at once: no surge pod for those.
        strategy: staticAddresses
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels, annotations: podAnnotations },
          spec: {
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: slug(spec.function),
                image: spec.image ?? entry.image,
                imagePullPolicy: 'IfNotPresent',
                ...(entry.command ? { command: entry.command } : {}),
                ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
                resources: containerResources(spec, entry, interfaces),
                securityContext: { allowPrivilegeEscalation: false, capabilities },
                ...probes(entry.probe),
                volumeMounts: [{ name: 'config', mountPath: CONFIG_MOUNT, readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
          },
        },
      },
    });

  const files: Record<string, string> = {
    [PACKAGE_FILES.kptfile]: kptfile(),
    [PACKAGE_FILES.deployment]: deployment(),
    [PACKAGE_FILES.service]: toYaml({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(name),
      spec: {
        type: spec.networkConfig?.serviceType ?? 'ClusterIP',
        selector: selectorLabels(name),
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: p.protocol })),
      },
    }),
    [PACKAGE_FILES.configmap]: toYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(`${name}-config`),
      data: { [CONFIG_FILE]: config },
    }),
    [PACKAGE_FILES.functionConfig]: toYaml({
      apiVersion: 'nephoran.com/v1',
      kind: 'FunctionConfig',
      // Describes the package for tools and people; never applied to a cluster (no such CRD there).
      metadata: meta(`${name}-function`, { [LOCAL_CONFIG]: 'true' }),
      spec: {
        type: spec.type,
        function: spec.function,
        family: entry.family,
        description: entry.description,
        image: spec.image ?? entry.image,
        ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
        expectedInterfaces: entry.interfaces,
        interfaces: interfaces.map((i) => ({
          name: i.name,
          cniType: i.cniType,
          networkAttachment: nadName(name, i),
          ...(i.ipv4 ? { ipv4: i.ipv4 } : {}),
          ...(i.vlanID !== undefined ? { vlanID: i.vlanID } : {}),
        })),
        dependencies: [...(spec.dependencies ?? [])],
      },
    }),
  };
  if (interfaces.length > 0) {
    files[PACKAGE_FILES.networkAttachments] = interfaces
      .map((i) =>
        toYaml({
          apiVersion: 'k8s.cni.cncf.io/v1',
          kind: 'NetworkAttachmentDefinition',
          metadata: meta(
            nadName(name, i),
            i.cniType === 'sriov' && i.master !== undefined
              ? { [RESOURCE_NAME_ANNOTATION]: i.master }
              : undefined,
          ),
          spec: { config: cniConfig(name, i) },
        }),
      )
      .join('---\n');
  }

  const contentHash = computeContentHash(files);
  const annotation = { [ANNOTATION_CONTENT_HASH]: contentHash };
  // Kptfile: metadata.annotations is followed by the top-level `info`; Deployment: metadata (which
  // has no annotations yet) by `spec`.
  files[PACKAGE_FILES.kptfile] = insertBeforeTopLevelKey(
    files[PACKAGE_FILES.kptfile]!,
    'info',
    annotation,
    2,
  );
  files[PACKAGE_FILES.deployment] = insertBeforeTopLevelKey(
    files[PACKAGE_FILES.deployment]!,
    'spec',
    { annotations: annotation },
    1,
  );
  return {
    files: Object.fromEntries(
      Object.keys(files)
        .sort()
        .map((k) => [k, files[k]!]),
    ),
    contentHash,
  };
}

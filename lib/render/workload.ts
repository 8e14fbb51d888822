// deployment.yaml: the function's Deployment — catalog image, ports, probes and resources with the
// spec's overrides (and the data-plane profile's QoS), hugepages mounts, Multus networks, placement
// (nodeSelector, tolerations, topology spread) and the annotations that roll pods when (and only
// when) the configuration changes or healing asks for a restart.
import type { CatalogEntry, Probe } from '../catalog.ts';
import type { CNFDeploymentSpec, NetworkInterface, PlacementSpec, Quantity } from '../types.ts';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_RESTART_GENERATION, selectorLabels } from '../labels.ts';
import { compareQuantities, notOvercommitted } from '../quantity.ts';
import { sha256Hex } from '../sha256.ts';
import { DEFAULTS } from '../defaults.ts';
import { hasStaticAddress, nadName } from './network.ts';
import { slug, type Obj, type Scope } from './scope.ts';
import { toYaml } from './yaml.ts';

const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
const CONFIG_MOUNT = '/etc/nephoran';

/** Resource name → quantity. A Map: resource names come from the spec, so no key may hit a prototype. */
type ResourceMap = Map<string, Quantity>;

function defined(list: Record<string, Quantity | undefined> | undefined): ResourceMap {
  const out: ResourceMap = new Map();
  for (const [k, v] of Object.entries(list ?? {})) if (v !== undefined) out.set(k, v);
  return out;
}

/** The map as an object with sorted keys, each an own data property. */
function sortedObject(map: ResourceMap): Record<string, Quantity> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Container resources: spec values override catalog defaults key by key. A limit the spec leaves out
 * is raised to the spec's request when the catalog default is lower, and a request the spec leaves out
 * is lowered to the spec's limit, so the result always satisfies limits ≥ requests. Resources that
 * Kubernetes does not overcommit (hugepages, extended resources), and every resource with
 * performance.qos Guaranteed, get one value for both: the spec's request, else its limit, else the
 * catalog request. Each SR-IOV interface requests its `vfs` (default 1) devices of its `master`.
 */
function containerResources(
  spec: CNFDeploymentSpec,
  entry: CatalogEntry,
  interfaces: NetworkInterface[],
): { requests: ResourceMap; limits: ResourceMap } {
  const specReq = defined(spec.resources?.requests);
  const specLim = defined(spec.resources?.limits);
  const requests: ResourceMap = new Map(Object.entries(entry.resources.requests));
  const limits: ResourceMap = new Map(Object.entries(entry.resources.limits));
  for (const key of new Set([...specReq.keys(), ...specLim.keys()])) {
    const req = specReq.get(key);
    const lim = specLim.get(key);
    if (req !== undefined) requests.set(key, req);
    if (lim !== undefined) limits.set(key, lim);
    const cReq = requests.get(key);
    const cLim = limits.get(key);
    if (req !== undefined && lim === undefined && cLim !== undefined && compareQuantities(cLim, req) === -1) {
      limits.set(key, req);
    }
    if (lim !== undefined && req === undefined && cReq !== undefined && compareQuantities(cReq, lim) === 1) {
      requests.set(key, lim);
    }
  }
  const guaranteed = spec.performance?.qos === 'Guaranteed';
  for (const key of new Set([...requests.keys(), ...limits.keys()])) {
    if (!guaranteed && !notOvercommitted(key)) continue;
    const one = specReq.get(key) ?? specLim.get(key) ?? requests.get(key) ?? limits.get(key)!;
    requests.set(key, one);
    limits.set(key, one);
  }
  const devices = new Map<string, number>();
  for (const i of interfaces) {
    if (i.cniType === 'sriov' && i.master !== undefined)
      devices.set(i.master, (devices.get(i.master) ?? 0) + (i.vfs ?? 1));
  }
  for (const [resource, count] of devices) {
    requests.set(resource, String(count));
    limits.set(resource, String(count));
  }
  return { requests, limits };
}

/** One emptyDir per hugepages size the container asks for, mounted at /hugepages-<size>. */
function hugepages(resources: { requests: ResourceMap }): { volumes: Obj[]; mounts: Obj[] } {
  const sizes = [...resources.requests.keys()]
    .filter((k) => k.startsWith('hugepages-'))
    .map((k) => k.slice('hugepages-'.length))
    .sort();
  return {
    volumes: sizes.map((size) => ({
      name: `hugepages-${size.toLowerCase()}`,
      emptyDir: { medium: `HugePages-${size}` },
    })),
    mounts: sizes.map((size) => ({
      name: `hugepages-${size.toLowerCase()}`,
      mountPath: `/hugepages-${size}`,
    })),
  };
}

/** nodeSelector, tolerations and topologySpreadConstraints of the pod spec (only those given). */
function placement(name: string, p: PlacementSpec | undefined): Obj {
  if (p === undefined) return {};
  const selector = Object.entries(p.nodeSelector ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const tolerations = (p.tolerations ?? []).map((t) => ({
    ...(t.key !== undefined ? { key: t.key } : {}),
    ...(t.operator !== undefined ? { operator: t.operator } : {}),
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(t.effect !== undefined ? { effect: t.effect } : {}),
    ...(t.tolerationSeconds !== undefined ? { tolerationSeconds: t.tolerationSeconds } : {}),
  }));
  const spread = (p.topologySpread ?? []).map((t) => ({
    maxSkew: t.maxSkew ?? DEFAULTS.maxSkew,
    topologyKey: t.topologyKey,
    whenUnsatisfiable: t.whenUnsatisfiable ?? DEFAULTS.whenUnsatisfiable,
    labelSelector: { matchLabels: selectorLabels(name) },
  }));
  return {
    ...(selector.length > 0 ? { nodeSelector: Object.fromEntries(selector) } : {}),
    ...(tolerations.length > 0 ? { tolerations } : {}),
    ...(spread.length > 0 ? { topologySpreadConstraints: spread } : {}),
  };
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

function podAnnotations(s: Scope): Record<string, string> {
  const annotations: Record<string, string> = { [ANNOTATION_CONFIG_HASH]: sha256Hex(s.config) };
  if (s.interfaces.length > 0) {
    annotations[NETWORKS_ANNOTATION] = JSON.stringify(
      s.interfaces.map((i) => ({ name: nadName(s.name, i), namespace: s.namespace, interface: i.name })),
    );
  }
  const restart = s.input.restartGeneration;
  if (restart !== undefined && restart > 0) annotations[ANNOTATION_RESTART_GENERATION] = String(restart);
  return annotations;
}

function container(s: Scope, resources: { requests: ResourceMap; limits: ResourceMap }, mounts: Obj[]): Obj {
  const { spec, entry } = s;
  const capabilities: Obj = {
    drop: ['ALL'],
    ...(entry.capabilities.length > 0 ? { add: entry.capabilities } : {}),
  };
  return {
    name: slug(spec.function),
    image: spec.image ?? entry.image,
    imagePullPolicy: 'IfNotPresent',
    ...(entry.command ? { command: entry.command } : {}),
    ports: s.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
    resources: { requests: sortedObject(resources.requests), limits: sortedObject(resources.limits) },
    securityContext: { allowPrivilegeEscalation: false, capabilities },
    ...probes(entry.probe),
    volumeMounts: [{ name: 'config', mountPath: CONFIG_MOUNT, readOnly: true }, ...mounts],
  };
}

/** The Deployment, without annotations: the content hash is stamped on its metadata afterwards. */
export function deploymentYaml(s: Scope): string {
  const { name, spec } = s;
  // Static Multus addresses cannot be held by two pods at once: no surge pod for those.
  const staticAddresses = s.interfaces.some(hasStaticAddress);
  const resources = containerResources(spec, s.entry, s.interfaces);
  const pages = hugepages(resources);
  return toYaml({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: s.meta(name),
    spec: {
      replicas: spec.replicas ?? DEFAULTS.replicas,
      progressDeadlineSeconds: spec.rollout?.progressDeadlineSeconds ?? DEFAULTS.progressDeadlineSeconds,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(name) },
      strategy: staticAddresses
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: s.labels, annotations: podAnnotations(s) },
        spec: {
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          ...placement(name, spec.placement),
          containers: [container(s, resources, pages.mounts)],
          volumes: [{ name: 'config', configMap: { name: `${name}-config` } }, ...pages.volumes],
        },
      },
    },
  });
}

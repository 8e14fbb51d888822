// deployment.yaml: the function's Deployment — catalog image, ports, probes and resources with the
// spec's overrides, Multus networks and the annotations that roll pods when (and only when) the
// configuration changes or healing asks for a restart.
import type { CatalogEntry, Probe } from '../catalog.ts';
import type { CNFDeploymentSpec, NetworkInterface, Quantity } from '../types.ts';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_RESTART_GENERATION, selectorLabels } from '../labels.ts';
import { compareQuantities } from '../quantity.ts';
import { sha256Hex } from '../sha256.ts';
import { DEFAULTS } from '../defaults.ts';
import { nadName } from './network.ts';
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
 * is lowered to the spec's limit, so the result always satisfies limits ≥ requests. Each SR-IOV
 * interface requests one device of its resource (interface `master`).
 */
function containerResources(
  spec: CNFDeploymentSpec,
  entry: CatalogEntry,
  interfaces: NetworkInterface[],
): Obj {
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
  const devices = new Map<string, number>();
  for (const i of interfaces) {
    if (i.cniType === 'sriov' && i.master !== undefined)
      devices.set(i.master, (devices.get(i.master) ?? 0) + 1);
  }
  for (const [resource, count] of devices) {
    requests.set(resource, String(count));
    limits.set(resource, String(count));
  }
  return { requests: sortedObject(requests), limits: sortedObject(limits) };
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

function container(s: Scope): Obj {
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
    resources: containerResources(spec, entry, s.interfaces),
    securityContext: { allowPrivilegeEscalation: false, capabilities },
    ...probes(entry.probe),
    volumeMounts: [{ name: 'config', mountPath: CONFIG_MOUNT, readOnly: true }],
  };
}

/** The Deployment, without annotations: the content hash is stamped on its metadata afterwards. */
export function deploymentYaml(s: Scope): string {
  const { name, spec } = s;
  // Static Multus addresses cannot be held by two pods at once: no surge pod for those.
  const staticAddresses = s.interfaces.some((i) => i.ipv4 !== undefined);
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
          containers: [container(s)],
          volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
        },
      },
    },
  });
}

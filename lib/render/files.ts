// The package's other files: Kptfile (the package itself), service.yaml, configmap.yaml and
// function-config.yaml (a description for tools and people, never applied).
import { MANAGED_BY, selectorLabels } from '../labels.ts';
import { DEFAULTS } from '../defaults.ts';
import { nadName } from './network.ts';
import { LOCAL_CONFIG, type Scope } from './scope.ts';
import { toYaml } from './yaml.ts';

/** The ConfigMap key spec.configuration is rendered under. */
export const CONFIG_FILE = 'config.yaml';

/** The Kptfile, without the content hash: it is stamped as the last annotation afterwards. */
export function kptfileYaml(s: Scope): string {
  return toYaml({
    apiVersion: 'kpt.dev/v1',
    kind: 'Kptfile',
    metadata: {
      name: s.input.packageName.split('/').pop()!,
      labels: s.labels,
      annotations: { [LOCAL_CONFIG]: 'true' },
    },
    info: {
      description: `${s.spec.function} (${s.entry.description}) of CNFDeployment ${s.namespace}/${s.name}, rendered by ${MANAGED_BY}`,
    },
  });
}

/**
 * The Service of the cluster network (not of the Multus interfaces): ipFamilyPolicy and ipFamilies
 * only when the spec sets them, so the cluster's default (single stack) applies otherwise.
 */
export function serviceYaml(s: Scope): string {
  const nc = s.spec.networkConfig;
  return toYaml({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: s.meta(s.name),
    spec: {
      type: nc?.serviceType ?? DEFAULTS.serviceType,
      ...(nc?.ipFamilyPolicy !== undefined ? { ipFamilyPolicy: nc.ipFamilyPolicy } : {}),
      ...(nc?.ipFamilies !== undefined ? { ipFamilies: [...nc.ipFamilies] } : {}),
      selector: selectorLabels(s.name),
      ports: s.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: p.protocol })),
    },
  });
}

export function configMapYaml(s: Scope): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: s.meta(`${s.name}-config`),
    data: { [CONFIG_FILE]: s.config },
  });
}

export function functionConfigYaml(s: Scope): string {
  const { spec, entry } = s;
  return toYaml({
    apiVersion: 'nephoran.com/v1',
    kind: 'FunctionConfig',
    // Describes the package for tools and people; never applied to a cluster (no such CRD there).
    metadata: s.meta(`${s.name}-function`, { [LOCAL_CONFIG]: 'true' }),
    spec: {
      type: spec.type,
      function: spec.function,
      family: entry.family,
      description: entry.description,
      image: spec.image ?? entry.image,
      ports: s.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
      expectedInterfaces: entry.interfaces,
      interfaces: s.interfaces.map((i) => ({
        name: i.name,
        cniType: i.cniType,
        networkAttachment: nadName(s.name, i),
        ...(i.ipv4 ? { ipv4: i.ipv4 } : {}),
        ...(i.ipv6 ? { ipv6: i.ipv6 } : {}),
        ...(i.ipPool ? { ipPool: i.ipPool } : {}),
        ...(i.vlanID !== undefined ? { vlanID: i.vlanID } : {}),
        ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
        ...(i.vfs !== undefined ? { vfs: i.vfs } : {}),
      })),
      ...(spec.performance ? { performance: spec.performance } : {}),
      dependencies: [...(spec.dependencies ?? [])],
    },
  });
}

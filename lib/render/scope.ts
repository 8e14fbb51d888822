// What every rendered file is built from: the input, its catalog entry, and the values several files
// share (labels, ports, interfaces, the configuration file), computed once per render.
import type { CatalogEntry, CatalogPort } from '../catalog.ts';
import type { CNFDeploymentSpec, NetworkInterface } from '../types.ts';
import { LABEL_CNF, LABEL_CNF_TYPE, LABEL_FUNCTION, LABEL_MANAGED_BY, MANAGED_BY } from '../labels.ts';
import { sortKeys } from '../json.ts';
import { toYaml } from './yaml.ts';

export type Obj = Record<string, unknown>;

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

export interface Scope {
  input: RenderInput;
  name: string;
  namespace: string;
  spec: CNFDeploymentSpec;
  entry: CatalogEntry;
  labels: Record<string, string>;
  interfaces: NetworkInterface[];
  ports: CatalogPort[];
  /** The ConfigMap's config.yaml: spec.configuration with sorted keys. */
  config: string;
  /** Object metadata in the CNF's namespace with the common labels. */
  meta(objName: string, annotations?: Record<string, string>): Obj;
}

export const LOCAL_CONFIG = 'config.kubernetes.io/local-config';

/** Lowercase DNS-label form of a function or type name: O-CU-CP → o-cu-cp, 5G-Core → 5g-core. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function commonLabels(
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

export function scopeOf(input: RenderInput, entry: CatalogEntry): Scope {
  const { name, namespace, spec } = input;
  const labels = commonLabels(name, spec);
  return {
    input,
    name,
    namespace,
    spec,
    entry,
    labels,
    interfaces: spec.networkConfig?.interfaces ?? [],
    ports: allPorts(spec, entry),
    config: toYaml(sortKeys(spec.configuration ?? {})),
    meta: (objName, annotations) => ({
      name: objName,
      namespace,
      labels,
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    }),
  };
}

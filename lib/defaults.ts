// One source for every spec default: the CRD. The API server applies these defaults when it stores a
// CNFDeployment, validation applies them to what the hooks receive, and the code that needs a default
// for a value that may still be absent (a spec read back from status, a partial spec in tests) reads
// it from here — never a literal of its own.
import { CRD } from './generated/crd.ts';
import { crdSchema } from './validate.ts';

type Json = Record<string, unknown>;

/** The default of a spec field; '[]' in the path steps into a list's items. */
function specDefault(path: readonly string[]): unknown {
  let node = (crdSchema(CRD).properties as Json | undefined)?.['spec'] as Json | undefined;
  for (const key of path) {
    node =
      key === '[]'
        ? (node?.['items'] as Json | undefined)
        : ((node?.['properties'] as Json | undefined)?.[key] as Json | undefined);
  }
  if (node === undefined || !('default' in node)) {
    throw new Error(`the CRD has no default for spec.${path.join('.')}`);
  }
  return node['default'];
}

function number(path: readonly string[]): number {
  const v = specDefault(path);
  if (typeof v !== 'number') throw new Error(`spec.${path.join('.')} default is not a number`);
  return v;
}

function oneOf<T extends string>(path: readonly string[], values: readonly T[]): T {
  const v = specDefault(path);
  if (!values.includes(v as T))
    throw new Error(`spec.${path.join('.')} default is not one of ${values.join(', ')}`);
  return v as T;
}

function boolean(path: readonly string[]): boolean {
  const v = specDefault(path);
  if (typeof v !== 'boolean') throw new Error(`spec.${path.join('.')} default is not a boolean`);
  return v;
}

/** The CRD's defaults, by the field they default (docs/api.md lists them too). */
export const DEFAULTS = {
  replicas: number(['replicas']),
  maxReplicas: number(['maxReplicas']),
  serviceType: oneOf(['networkConfig', 'serviceType'], ['ClusterIP', 'NodePort', 'LoadBalancer'] as const),
  approval: oneOf(['porch', 'approval'], ['Automatic', 'Manual'] as const),
  progressDeadlineSeconds: number(['rollout', 'progressDeadlineSeconds']),
  autoRollback: boolean(['rollout', 'autoRollback']),
  cooldownSeconds: number(['scaling', 'cooldownSeconds']),
  maxSkew: number(['placement', 'topologySpread', '[]', 'maxSkew']),
  whenUnsatisfiable: oneOf(['placement', 'topologySpread', '[]', 'whenUnsatisfiable'], [
    'DoNotSchedule',
    'ScheduleAnyway',
  ] as const),
} as const;

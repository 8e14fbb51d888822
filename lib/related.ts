// The customize hook's answer: which related objects Metacontroller should watch and pass to sync.
// Metacontroller caches the answer per (parent uid, generation), so it may depend only on the
// parent's metadata and spec — never on status or time.
import { LABEL_CNF } from './labels.ts';
import type { CNFDeployment } from './types.ts';

export interface RelatedResourceRule {
  apiVersion: string;
  resource: string;
  namespace?: string;
  labelSelector?: { matchLabels: Record<string, string> };
  names?: string[];
}

export interface CustomizeAnswer {
  relatedResources: RelatedResourceRule[];
}

/** Label EndpointSlices carry for the Service they belong to (set by Kubernetes). */
const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

/** Parent shape the customize hook can rely on: metadata always, spec possibly incomplete. */
export type CustomizeParent = Pick<CNFDeployment, 'metadata'> & { spec?: Partial<CNFDeployment['spec']> };

export function relatedResources(parent: CustomizeParent): CustomizeAnswer {
  const { name } = parent.metadata;
  const namespace = parent.metadata.namespace ?? 'default';
  // The renderer names the Service and Deployment after the CNFDeployment and labels every rendered
  // object nephoran.com/cnf=<name>; Pods inherit the label from the pod template.
  // Label-selected rules carry no namespace: Metacontroller rejects a rule with both ("related rule
  // cannot have both labelSelector and Namespace/Names") and, for a namespaced parent, lists
  // label-selected objects in the parent's namespace anyway.
  const byCnf = { matchLabels: { [LABEL_CNF]: name } };
  const rules: RelatedResourceRule[] = [
    { apiVersion: 'apps/v1', resource: 'deployments', labelSelector: byCnf },
    { apiVersion: 'v1', resource: 'pods', labelSelector: byCnf },
    {
      apiVersion: 'discovery.k8s.io/v1',
      resource: 'endpointslices',
      labelSelector: { matchLabels: { [LABEL_SERVICE_NAME]: name } },
    },
  ];
  const deps = dependencyNames(parent.spec?.dependencies);
  if (deps.length > 0) {
    rules.push({ apiVersion: 'nephoran.com/v1', resource: 'cnfdeployments', namespace, names: deps });
  }
  return { relatedResources: rules };
}

/** Distinct, sorted, non-empty string names (spec validation is the reconciler's job, not ours). */
function dependencyNames(deps: unknown): string[] {
  if (!Array.isArray(deps)) return [];
  const names = deps.filter((d): d is string => typeof d === 'string' && d !== '');
  return [...new Set(names)].sort();
}

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

/**
 * Whether label-selected rules may carry the parent's namespace: Metacontroller v4 lists a rule with
 * a label selector in all namespaces unless it names one, and accepts both; v1.5.x narrows to the
 * parent's namespace itself and refuses a rule with both ("related rule cannot have both
 * labelSelector and Namespace/Names"). Only v4 knows hook versions, so a customize hook that the
 * request's CompositeController declares `version: v2` is v4's.
 */
export function narrowsByNamespace(controller: unknown): boolean {
  const hooks = (controller as { spec?: { hooks?: { customize?: { version?: unknown } } } } | null)?.spec
    ?.hooks;
  return hooks?.customize?.version === 'v2';
}

export function relatedResources(parent: CustomizeParent, narrow = false): CustomizeAnswer {
  const { name } = parent.metadata;
  const namespace = parent.metadata.namespace ?? 'default';
  // The renderer names the Service and Deployment after the CNFDeployment and labels every rendered
  // object nephoran.com/cnf=<name>; Pods inherit the label from the pod template.
  // Label-selected rules name the parent's namespace where Metacontroller accepts it (v4, see
  // narrowsByNamespace); the sync hook also ignores objects of other namespaces (hooks/request.ts).
  const byCnf = { matchLabels: { [LABEL_CNF]: name } };
  const scope = narrow ? { namespace } : {};
  const rules: RelatedResourceRule[] = [
    { apiVersion: 'apps/v1', resource: 'deployments', ...scope, labelSelector: byCnf },
    { apiVersion: 'v1', resource: 'pods', ...scope, labelSelector: byCnf },
    {
      apiVersion: 'discovery.k8s.io/v1',
      resource: 'endpointslices',
      ...scope,
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

// Reading a Metacontroller hook request (after the envelope schema in schema.ts accepted it): the
// parent as the reconciler expects it, its children and its related objects by type. Both hook
// versions carry the same objects; only their map keys differ, so objects are read, keys are not.
import type { FastifyBaseLogger } from 'fastify';
import type { CNFDeployment, KubeObject, PackageRevision, RelatedObjects } from '../lib/types.ts';
import { readStatus } from '../lib/status-read.ts';

const CHILD_PACKAGE_REVISION = 'PackageRevision.porch.kpt.dev/v1alpha1';
const RELATED_KEYS = {
  deployments: 'Deployment.apps/v1',
  pods: 'Pod.v1',
  endpointSlices: 'EndpointSlice.discovery.k8s.io/v1',
  cnfDeployments: 'CNFDeployment.nephoran.com/v1',
} as const;

type ObjectsByType = Record<string, Record<string, unknown> | null> | null | undefined;

/** A Metacontroller sync/finalize request after envelope validation. */
export interface HookRequest {
  controller?: unknown;
  parent: CNFDeployment;
  children?: ObjectsByType;
  related?: ObjectsByType;
  finalizing?: boolean;
}

/**
 * Objects of one type key in the parent's namespace, in a stable order (by their map key). In
 * Metacontroller v4, a v2 customize rule with a label selector lists objects of every namespace, and
 * v2 requests are not narrowed to the parent's (v1 requests are): a Deployment of the same name and
 * labels in another namespace must not count as this CNF's workload. An object is kept when neither
 * its v2 key (`<namespace>/<name>`) nor its metadata names another namespace.
 */
export function objectsOf<T>(map: ObjectsByType, key: string, namespace: string): T[] {
  const m = map?.[key];
  if (m === null || m === undefined) return [];
  return Object.keys(m)
    .sort()
    .filter((k) => {
      const slash = k.indexOf('/');
      if (slash >= 0 && k.slice(0, slash) !== namespace) return false;
      const ns = (m[k] as { metadata?: { namespace?: unknown } } | null)?.metadata?.namespace;
      return ns === undefined || ns === namespace;
    })
    .map((k) => m[k] as T);
}

const namespaceOf = (req: HookRequest): string => req.parent.metadata.namespace ?? 'default';

function logUnknownKeys(
  map: ObjectsByType,
  known: readonly string[],
  what: string,
  log: FastifyBaseLogger,
): void {
  for (const key of Object.keys(map ?? {})) {
    if (!known.includes(key)) log.debug({ type: key }, `ignoring unknown ${what} type`);
  }
}

export function childrenOf(req: HookRequest, log: FastifyBaseLogger): PackageRevision[] {
  logUnknownKeys(req.children, [CHILD_PACKAGE_REVISION], 'child', log);
  return objectsOf<PackageRevision>(req.children, CHILD_PACKAGE_REVISION, namespaceOf(req));
}

export function relatedOf(req: HookRequest, log: FastifyBaseLogger): RelatedObjects {
  logUnknownKeys(req.related, Object.values(RELATED_KEYS), 'related', log);
  const ns = namespaceOf(req);
  return {
    deployments: objectsOf<KubeObject>(req.related, RELATED_KEYS.deployments, ns),
    pods: objectsOf<KubeObject>(req.related, RELATED_KEYS.pods, ns),
    endpointSlices: objectsOf<KubeObject>(req.related, RELATED_KEYS.endpointSlices, ns),
    cnfDeployments: objectsOf<CNFDeployment>(req.related, RELATED_KEYS.cnfDeployments, ns),
  };
}

/**
 * Parent as the reconciler expects it: spec present (validated by the reconciler), status absent or
 * read as untrusted input (lib/status-read.ts: anyone may edit it, and the CRD requires none of its
 * fields), a null deletionTimestamp (Go's nil) absent.
 */
export function normalizeParent(parent: CNFDeployment): CNFDeployment {
  const p = { ...parent } as Omit<CNFDeployment, 'spec' | 'status'> & { spec: unknown; status?: unknown };
  if (p.spec === null || p.spec === undefined) p.spec = {};
  if ((p.metadata.deletionTimestamp as unknown) === null) {
    p.metadata = { ...p.metadata };
    delete p.metadata.deletionTimestamp;
  }
  const status = readStatus(p.status, p);
  if (status === undefined) delete p.status;
  else p.status = status;
  return p as CNFDeployment;
}

// Which PackageRevisions a hook's write may touch. A hook request names its children, and the
// request is not trusted (docs/operations.md, "What the hooks trust"): before any Porch write the
// client reads the revision and checks it against this guard, built from the CNFDeployment the API
// server holds (hooks/flow.ts).
import type { PackageRevision } from '../types.ts';
import { isObject } from '../json.ts';
import { ApiError } from './http.ts';

/**
 * Whose revision a write may touch, from the CNFDeployment as the API server holds it (never from a
 * hook request's claims): a revision of that CNF's package, owned by no other CNFDeployment. A
 * revision owned by an earlier CNFDeployment of the same name (deleted and created again) is the
 * same CNF's and may be adopted.
 */
export interface RevisionGuard {
  repository: string;
  packageName: string;
  /** The CNFDeployment's name; its namespace is the revision's. */
  cnf: string;
}

/**
 * Refuses (Permanent, NotOwned) a write to a revision that is not of the guarded CNF's package, or
 * that another CNFDeployment owns.
 */
export function checkGuard(pr: PackageRevision, guard: RevisionGuard | undefined): void {
  if (guard === undefined) return;
  const where = `${pr.metadata.namespace ?? ''}/${pr.metadata.name}`;
  const spec = isObject(pr.spec) ? pr.spec : undefined;
  if (spec?.repository !== guard.repository || spec.packageName !== guard.packageName) {
    throw new ApiError(
      `PackageRevision ${where} is package ${String(spec?.packageName)} in repository ${String(spec?.repository)}, not ${guard.packageName} in ${guard.repository} of CNFDeployment ${guard.cnf}: not touched`,
      { class: 'Permanent', reason: 'NotOwned' },
    );
  }
  const owners = (pr.metadata.ownerReferences ?? []).filter((o) => o.kind === 'CNFDeployment');
  if (owners.length > 0 && !owners.some((o) => o.name === guard.cnf)) {
    throw new ApiError(
      `PackageRevision ${where} belongs to CNFDeployment ${owners.map((o) => o.name).join(', ')}, not ${guard.cnf}: not touched`,
      { class: 'Permanent', reason: 'NotOwned' },
    );
  }
}

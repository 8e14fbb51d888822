// Porch naming. Porch ignores a client's metadata.name and names a PackageRevision
// `<repository>.<package path with / → .>.<workspaceName>` (porch pkg/util ComposePkgRevObjName), so
// the desired child must carry exactly that name. A name that cannot be valid is a Configuration
// error of the CNFDeployment (PorchNameError with field paths), never a crash.

import type { CNFDeploymentSpec } from './types.ts';
import { FieldIssuesError, type FieldIssue } from './errors.ts';

/** A bad name and the field it came from, e.g. spec.porch.packageName or metadata.name. */
export type NameIssue = FieldIssue;

export class PorchNameError extends FieldIssuesError {
  readonly code = 'INVALID_PORCH_NAME';
  constructor(issues: NameIssue[]) {
    super(issues, 'invalid Porch name');
    this.name = 'PorchNameError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDNS1123Label(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

export function isDNS1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

/** Package path: spec.porch.packageName, else `<namespace>/<name>`. */
export function defaultPackageName(
  namespace: string,
  name: string,
  spec?: Pick<CNFDeploymentSpec, 'porch'>,
): string {
  return spec?.porch?.packageName ?? `${namespace}/${name}`;
}

/**
 * Workspace name of the `sequence`-th revision: `r<sequence>-<first 10 hex of the content hash>`.
 * The sequence makes it unique even when old content is rendered again (rollback), the hash makes
 * it readable in `porchctl rpkg get`.
 */
export function workspaceName(sequence: number, contentHash: string): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`workspace sequence must be an integer ≥ 1, got ${sequence}`);
  }
  if (!/^[0-9a-f]{10}/.test(contentHash)) {
    throw new RangeError(`content hash must start with 10 lowercase hex digits, got "${contentHash}"`);
  }
  return `r${sequence}-${contentHash.slice(0, 10)}`;
}

/** The sequence number of a workspace made by workspaceName, or undefined for any other name. */
export function workspaceSequence(workspace: string): number | undefined {
  const m = /^r([1-9][0-9]*)-[0-9a-f]{10}$/.exec(workspace);
  return m ? Number(m[1]) : undefined;
}

export interface NameSources {
  /** Field paths reported for each part (defaults: spec.porch.repository, spec.porch.packageName). */
  repositoryPath?: string;
  packageNamePath?: string;
}

/** Everything wrong with a (repository, package, workspace) triple; empty when Porch will accept it. */
export function checkPorchNames(
  repository: string,
  packageName: string,
  workspace: string,
  sources: NameSources = {},
): NameIssue[] {
  const repoPath = sources.repositoryPath ?? 'spec.porch.repository';
  const pkgPath = sources.packageNamePath ?? 'spec.porch.packageName';
  const issues: NameIssue[] = [];
  if (!isDNS1123Label(repository)) {
    issues.push({ path: repoPath, message: `repository "${repository}" must be a DNS-1123 label` });
  }
  const segments = packageName.split('/');
  if (!segments.every(isDNS1123Label)) {
    issues.push({
      path: pkgPath,
      message: `package path "${packageName}" must be DNS-1123 labels separated by "/"`,
    });
  }
  if (!isDNS1123Label(workspace)) {
    issues.push({ path: 'workspace', message: `workspace "${workspace}" must be a DNS-1123 label` });
  }
  const full = composeName(repository, packageName, workspace);
  if (issues.length === 0 && !isDNS1123Subdomain(full)) {
    issues.push({
      path: pkgPath,
      message: `PackageRevision name "${full}" is longer than 253 characters; use a shorter spec.porch.packageName`,
    });
  }
  return issues;
}

function composeName(repository: string, packageName: string, workspace: string): string {
  return `${repository}.${packageName.split('/').join('.')}.${workspace}`;
}

/**
 * The PackageRevision object name Porch will give this revision. Throws PorchNameError when Porch
 * would reject any part.
 */
export function revisionName(
  repository: string,
  packageName: string,
  workspace: string,
  sources?: NameSources,
): string {
  const issues = checkPorchNames(repository, packageName, workspace, sources);
  if (issues.length > 0) throw new PorchNameError(issues);
  return composeName(repository, packageName, workspace);
}

/** Field paths for a package name that was derived from metadata rather than given in the spec. */
export function nameSources(spec: Pick<CNFDeploymentSpec, 'porch'>): NameSources {
  return {
    repositoryPath:
      spec.porch?.repository !== undefined ? 'spec.porch.repository' : 'repository (controller default)',
    packageNamePath: spec.porch?.packageName !== undefined ? 'spec.porch.packageName' : 'metadata.name',
  };
}

/**
 * The Porch repository and package of a CNF: spec.porch (defaulted), else what status recorded, else
 * the controller's default repository and `<namespace>/<name>`. Undefined when Porch would reject the
 * names (nothing of such a CNF ever reached Porch).
 */
export function packageOf(
  parent: {
    metadata: { name: string; namespace?: string };
    spec?: Partial<Pick<CNFDeploymentSpec, 'porch'>>;
    status?: { repository?: string; packageName?: string };
  },
  defaultRepository: string,
): { repository: string; packageName: string } | undefined {
  // Read before validation (observation, finalize): a field of the wrong type counts as absent.
  const porch: unknown = parent.spec?.porch;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const field = (key: string): string | undefined =>
    typeof porch === 'object' && porch !== null && Object.hasOwn(porch, key)
      ? text((porch as Record<string, unknown>)[key])
      : undefined;
  const repository = field('repository') ?? text(parent.status?.repository) ?? defaultRepository;
  const packageName =
    field('packageName') ??
    text(parent.status?.packageName) ??
    defaultPackageName(parent.metadata.namespace ?? 'default', parent.metadata.name);
  return checkPorchNames(repository, packageName, 'r1-0000000000').length === 0
    ? { repository, packageName }
    : undefined;
}

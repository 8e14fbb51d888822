// What Porch holds for a CNF's package, set against what Metacontroller shows as the CNF's children.
// Metacontroller only sees revisions labelled controller-uid=<parent uid>; Porch v1.5.8 can drop a
// revision's labels and owner under concurrent writes (its cache refresh re-creates the metadata
// bare), and a CNF deleted before this fix, or whose finalize timed out, may have left revisions of
// the same package behind. Without this view the reconciler would ask Metacontroller to create a
// revision Porch already holds; Porch then pushes a second commit to the same draft branch and fails
// with "non-fast-forward update" forever, or creates a twin of the same name (docs/operations.md,
// "Porch under load"). Pure: the shell lists, this decides.
import type { CNFDeployment, OwnerReference, PackageRevision } from './types.ts';
import { LABEL_CNF, LABEL_CONTROLLER_UID } from './labels.ts';
import { workspaceSequence } from './naming.ts';

/** The labels and owner a revision of this CNF carries. */
export interface Ownership {
  labels: Record<string, string>;
  owner: OwnerReference;
}

export function ownershipOf(parent: CNFDeployment): Ownership | undefined {
  const uid = parent.metadata.uid;
  if (uid === undefined) return undefined;
  return {
    labels: { [LABEL_CNF]: parent.metadata.name, [LABEL_CONTROLLER_UID]: uid },
    owner: {
      apiVersion: parent.apiVersion,
      kind: parent.kind,
      name: parent.metadata.name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  };
}

export interface PorchView {
  /** What Porch listed. */
  listed: readonly PackageRevision[];
  /** Every name Porch lists for the package. */
  names: Set<string>;
  /** Names Porch lists more than once: twin revisions of one workspace (a create that went through twice). */
  twins: Set<string>;
  /** Revisions of this package made by this controller (workspace r<n>-<hash>) that Metacontroller does not see. */
  unobserved: PackageRevision[];
  /**
   * Revisions Metacontroller still shows whose labels Porch has dropped: Metacontroller will stop
   * seeing them on its next update, so they are adopted now.
   */
  unlabelled: PackageRevision[];
  /** Revisions Porch made itself: the branch revision `<repo>.<pkg>.<branch>` (revision -1). */
  branch: PackageRevision[];
  /** Another CNFDeployment (by name) owns a revision of this package: the package is not ours to touch. */
  ownedByOther: string | undefined;
}

/**
 * The input with each child's lifecycle, revision and version as Porch lists them, where Porch
 * lists that name exactly once.
 * Metacontroller's copy of a revision lags Porch under load (its watch misses updates Porch does not
 * announce), while every lifecycle change is the hook's own action, made from a fresh read: what
 * Porch lists is the fresher truth, and planning from it moves a CNF on instead of waiting for
 * Metacontroller to catch up. A child Porch does not list, or lists twice, stays as observed.
 */
export function withPorchCopies<
  T extends { children: PackageRevision[]; observations: { packageRevisions?: PackageRevision[] } },
>(input: T): T {
  const listed = input.observations.packageRevisions;
  if (listed === undefined) return input;
  return { ...input, children: freshest(input.children, listed) };
}

export function freshest(
  observed: readonly PackageRevision[],
  listed: readonly PackageRevision[] | undefined,
): PackageRevision[] {
  if (listed === undefined) return [...observed];
  const byName = new Map<string, PackageRevision[]>();
  for (const pr of listed) byName.set(pr.metadata.name, [...(byName.get(pr.metadata.name) ?? []), pr]);
  return observed.map((c) => {
    const copies = byName.get(c.metadata.name);
    if (copies?.length !== 1) return c;
    const porch = copies[0]!;
    // What Porch owns (spec: lifecycle, revision; status; the resourceVersion, its git commit) from
    // Porch; the metadata that is ours (labels, annotations: the content hash, the trigger) as
    // observed — Porch can list a revision with its metadata dropped.
    const fresh: PackageRevision = { ...c, spec: porch.spec };
    const rv = porch.metadata.resourceVersion;
    if (rv !== undefined) fresh.metadata = { ...c.metadata, resourceVersion: rv };
    if (porch.status !== undefined) fresh.status = porch.status;
    return fresh;
  });
}

/** Porch's view, or undefined when the shell did not list (then nothing here is known). */
export function porchView(
  listed: readonly PackageRevision[] | undefined,
  parent: CNFDeployment,
  observed: readonly PackageRevision[],
): PorchView | undefined {
  if (listed === undefined) return undefined;
  const seen = new Set(observed.map((c) => c.metadata.name));
  const names = new Set<string>();
  const twins = new Set<string>();
  for (const pr of listed) {
    if (names.has(pr.metadata.name)) twins.add(pr.metadata.name);
    names.add(pr.metadata.name);
  }
  const ownerOf = (pr: PackageRevision): string | undefined =>
    (pr.metadata.ownerReferences ?? []).find((o) => o.kind === parent.kind)?.name;
  const other = listed.map(ownerOf).find((o) => o !== undefined && o !== parent.metadata.name);
  // A revision another CNFDeployment owns is never ours to adopt or delete.
  const ours = (pr: PackageRevision): boolean =>
    workspaceSequence(pr.spec.workspaceName) !== undefined &&
    (ownerOf(pr) ?? parent.metadata.name) === parent.metadata.name;
  return {
    listed,
    names,
    twins,
    unobserved: listed.filter((pr) => ours(pr) && !seen.has(pr.metadata.name)),
    unlabelled: listed.filter(
      (pr) =>
        ours(pr) &&
        seen.has(pr.metadata.name) &&
        pr.metadata.labels?.[LABEL_CONTROLLER_UID] !== parent.metadata.uid,
    ),
    branch: listed.filter((pr) => workspaceSequence(pr.spec.workspaceName) === undefined),
    ownedByOther: other,
  };
}

/**
 * Whether the shell should list the package in Porch before this answer: always while deleting; and
 * whenever the answer may ask for a revision or move one — no child observed, one not yet published,
 * the revision status records not observed, or a spec change not yet reconciled (it may ask for a
 * new revision, whose name must not collide with one Porch holds). A CNF whose revision is
 * published and observed costs no listing, also while its workload comes up: under load the
 * listing on every waiting sync was a fifth of the hook's calls to Porch. (Status is only read here
 * to decide whether to look; what the listing says is what counts.)
 */
export function listingNeeded(parent: CNFDeployment, observed: readonly PackageRevision[]): boolean {
  if (parent.metadata.deletionTimestamp !== undefined) return true;
  if (observed.length === 0) return true;
  if (observed.some((c) => (c.spec.lifecycle ?? 'Draft') !== 'Published')) return true;
  if (parent.metadata.generation !== parent.status?.observedGeneration) return true;
  const recorded = parent.status?.packageRevision;
  return recorded !== undefined && !observed.some((c) => c.metadata.name === recorded);
}

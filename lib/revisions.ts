// Planning of the PackageRevision children: which revisions the answer holds, with which lifecycle,
// and which actions (write content, approve) the shell must carry out for the one in flight.
//
// Rules (see docs/lifecycle.md): Metacontroller creates and deletes children but never updates them
// (updateStrategy OnDelete), so observed children are echoed as observed and every lifecycle change
// — propose, approve, propose for deletion — is an action the shell carries out from a fresh read.
// A Published revision beyond the history bound is deleted by an action; at most one unpublished
// revision is desired; a superseded Draft/Proposed is simply left out (Metacontroller deletes it).
// Reviewers' decisions in Porch stand: a revision a reviewer proposed for deletion is kept (echoed)
// until they delete it, and with approval Manual a revision a reviewer rejected is not proposed
// again until the spec changes or the user asks (the annotation nephoran.com/propose-again).
import type {
  Action,
  CNFDeployment,
  Observations,
  PackageLifecycle,
  PackageRevision,
  PackageRevisionTask,
  RevisionHistoryEntry,
  RevisionTrigger,
} from './types.ts';
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_GENERATION,
  ANNOTATION_PROPOSE_AGAIN,
  ANNOTATION_TRIGGER,
  LABEL_CNF,
  LABEL_CONTROLLER_UID,
} from './labels.ts';
import { revisionName, workspaceName, workspaceSequence } from './naming.ts';
import { ownershipOf, type PorchView } from './porch-view.ts';

/** Published revisions kept in Porch; older ones are proposed for deletion, then deleted. */
const KEEP_PUBLISHED = 5;

export interface ChildInfo {
  child: PackageRevision;
  name: string;
  /** Sequence number from the workspace name `r<seq>-<hash10>` (0 when not ours). */
  seq: number;
  lifecycle: PackageLifecycle;
  contentHash: string | undefined;
  /** What made the revision (our annotation); undefined when absent or not one of ours. */
  trigger: RevisionTrigger | undefined;
  /** Porch revision number (0 until published). */
  revision: number;
}

/**
 * Whether a revision Porch lists holds `contentHash`: by our annotation, or — when Porch dropped
 * the annotations — by the hash prefix our workspace names carry (`r<seq>-<hash10>`).
 */
function holdsContent(pr: PackageRevision, contentHash: string): boolean {
  const annotated = pr.metadata.annotations?.[ANNOTATION_CONTENT_HASH];
  if (annotated !== undefined) return annotated === contentHash;
  const ws = pr.spec.workspaceName;
  return workspaceSequence(ws) !== undefined && ws.slice(ws.indexOf('-') + 1) === contentHash.slice(0, 10);
}

function seqOfWorkspace(workspace: string): number {
  return workspaceSequence(workspace) ?? 0;
}

/**
 * A child as the planner sees it. Its content hash is our annotation; when Porch dropped the
 * annotations (under load Porch v1.5.8 can re-create a revision's metadata bare, and adopting it
 * restores labels and owner only), the hash status.history recorded for that revision — else the
 * revision would look like other content and a second revision of the same content be asked for.
 */
export function describeChild(
  child: PackageRevision,
  history: readonly RevisionHistoryEntry[] = [],
): ChildInfo {
  const annotated = child.metadata.annotations?.[ANNOTATION_CONTENT_HASH];
  const recorded = history.find(
    (h) => h.name === child.metadata.name && h.workspace === child.spec.workspaceName,
  )?.contentHash;
  return {
    child,
    name: child.metadata.name,
    seq: seqOfWorkspace(child.spec.workspaceName),
    lifecycle: child.spec.lifecycle ?? 'Draft',
    contentHash: annotated ?? recorded,
    trigger: asTrigger(child.metadata.annotations?.[ANNOTATION_TRIGGER]),
    revision: child.spec.revision ?? 0,
  };
}

/** Newest first: by Porch revision number, then by our sequence number. */
function newestFirst(a: ChildInfo, b: ChildInfo): number {
  return b.revision - a.revision || b.seq - a.seq;
}

/**
 * Revisions whose content is on the deployment branch, newest first: Published ones, and those a
 * reviewer proposed for deletion (live until the deletion is approved).
 */
export function publishedChildren(children: readonly ChildInfo[]): ChildInfo[] {
  return children
    .filter((c) => c.lifecycle === 'Published' || c.lifecycle === 'DeletionProposed')
    .sort(newestFirst);
}

/** The annotation nephoran.com/propose-again's value ('' when absent). */
export function proposeAgainOf(parent: CNFDeployment): string {
  const v = parent.metadata.annotations?.[ANNOTATION_PROPOSE_AGAIN];
  return typeof v === 'string' ? v : '';
}

/** The desired content of the latest revision. */
export interface DesiredContent {
  contentHash: string;
  files: Record<string, string>;
  trigger: RevisionTrigger;
  generation: number;
  replicas: number;
  restartGeneration: number;
}

export interface PlanInput {
  parent: CNFDeployment;
  children: readonly ChildInfo[];
  history: readonly RevisionHistoryEntry[];
  desired: DesiredContent;
  packageName: string;
  repository: string;
  approval: 'Automatic' | 'Manual';
  observations: Observations;
  /** What Porch holds for the package (porch-view.ts), when the shell listed it. */
  porch?: PorchView | undefined;
}

export type TargetState = 'New' | 'Draft' | 'Proposed' | 'Published';

export interface RevisionTarget {
  name: string;
  workspace: string;
  state: TargetState;
  trigger: RevisionTrigger;
  /** The observed child, when it exists. */
  info?: ChildInfo;
  /** The content is written; the revision is (or is being) proposed. */
  written: boolean;
  /**
   * Porch holds this revision but Metacontroller does not show it as a child (its labels were lost,
   * or its watch lags): it is not asked for again — that would create a second one — but adopted.
   */
  awaitingObservation?: boolean;
  /** A reviewer rejected it (approval Manual): not proposed again until asked (proposeAgainOf). */
  rejected?: boolean;
}

export interface RevisionPlan {
  children: PackageRevision[];
  actions: Action[];
  target: RevisionTarget;
  latestPublished: ChildInfo | undefined;
  /** Published revisions being proposed for deletion (history bound). */
  pruning: string[];
}

function ourLabels(parent: CNFDeployment): Record<string, string> {
  const labels: Record<string, string> = { [LABEL_CNF]: parent.metadata.name };
  if (parent.metadata.uid !== undefined) labels[LABEL_CONTROLLER_UID] = parent.metadata.uid;
  return labels;
}

const OUR_ANNOTATIONS = [ANNOTATION_CONTENT_HASH, ANNOTATION_GENERATION, ANNOTATION_TRIGGER];

/** An observed child as the answer holds it: its observed spec, our metadata, the given lifecycle. */
export function echoChild(
  parent: CNFDeployment,
  child: PackageRevision,
  lifecycle?: PackageLifecycle,
): PackageRevision {
  const annotations: Record<string, string> = {};
  for (const key of OUR_ANNOTATIONS) {
    const v = child.metadata.annotations?.[key];
    if (v !== undefined) annotations[key] = v;
  }
  const s = child.spec;
  const spec: PackageRevision['spec'] = {
    packageName: s.packageName,
    repository: s.repository,
    workspaceName: s.workspaceName,
  };
  if (s.revision !== undefined) spec.revision = s.revision;
  const lc = lifecycle ?? s.lifecycle;
  if (lc !== undefined) spec.lifecycle = lc;
  if (s.tasks !== undefined) spec.tasks = s.tasks;
  const metadata: PackageRevision['metadata'] = { name: child.metadata.name, labels: ourLabels(parent) };
  const ns = child.metadata.namespace ?? parent.metadata.namespace;
  if (ns !== undefined) metadata.namespace = ns;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { apiVersion: 'porch.kpt.dev/v1alpha1', kind: 'PackageRevision', metadata, spec };
}

function newChild(
  input: PlanInput,
  name: string,
  workspace: string,
  source: ChildInfo | undefined,
): PackageRevision {
  const { parent, desired } = input;
  const task: PackageRevisionTask =
    source === undefined
      ? {
          type: 'init',
          init: {
            description: `${parent.spec.function} (${parent.spec.type}) CNF ${parent.metadata.name}`,
            keywords: [parent.spec.type, parent.spec.function],
          },
        }
      : { type: 'edit', edit: { sourceRef: { name: source.name } } };
  const metadata: PackageRevision['metadata'] = {
    name,
    labels: ourLabels(parent),
    annotations: {
      [ANNOTATION_CONTENT_HASH]: desired.contentHash,
      [ANNOTATION_GENERATION]: String(desired.generation),
      [ANNOTATION_TRIGGER]: desired.trigger,
    },
  };
  if (parent.metadata.namespace !== undefined) metadata.namespace = parent.metadata.namespace;
  return {
    apiVersion: 'porch.kpt.dev/v1alpha1',
    kind: 'PackageRevision',
    metadata,
    spec: {
      packageName: input.packageName,
      repository: input.repository,
      workspaceName: workspace,
      lifecycle: 'Draft',
      tasks: [task],
    },
  };
}

const TRIGGERS: ReadonlySet<string> = new Set<RevisionTrigger>([
  'Create',
  'Scale',
  'Update',
  'Heal',
  'Rollback',
]);

function asTrigger(v: string | undefined): RevisionTrigger | undefined {
  return v !== undefined && TRIGGERS.has(v) ? (v as RevisionTrigger) : undefined;
}

/** Chooses the revision that carries the desired content: existing, or a new one. */
function chooseTarget(input: PlanInput, latest: ChildInfo | undefined): RevisionTarget {
  const { desired } = input;
  // A name Porch holds twice is broken (a duplicate create): never a target again. So is one whose
  // draft branch Porch cannot find (the last error says so): it is left out, Metacontroller
  // deletes it, and the content goes to a revision of a new sequence number.
  // (Counted twice, so a moment of Porch's cache lagging git is not taken for it.)
  const lastError = input.parent.status?.lastError;
  const branchMissing =
    lastError?.reason === 'DraftBranchMissing' &&
    lastError.action?.startsWith('propose:') === true &&
    (lastError.failures ?? 1) >= 2
      ? lastError.action.slice('propose:'.length)
      : undefined;
  const broken = (name: string): boolean => input.porch?.twins.has(name) === true || name === branchMissing;
  if (latest !== undefined && latest.contentHash === desired.contentHash) {
    return {
      name: latest.name,
      workspace: latest.child.spec.workspaceName,
      state: 'Published',
      trigger: latest.trigger ?? desired.trigger,
      info: latest,
      written: true,
    };
  }
  const pending = input.children
    .filter(
      (c) =>
        (c.lifecycle === 'Draft' || c.lifecycle === 'Proposed') &&
        c.contentHash === desired.contentHash &&
        !broken(c.name),
    )
    .sort((a, b) => b.seq - a.seq)[0];
  if (pending !== undefined) {
    return {
      name: pending.name,
      workspace: pending.child.spec.workspaceName,
      state: pending.lifecycle === 'Proposed' ? 'Proposed' : 'Draft',
      trigger: pending.trigger ?? desired.trigger,
      info: pending,
      written: pending.lifecycle === 'Proposed',
    };
  }
  // Requested in an earlier answer but not observed (not listed yet, or deleted behind our back):
  // ask for the same object again rather than a new sequence number.
  const last = input.history[input.history.length - 1];
  const observedNames = new Set(input.children.map((c) => c.name));
  if (last !== undefined && last.outcome === 'Pending' && last.contentHash === desired.contentHash) {
    if (!observedNames.has(last.name) && !broken(last.name)) {
      const target: RevisionTarget = {
        name: last.name,
        workspace: last.workspace,
        state: 'New',
        trigger: last.trigger ?? desired.trigger,
        written: false,
      };
      if (input.porch?.names.has(last.name) === true) target.awaitingObservation = true;
      return target;
    }
  }
  // Porch holds the content already in a revision Metacontroller does not show (a leftover of a
  // deleted CNF of the same name, or labels lost): adopt that one rather than make another.
  const held = input.porch?.unobserved
    .filter((pr) => !broken(pr.metadata.name) && holdsContent(pr, desired.contentHash))
    .sort((a, b) => (b.spec.revision ?? 0) - (a.spec.revision ?? 0))[0];
  if (held !== undefined) {
    return {
      name: held.metadata.name,
      workspace: held.spec.workspaceName,
      state: 'New',
      trigger: asTrigger(held.metadata.annotations?.[ANNOTATION_TRIGGER]) ?? desired.trigger,
      written: false,
      awaitingObservation: true,
    };
  }
  // Above every sequence number in use, Porch's leftovers included, so a new name never collides.
  const seqs = [
    ...input.children.map((c) => c.seq),
    ...input.history.map((h) => seqOfWorkspace(h.workspace)),
    ...[...(input.porch?.names ?? [])].map((n) => seqOfWorkspace(n.slice(n.lastIndexOf('.') + 1))),
  ];
  const seq = Math.max(0, ...seqs) + 1;
  const workspace = workspaceName(seq, desired.contentHash);
  return {
    name: revisionName(input.repository, input.packageName, workspace),
    workspace,
    state: 'New',
    trigger: desired.trigger,
    written: false,
  };
}

/**
 * What Porch holds that Metacontroller cannot see, put right (porch-view.ts): revisions of ours it
 * does not show, or whose labels Porch dropped, are adopted — once Metacontroller sees them, the
 * answer decides about them like about any child (a leftover draft is then left out and deleted by
 * Metacontroller). They are not deleted from here: Porch can list a revision for a moment after its
 * deletion (a cache refresh racing the delete), and acting on that ghost would write git refs for a
 * revision that is gone. A name Porch holds twice loses its unpublished twin (Porch deletes the
 * lowest revision of a name first).
 */
export function porchRepairs(
  porch: PorchView | undefined,
  parent: CNFDeployment,
  namespace: string,
): Action[] {
  const ownership = ownershipOf(parent);
  if (porch === undefined) return [];
  const actions: Action[] = [];
  if (ownership !== undefined) {
    for (const pr of [...porch.unobserved, ...porch.unlabelled]) {
      if (porch.twins.has(pr.metadata.name)) continue;
      actions.push({ type: 'adoptPackageRevision', name: pr.metadata.name, namespace, ...ownership });
    }
  }
  const twins = porch.listed
    .filter((pr) => porch.twins.has(pr.metadata.name))
    .filter((pr) => (pr.spec.lifecycle ?? 'Draft') === 'Draft' || pr.spec.lifecycle === 'Proposed')
    .map((pr) => pr.metadata.name);
  for (const name of [...new Set(twins)].sort())
    actions.push({ type: 'deletePackageRevision', name, namespace });
  return actions;
}

export function planRevisions(input: PlanInput): RevisionPlan {
  const { parent } = input;
  const published = publishedChildren(input.children);
  const latest = published[0];
  const target = chooseTarget(input, latest);
  const children: PackageRevision[] = [];
  const actions: Action[] = [];
  const pruning: string[] = [];
  const namespace = parent.metadata.namespace ?? 'default';

  published.forEach((p, i) => {
    if (i < KEEP_PUBLISHED) {
      // Echoed as observed: one a reviewer proposed for deletion stays until they approve the
      // deletion (porchctl rpkg del) — leaving it out would make Metacontroller delete it at once.
      children.push(echoChild(parent, p.child));
    } else {
      // Beyond the history bound: left out, and deleted by the shell (proposed for deletion first
      // where Porch requires it) before Metacontroller reads the answer.
      pruning.push(p.name);
      actions.push({ type: 'deletePackageRevision', name: p.name, namespace });
    }
  });
  actions.push(...porchRepairs(input.porch, parent, namespace));
  if (target.state === 'New' && target.awaitingObservation === true) {
    // Not asked for again: adopted above, observed on a later sync.
  } else if (target.state === 'New') {
    // Edit from the latest published revision (Porch copies its content); init for the first.
    children.push(newChild(input, target.name, target.workspace, latest));
  } else if (target.state !== 'Published' && target.info !== undefined) {
    // Every step the revision still needs, in order, in this one answer: the shell runs them one
    // after another and stops at the first that fails (hooks/dispatch.ts), so a CNF is published
    // in one sync rather than one sync per step.
    const info = target.info;
    children.push(echoChild(parent, info.child));
    if (target.state === 'Draft') {
      const resources = input.observations.resources ?? {};
      // Keyed by child name (request data): an own property only, never one of Object.prototype's.
      const observed = Object.hasOwn(resources, info.name)
        ? (resources[info.name]?.contentHash ?? null)
        : null;
      if (observed === input.desired.contentHash) {
        target.written = true;
      } else {
        actions.push({
          type: 'writeResources',
          name: info.name,
          namespace,
          files: input.desired.files,
          contentHash: input.desired.contentHash,
        });
      }
      const entry = input.history.find((h) => h.name === info.name);
      // Seen Proposed before, Draft now: rejected — just now (no rejectedAt yet), or earlier and
      // not asked again since (the annotation's value is still the one seen then).
      if (
        input.approval === 'Manual' &&
        target.written &&
        entry?.proposedAt !== undefined &&
        (entry.rejectedAt === undefined || (entry.proposeAgain ?? '') === proposeAgainOf(parent))
      ) {
        // A reviewer sent it back (Proposed → Draft): their decision stands until the spec changes
        // (another revision) or the user asks again (a new value of nephoran.com/propose-again).
        target.rejected = true;
      } else {
        actions.push({ type: 'propose', name: info.name, namespace, contentHash: input.desired.contentHash });
      }
    }
    if (input.approval === 'Automatic')
      actions.push({ type: 'approve', name: info.name, namespace, contentHash: input.desired.contentHash });
  }
  children.sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  );
  return { children, actions, target, latestPublished: latest, pruning };
}

// Label and annotation keys shared by the renderer, the reconciler, the customize hook and docs.
// Changing one is an API change: rendered packages, PackageRevisions and related-object selection
// all depend on them.

/** On every rendered object and the PackageRevision children: the owning CNFDeployment's name. */
export const LABEL_CNF = 'nephoran.com/cnf';
export const LABEL_FUNCTION = 'nephoran.com/function';
export const LABEL_CNF_TYPE = 'nephoran.com/cnf-type';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'nephoran-cnf-controller';

/**
 * Content hash of the rendered package: on the Kptfile (so the shell can read what a Draft holds),
 * on the PackageRevision child (what it was rendered from) and on the rendered Deployment (so health
 * can tell which revision GitOps has applied).
 */
export const ANNOTATION_CONTENT_HASH = 'nephoran.com/content-hash';
/** On PackageRevision children: the CNFDeployment metadata.generation the content was rendered from. */
export const ANNOTATION_GENERATION = 'nephoran.com/generation';
/** On PackageRevision children: what made this revision (RevisionTrigger: Create, Scale, Update, Heal, Rollback). */
export const ANNOTATION_TRIGGER = 'nephoran.com/revision-trigger';
/**
 * On the CNFDeployment, set by a user: a new value asks the controller to propose again a revision a
 * reviewer rejected (Proposed → Draft) while approval is Manual (docs/lifecycle.md).
 */
export const ANNOTATION_PROPOSE_AGAIN = 'nephoran.com/propose-again';
/** On the pod template: hash of configuration only, so config changes roll pods but scaling does not. */
export const ANNOTATION_CONFIG_HASH = 'nephoran.com/config-hash';
/** On the pod template: bumped by healing to restart pods through a new revision. */
export const ANNOTATION_RESTART_GENERATION = 'nephoran.com/restart-generation';

/** Added by Metacontroller to every child when the CompositeController sets generateSelector. */
export const LABEL_CONTROLLER_UID = 'controller-uid';

/** Pod labels the rendered Deployment and Service select on. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/instance': name, [LABEL_CNF]: name };
}

/** The same selector as a string: status.selector, for the scale subresource (`kubectl scale`, HPA). */
export function selectorString(name: string): string {
  return Object.entries(selectorLabels(name))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

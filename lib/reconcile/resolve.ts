// Step 1, resolve: the spec as the CRD defaults it, validated (schema, CEL twins, O-RAN rules, Porch
// names), and where its package lives. An invalid spec ends the reconcile here: phase Failed, a
// Configuration error naming every field, nothing new created, nothing observed dropped.
import type { CNFDeploymentSpec, ReconcileOutput, StatusError } from '../types.ts';
import { validateCNFDeployment } from '../validate.ts';
import { oranIssues } from '../oran/desired.ts';
import { checkPorchNames, defaultPackageName, nameSources } from '../naming.ts';
import { upsertConditions, type ConditionSpec } from '../conditions.ts';
import { echoChild } from '../revisions.ts';
import { issuesForStatus, type FieldIssue } from '../errors.ts';
import { porchView } from '../porch-view.ts';
import { DEFAULTS } from '../defaults.ts';
import { selectorString } from '../labels.ts';
import { compact, phaseSince, RESYNC, stepFrom, type Ctx } from './context.ts';

export interface Resolved {
  /** Validated, with the CRD's defaults applied. */
  spec: CNFDeploymentSpec;
  packageName: string;
  repository: string;
  approval: 'Automatic' | 'Manual';
}

export type Resolution = { ok: true; value: Resolved } | { ok: false; issues: FieldIssue[] };

/** Porch checks names with the longest workspace we could produce, so they stay valid as revisions grow. */
const LONGEST_WORKSPACE = 'r999999-0123456789';

export function resolve(ctx: Ctx): Resolution {
  const v = validateCNFDeployment(ctx.parent);
  if (!v.ok) return { ok: false, issues: v.issues };
  const spec = v.value.spec;
  const repository = spec.porch?.repository ?? ctx.input.defaults.repository;
  const packageName = defaultPackageName(ctx.namespace, ctx.parent.metadata.name, spec);
  const issues: FieldIssue[] = [
    ...oranIssues({ ...ctx.parent, spec }),
    ...checkPorchNames(repository, packageName, LONGEST_WORKSPACE, nameSources(spec)),
  ];
  const other = porchView(
    ctx.input.observations.packageRevisions,
    ctx.parent,
    ctx.input.children,
  )?.ownedByOther;
  if (other !== undefined) {
    issues.push({
      path: nameSources(spec).packageNamePath ?? 'spec.porch.packageName',
      message: `package ${packageName} in Porch repository ${repository} belongs to CNFDeployment ${other}; give this one its own spec.porch.packageName`,
      reason: 'PackageInUse',
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  const approval = spec.porch?.approval ?? DEFAULTS.approval;
  return { ok: true, value: { spec, packageName, repository, approval } };
}

/** The answer for an invalid spec. */
export function invalidSpec(ctx: Ctx, issues: readonly FieldIssue[]): ReconcileOutput {
  const { prev, now, generation } = ctx;
  const { fields, message } = issuesForStatus(issues);
  const reason = issues.find((i) => i.reason !== undefined)?.reason ?? 'InvalidSpec';
  const before = prev.lastError;
  const sameError =
    before?.class === 'Configuration' && before.message === message && before.generation === generation;
  const lastError: StatusError = sameError
    ? before
    : { class: 'Configuration', reason, message, fields, generation, since: now };
  const step = stepFrom(prev, 'Failed');
  const specs: ConditionSpec[] = [
    { type: 'SpecValid', status: 'False', reason, message },
    { type: 'Active', status: 'False', reason: 'Failed', message: `invalid spec: ${message}` },
    { type: 'Synced', status: 'False', reason, message },
  ];
  if (prev.conditions?.some((c) => c.type === 'Provisioning' && c.status === 'True') !== true) {
    specs.push({
      type: 'Provisioning',
      status: 'False',
      reason,
      message: 'not started: the spec is invalid',
    });
  }
  const status = compact({
    ...prev,
    phase: step.phase,
    phaseSince: phaseSince(prev, step.phase, now),
    conditions: upsertConditions(prev.conditions, specs, now, generation),
    observedGeneration: generation,
    selector: selectorString(ctx.parent.metadata.name),
    lastError,
  });
  // Nothing new is created, nothing observed is dropped: Published revisions cannot be deleted.
  const children = ctx.input.children.map((c) => echoChild(ctx.parent, c));
  return step.intermediate
    ? { children, status, actions: [], resyncAfterSeconds: RESYNC.step }
    : { children, status, actions: [] };
}

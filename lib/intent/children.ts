// From a valid NetworkIntent to the CNFDeployments it asks for: the CNF templates it names (the
// sentence's, or the profile's merged with spec.functions), each one sized from the catalog, named
// <intent>-<name>, labelled with the intent (and site), with dependencies wired from the catalog
// between functions of the same intent; then every CNFDeployment is validated against the
// CNFDeployment CRD and its problems are reported at the intent's own field paths.
import { dependenciesOf, getCatalogEntry } from '../catalog.ts';
import { DEFAULTS } from '../defaults.ts';
import type { FieldIssue } from '../errors.ts';
import { LABEL_CONTROLLER_UID } from '../labels.ts';
import type { CNFDeployment, CNFDeploymentSpec } from '../types.ts';
import { validateCNFDeployment } from '../validate.ts';
import { parseIntent } from './grammar.ts';
import { defaultType, mergeResources, PROFILES, sizedResources } from './sizing.ts';
import {
  LABEL_INTENT,
  LABEL_SITE,
  type FunctionTemplate,
  type NetworkIntent,
  type ProfileName,
} from './types.ts';
import { templateKey } from './validate.ts';

/** Where a template came from: its issues are reported there. */
export type Origin =
  { kind: 'functions'; index: number } | { kind: 'profile'; profile: ProfileName } | { kind: 'intent' };

export interface PlannedFunction {
  template: FunctionTemplate;
  origin: Origin;
}

/** Why an intent produced no children: reported as the reason of Ready=False. */
export type RefusalReason = 'IntentNotUnderstood' | 'InvalidSpec';

export type Planned =
  { ok: true; children: CNFDeployment[] } | { ok: false; reason: RefusalReason; issues: FieldIssue[] };

/** The templates of a valid intent, in order: the sentence's, or the profile's then spec.functions' others. */
export function templatesOf(
  intent: NetworkIntent,
):
  | { ok: true; planned: PlannedFunction[]; site?: string }
  | { ok: false; reason: RefusalReason; issues: FieldIssue[] } {
  const { spec } = intent;
  const namespace = intent.metadata.namespace ?? 'default';
  if (spec.intent !== undefined) {
    const parsed = parseIntent(spec.intent, { namespace });
    if (!parsed.ok) {
      return {
        ok: false,
        reason: 'IntentNotUnderstood',
        issues: parsed.problems.map((message) => ({ path: 'spec.intent', message })),
      };
    }
    const site = parsed.value.site;
    if (site !== undefined && spec.site !== undefined && site !== spec.site) {
      const message = `the sentence says site "${site}", spec.site says "${spec.site}"`;
      return { ok: false, reason: 'InvalidSpec', issues: [{ path: 'spec.intent', message }] };
    }
    const planned = parsed.value.functions.map((template) => ({
      template,
      origin: { kind: 'intent' } as const,
    }));
    const chosen = site ?? spec.site;
    return chosen === undefined ? { ok: true, planned } : { ok: true, planned, site: chosen };
  }
  const planned: PlannedFunction[] = [];
  const profile = spec.profile;
  if (profile !== undefined) {
    for (const fn of PROFILES[profile])
      planned.push({ template: { function: fn }, origin: { kind: 'profile', profile } });
  }
  (spec.functions ?? []).forEach((template, index) => {
    const origin: Origin = { kind: 'functions', index };
    const at = planned.findIndex(
      (p) => p.origin.kind === 'profile' && templateKey(p.template) === templateKey(template),
    );
    if (at >= 0) planned[at] = { template, origin };
    else planned.push({ template, origin });
  });
  return spec.site === undefined ? { ok: true, planned } : { ok: true, planned, site: spec.site };
}

/** The CNFDeployment spec of one template (without dependencies). */
function childSpec(t: FunctionTemplate, intentSize: FunctionTemplate['size']): CNFDeploymentSpec {
  const entry = getCatalogEntry(t.function);
  const replicas = t.replicas ?? DEFAULTS.replicas;
  const spec: CNFDeploymentSpec = {
    type: t.type ?? (entry === undefined ? 'Custom' : defaultType(entry)),
    function: t.function,
    replicas,
    maxReplicas: t.maxReplicas ?? Math.max(DEFAULTS.maxReplicas, replicas),
    resources: mergeResources(sizedResources(t.function, t.size ?? intentSize ?? 'small'), t.resources),
  };
  if (t.image !== undefined) spec.image = t.image;
  if (t.networkConfig !== undefined) spec.networkConfig = t.networkConfig;
  if (t.performance !== undefined) spec.performance = t.performance;
  if (t.placement !== undefined) spec.placement = t.placement;
  if (t.configuration !== undefined) spec.configuration = t.configuration;
  if (t.oran !== undefined) spec.oran = t.oran;
  if (t.porch !== undefined) spec.porch = t.porch;
  return spec;
}

/** Dependencies of each function on the other functions of the intent, as child names. */
function wireDependencies(children: CNFDeployment[]): void {
  const byFunction = new Map<string, string[]>();
  for (const c of children) {
    byFunction.set(c.spec.function, [...(byFunction.get(c.spec.function) ?? []), c.metadata.name]);
  }
  for (const c of children) {
    const deps = dependenciesOf(c.spec.function).flatMap((fn) => byFunction.get(fn) ?? []);
    const unique = [...new Set(deps)].filter((n) => n !== c.metadata.name).sort();
    if (unique.length > 0) c.spec.dependencies = unique;
  }
}

/** A CNFDeployment problem at the intent's field that caused it. */
function mapIssue(issue: FieldIssue, p: PlannedFunction): FieldIssue {
  const fn = p.template.function;
  const where = issue.path === '' ? '' : ` (${issue.path})`;
  switch (p.origin.kind) {
    case 'functions': {
      const base = `spec.functions[${p.origin.index}]`;
      if (issue.path === 'metadata.name') {
        return {
          path: p.template.name === undefined ? 'metadata.name' : `${base}.name`,
          message: issue.message,
        };
      }
      const rest = issue.path.startsWith('spec.') ? issue.path.slice('spec.'.length) : issue.path;
      return { path: rest === '' ? base : `${base}.${rest}`, message: issue.message };
    }
    case 'profile':
      return { path: 'spec.profile', message: `${fn}: ${issue.message}${where}` };
    case 'intent':
      return { path: 'spec.intent', message: `${fn}: ${issue.message}${where}` };
  }
}

const IMMUTABLE = ['type', 'function'] as const;

/** The CNFDeployments of a valid intent, or why there are none. `observed` guards immutable fields. */
export function plannedChildren(
  intent: NetworkIntent,
  observed: ReadonlyMap<string, CNFDeployment>,
): Planned {
  const templates = templatesOf(intent);
  if (!templates.ok) return templates;
  const namespace = intent.metadata.namespace ?? 'default';
  const labels: Record<string, string> = { [LABEL_INTENT]: intent.metadata.name };
  if (templates.site !== undefined) labels[LABEL_SITE] = templates.site;
  const children: CNFDeployment[] = templates.planned.map((p) => ({
    apiVersion: 'nephoran.com/v1',
    kind: 'CNFDeployment',
    metadata: {
      name: `${intent.metadata.name}-${templateKey(p.template)}`,
      namespace,
      labels: { ...labels },
    },
    spec: childSpec(p.template, intent.spec.size),
  }));
  wireDependencies(children);
  const issues = children.flatMap((child, i) => {
    const p = templates.planned[i]!;
    const result = validateCNFDeployment(child);
    const own = result.ok ? [] : result.issues.map((issue) => mapIssue(issue, p));
    const before = observed.get(child.metadata.name);
    const frozen = IMMUTABLE.filter((f) => before !== undefined && before.spec[f] !== child.spec[f]).map(
      (f) =>
        mapIssue(
          {
            path: `spec.${f}`,
            message: `${f} of CNFDeployment ${child.metadata.name} is ${String(before?.spec[f])} and cannot change (remove the function from the intent, then add it again)`,
          },
          p,
        ),
    );
    return [...own, ...frozen];
  });
  return issues.length > 0 ? { ok: false, reason: 'InvalidSpec', issues } : { ok: true, children };
}

/** An observed child as a desired one, unchanged: what an intent that cannot be planned answers. */
export function unchanged(observed: CNFDeployment): CNFDeployment {
  const labels = { ...(observed.metadata.labels ?? {}) };
  delete labels[LABEL_CONTROLLER_UID];
  return {
    apiVersion: 'nephoran.com/v1',
    kind: 'CNFDeployment',
    metadata: {
      name: observed.metadata.name,
      ...(observed.metadata.namespace === undefined ? {} : { namespace: observed.metadata.namespace }),
      labels,
    },
    spec: observed.spec,
  };
}

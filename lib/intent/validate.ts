// Validation of NetworkIntents against their CRD's own schema (lib/generated/networkintent-crd.ts,
// generated from manifests/crd/networkintents.nephoran.com.yaml), plus the CRD's CEL rules in
// TypeScript, like lib/validate.ts does for CNFDeployments: every x-kubernetes-validations rule has a
// twin below with the same location and message (tests/unit/intent-crd.test.ts fails when they drift).
// What the CNF templates hold beyond their scalar fields is validated later, as the CNFDeployments
// they become (children.ts).
import { Ajv, type ValidateFunction } from 'ajv';
import { NETWORK_INTENT_CRD } from '../generated/networkintent-crd.ts';
import { FUNCTIONS } from '../catalog.ts';
import { copyJson, isObject, type JsonObject } from '../json.ts';
import { crdSchema, toJsonSchema, type CelTwin, type ValidationIssue } from '../validate.ts';
import { dedupe, toIssues } from '../validate-issues.ts';
import { INTENT_API_VERSION, INTENT_KIND, type FunctionTemplate, type NetworkIntent } from './types.ts';

export type IntentValidationResult =
  { ok: true; value: NetworkIntent } | { ok: false; issues: ValidationIssue[] };

/** Longest intent name: children are <intent>-<name> and a CNFDeployment name has at most 63. */
export const MAX_INTENT_NAME = 40;
/** Deeper than any valid spec (free-form template fields included, see lib/validate.ts) goes. */
const MAX_SPEC_DEPTH = 52;

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The name a template's CNFDeployment gets after `<intent>-`: its name, else its function. */
export function templateKey(t: Pick<FunctionTemplate, 'name' | 'function'>): string {
  return t.name ?? t.function.toLowerCase();
}

function keyOf(raw: unknown): string | undefined {
  if (!isObject(raw)) return undefined;
  if (typeof raw.name === 'string') return raw.name;
  return typeof raw.function === 'string' ? raw.function.toLowerCase() : undefined;
}

export const INTENT_CEL_RULES: readonly CelTwin[] = [
  {
    at: '',
    message: `metadata.name must be a DNS-1035 label of at most ${MAX_INTENT_NAME} characters (it prefixes the names of the CNFDeployments the intent creates)`,
    check: (_spec: JsonObject, _old: JsonObject | undefined, root: JsonObject): string[] => {
      const name = isObject(root.metadata) ? root.metadata.name : undefined;
      return typeof name === 'string' &&
        name !== '' &&
        !(name.length <= MAX_INTENT_NAME && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name))
        ? ['metadata.name']
        : [];
    },
  },
  {
    at: 'spec',
    message: 'one of intent, functions or profile is required',
    check: (spec: JsonObject): string[] =>
      spec.intent === undefined && spec.functions === undefined && spec.profile === undefined ? ['spec'] : [],
  },
  {
    at: 'spec',
    message:
      'intent cannot be combined with functions or profile (write the sentence or the structured form, not both)',
    check: (spec: JsonObject): string[] =>
      spec.intent !== undefined && (spec.functions !== undefined || spec.profile !== undefined)
        ? ['spec.intent']
        : [],
  },
  {
    at: 'spec.functions',
    message:
      'function names must be unique (a name defaults to the function in lower case; give a function listed twice a name)',
    // The CEL rule reports spec.functions; the twin names each entry that repeats an earlier name.
    check: (spec: JsonObject): string[] => {
      const seen = new Set<string>();
      return list(spec.functions).flatMap((f, i) => {
        const key = keyOf(f);
        if (key === undefined) return [];
        if (seen.has(key)) return [`spec.functions[${i}].name`];
        seen.add(key);
        return [];
      });
    },
  },
  {
    at: 'spec.functions[]',
    message: 'replicas must be less than or equal to maxReplicas',
    check: (spec: JsonObject): string[] =>
      list(spec.functions).flatMap((f, i) => {
        const r = isObject(f) ? f.replicas : undefined;
        const m = isObject(f) ? f.maxReplicas : undefined;
        return typeof r === 'number' && typeof m === 'number' && r > m
          ? [`spec.functions[${i}].replicas`]
          : [];
      }),
  },
];

/** spec.functions[i].function outside the enum: name the value and the functions there are. */
function functionIssue(issue: ValidationIssue, spec: unknown): ValidationIssue {
  const m = /^spec\.functions\[(\d+)\]\.function$/.exec(issue.path);
  if (m === null || !issue.message.startsWith('must be one of')) return issue;
  const given: unknown = isObject(spec)
    ? (list(spec.functions)[Number(m[1])] as JsonObject | undefined)?.function
    : undefined;
  if (typeof given !== 'string') return issue;
  return { path: issue.path, message: `unknown function "${given}"; known: ${FUNCTIONS.join(', ')}` };
}

interface Compiled {
  spec: ValidateFunction;
  status: ValidateFunction;
}

let compiled: Compiled | undefined;
function validators(): Compiled {
  if (compiled === undefined) {
    const properties = crdSchema(NETWORK_INTENT_CRD).properties as JsonObject;
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
    compiled = {
      spec: ajv.compile(toJsonSchema(properties.spec)),
      status: ajv.compile(toJsonSchema(properties.status)),
    };
  }
  return compiled;
}

/** Validates a whole NetworkIntent (schema + CEL twins); the input is not mutated. */
export function validateNetworkIntent(input: unknown): IntentValidationResult {
  if (!isObject(input)) return { ok: false, issues: [{ path: '', message: 'must be an object' }] };
  const value: JsonObject = { ...input };
  if (isObject(input.metadata)) value.metadata = { ...input.metadata };
  if (input.spec !== undefined) value.spec = copyJson(input.spec, MAX_SPEC_DEPTH).value;
  const issues: ValidationIssue[] = [];
  if (value.apiVersion !== INTENT_API_VERSION)
    issues.push({ path: 'apiVersion', message: `must be ${INTENT_API_VERSION}` });
  if (value.kind !== INTENT_KIND) issues.push({ path: 'kind', message: `must be ${INTENT_KIND}` });
  const meta = isObject(value.metadata) ? value.metadata : undefined;
  if (meta === undefined) issues.push({ path: 'metadata', message: 'is required' });
  else if (typeof meta.name !== 'string' || meta.name === '')
    issues.push({ path: 'metadata.name', message: 'is required' });
  const { spec: specValidator } = validators();
  if (value.spec === undefined) issues.push({ path: 'spec', message: 'is required' });
  else if (!specValidator(value.spec))
    issues.push(
      ...toIssues(specValidator.errors, value.spec, 'spec').map((i) => functionIssue(i, value.spec)),
    );
  if (isObject(value.spec)) {
    const spec = value.spec;
    for (const rule of INTENT_CEL_RULES) {
      for (const path of rule.check(spec, undefined, value)) issues.push({ path, message: rule.message });
    }
  }
  if (issues.length > 0) return { ok: false, issues: dedupe(issues) };
  return { ok: true, value: value as unknown as NetworkIntent };
}

/** Problems that would make the API server reject or prune this status (for tests of the planner). */
export function validateIntentStatus(status: unknown): ValidationIssue[] {
  const { status: v } = validators();
  const copy = copyJson(status, Infinity).value;
  return v(copy) ? [] : toIssues(v.errors, copy, 'status');
}

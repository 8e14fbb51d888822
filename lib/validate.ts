// Validation of CNFDeployments against the CRD's own schema, plus the CRD's CEL rules in TypeScript.
//
// Single source of truth: manifests/crd/cnfdeployments.nephoran.com.yaml. The pure core cannot read
// it at run time, so scripts/gen-schema.ts turns it into lib/generated/crd.ts (a generated artifact,
// never hand-edited; a test fails when it is stale). `createValidator(crd)` takes any parsed CRD
// object, converts its openAPIV3Schema to plain JSON Schema for ajv once, and returns a validator;
// `validateCNFDeployment` uses the generated CRD.
//
// ajv cannot run CEL, so every `x-kubernetes-validations` rule of the CRD has a TypeScript twin in
// CEL_RULES below, with the same message and field path; tests/unit/crd.test.ts fails if a rule in
// the CRD has no twin (keyed by schema location + message) or the other way round; the twins of the
// addressing, data-plane and placement rules live in validate-network.ts and validate-dataplane.ts,
// and tests/unit/crd-apiserver.test.ts holds them to a real API server's answers. Free-form fields
// (x-kubernetes-preserve-unknown-fields) are out of CEL's sight: their bounds are the controller's
// own (freeFormIssues). The wording of ajv's errors is in validate-issues.ts.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { getCatalogEntry, isFunctionAllowedForType, functionsForType } from './catalog.ts';
import { compareQuantities } from './quantity.ts';
import { CRD } from './generated/crd.ts';
import { FieldIssuesError, type FieldIssue } from './errors.ts';
import { copyJson, jsonText, nestedTooDeep, ownValue } from './json.ts';
import { child, dedupe, LIST_MAP_KEYS, toIssues } from './validate-issues.ts';
import { interfacesOf, NETWORK_RULES } from './validate-network.ts';
import { DATAPLANE_RULES } from './validate-dataplane.ts';
import { API_VERSION, KIND } from './types.ts';
import type { CNFDeployment, CNFType } from './types.ts';

/** Field path from the object root and a human-readable message ("must be one of macvlan, …"). */
export type ValidationIssue = FieldIssue;

export class CNFValidationError extends FieldIssuesError {
  readonly code = 'INVALID_SPEC';
  constructor(issues: ValidationIssue[], options?: { cause?: unknown }) {
    super(issues, 'invalid CNFDeployment', options);
    this.name = 'CNFValidationError';
  }
}

export type ValidationResult = { ok: true; value: CNFDeployment } | { ok: false; issues: ValidationIssue[] };

export interface ValidateOptions {
  /** The stored object before this change: enables the CRD's transition rules (immutable fields). */
  old?: unknown;
}

export interface CNFValidator {
  /** Validates a whole CNFDeployment and returns it with CRD defaults applied (input not mutated). */
  validate(obj: unknown, options?: ValidateOptions): ValidationResult;
  /** Problems that would make the apiserver reject or prune a status write (empty when fine). */
  validateStatus(status: unknown): ValidationIssue[];
}

// ---- schema conversion -------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Kubernetes structural schema → JSON Schema (draft-07) with the API server's semantics:
 * objects with `properties` reject unknown fields (like `kubectl apply` with strict field
 * validation) unless x-kubernetes-preserve-unknown-fields; int-or-string becomes anyOf
 * integer|string; list-type set becomes uniqueItems; list-type map keeps its keys for the custom
 * uniqueness keyword; every other x-kubernetes-* extension (CEL included) is dropped.
 */
export function toJsonSchema(schema: unknown): JsonObject {
  if (!isObject(schema)) return {};
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v)]));
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isObject(value)) {
      out[key] = toJsonSchema(value);
    } else if ((key === 'anyOf' || key === 'allOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map(toJsonSchema);
    } else {
      out[key] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true && !out.anyOf && !out.oneOf) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (
    isObject(schema.properties) &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true &&
    schema.additionalProperties === undefined
  ) {
    out.additionalProperties = false;
  }
  if (schema['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  if (schema['x-kubernetes-list-type'] === 'map' && Array.isArray(schema[LIST_MAP_KEYS])) {
    out[LIST_MAP_KEYS] = schema[LIST_MAP_KEYS];
  }
  return out;
}

/** The v1 openAPIV3Schema of a parsed CRD object. */
export function crdSchema(crd: unknown): JsonObject {
  const versions = isObject(crd) && isObject(crd.spec) ? crd.spec.versions : undefined;
  const v1 = Array.isArray(versions)
    ? (versions as unknown[]).find((v) => isObject(v) && v.name === 'v1')
    : undefined;
  const schema = isObject(v1) && isObject(v1.schema) ? v1.schema.openAPIV3Schema : undefined;
  if (!isObject(schema)) throw new TypeError('CRD has no v1 openAPIV3Schema');
  return schema;
}

// ---- CEL twins ------------------------------------------------------------------------------------------

/**
 * One CRD `x-kubernetes-validations` rule in TypeScript. `at` is the schema location of the rule
 * (dotted, `[]` for list items), `message` its message; `check` returns the display paths of the
 * fields that violate it (relative to the object root), given the spec (and the old spec for
 * transition rules).
 */
export interface CelTwin {
  at: string;
  message: string;
  /** A reason of its own for status (otherwise the problem is InvalidSpec). */
  reason?: FieldIssue['reason'];
  transition?: boolean;
  check(spec: JsonObject, old: JsonObject | undefined, root: JsonObject): string[];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const quantityOf = (v: unknown): string | number | undefined =>
  typeof v === 'string' || typeof v === 'number' ? v : undefined;
const obj = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);

const article = (word: string): string => (/^[AEIOU]/.test(word) ? 'an' : 'a');

function typeRule(type: CNFType): CelTwin {
  return {
    at: 'spec',
    message: `function is not ${article(type)} ${type} function (allowed ${functionsForType(type).join(', ')})`,
    check: (spec) =>
      spec.type === type &&
      typeof spec.function === 'string' &&
      !isFunctionAllowedForType(spec.function, type)
        ? ['spec.function']
        : [],
  };
}

/** Minimum requests per function, grouped the way the CRD states them (one rule per group/resource). */
const MINIMUM_GROUPS: string[][] = [['UPF'], ['AMF', 'SMF']];

function minimumRule(fns: string[], resource: 'cpu' | 'memory'): CelTwin {
  const min = getCatalogEntry(fns[0]!)?.minimum?.[resource] ?? '0';
  const who = fns.join(' and ');
  return {
    at: 'spec',
    message: `${who} require${fns.length === 1 ? 's' : ''} resources.requests.${resource} of at least ${min}`,
    check: (spec) => {
      if (typeof spec.function !== 'string' || !fns.includes(spec.function)) return [];
      const q = quantityOf(obj(obj(spec.resources)?.requests)?.[resource]);
      return q !== undefined && compareQuantities(q, min) === -1
        ? [`spec.resources.requests.${resource}`]
        : [];
    },
  };
}

function limitRule(resource: 'cpu' | 'memory'): CelTwin {
  return {
    at: 'spec.resources',
    message: `resources.limits.${resource} must be greater than or equal to resources.requests.${resource}`,
    check: (spec) => {
      const r = obj(spec.resources);
      const req = quantityOf(obj(r?.requests)?.[resource]);
      const lim = quantityOf(obj(r?.limits)?.[resource]);
      return req !== undefined && lim !== undefined && compareQuantities(lim, req) === -1
        ? [`spec.resources.limits.${resource}`]
        : [];
    },
  };
}

/** An extended resource name, <domain>/<name> (Kubernetes IsQualifiedName with a DNS-1123 prefix). */
export const EXTENDED_RESOURCE =
  '[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
/** The resource names Kubernetes accepts on a container (the CRD's CEL rules match this pattern). */
export const CONTAINER_RESOURCE_PATTERN = `^(cpu|memory|ephemeral-storage|hugepages-[0-9]+([KMGTPE]i|[kMGTPE])?|${EXTENDED_RESOURCE})$`;
const CONTAINER_RESOURCE_NAME = new RegExp(CONTAINER_RESOURCE_PATTERN);
const EXTENDED_RESOURCE_NAME = new RegExp(`^${EXTENDED_RESOURCE}$`);

function resourceNamesRule(list: 'requests' | 'limits'): CelTwin {
  return {
    at: `spec.resources.${list}`,
    message: `resources.${list} keys must be container resource names (cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource <domain>/<name> such as intel.com/sriov_netdevice)`,
    check: (spec) => {
      const names = Object.keys(obj(obj(spec.resources)?.[list]) ?? {});
      return names.some((k) => !CONTAINER_RESOURCE_NAME.test(k)) ? [`spec.resources.${list}`] : [];
    },
  };
}

function immutable(field: 'type' | 'function'): CelTwin {
  return {
    at: `spec.${field}`,
    message: `${field} is immutable`,
    transition: true,
    check: (spec, old) =>
      old && old[field] !== undefined && old[field] !== spec[field] ? [`spec.${field}`] : [],
  };
}

export const CEL_RULES: readonly CelTwin[] = [
  {
    at: '',
    message:
      'metadata.name must be a DNS-1035 label of at most 63 characters (it names the Service and is used in label values)',
    check: (_spec: JsonObject, _old: JsonObject | undefined, root: JsonObject): string[] => {
      const name = obj(root.metadata)?.name;
      return typeof name === 'string' &&
        name !== '' &&
        !(name.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name))
        ? ['metadata.name']
        : [];
    },
  },
  {
    at: 'spec',
    message: 'replicas must be less than or equal to maxReplicas',
    reason: 'ReplicasExceedMax',
    check: (spec: JsonObject): string[] => {
      const r = num(spec.replicas);
      const m = num(spec.maxReplicas);
      return r !== undefined && m !== undefined && r > m ? ['spec.replicas'] : [];
    },
  },
  typeRule('5G-Core'),
  typeRule('O-RAN'),
  typeRule('Edge'),
  ...MINIMUM_GROUPS.flatMap((fns) => [minimumRule(fns, 'cpu'), minimumRule(fns, 'memory')]),
  {
    at: 'spec',
    message:
      'replicas must be at most 1 when an interface has a static address (ipv4 or ipv6): every pod would claim the same address; give the interface an ipPool to scale',
    check: (spec) =>
      (num(spec.replicas) ?? 1) > 1 &&
      interfacesOf(spec).some((i) => obj(i)?.ipv4 !== undefined || obj(i)?.ipv6 !== undefined)
        ? ['spec.replicas']
        : [],
  },
  immutable('type'),
  immutable('function'),
  {
    at: 'spec.image',
    message: 'image must be pinned to a version tag or digest, not latest',
    check: (spec) => (typeof spec.image === 'string' && spec.image.endsWith(':latest') ? ['spec.image'] : []),
  },
  limitRule('cpu'),
  limitRule('memory'),
  resourceNamesRule('requests'),
  resourceNamesRule('limits'),
  {
    at: 'spec.networkConfig.interfaces[]',
    message:
      'sriov interfaces require master (the SR-IOV device plugin resource name, e.g. intel.com/sriov_netdevice)',
    check: (spec) =>
      interfacesOf(spec).flatMap((i, idx) =>
        obj(i)?.cniType === 'sriov' && obj(i)?.master === undefined
          ? [`spec.networkConfig.interfaces[${idx}].master`]
          : [],
      ),
  },
  {
    at: 'spec.networkConfig.interfaces[]',
    message:
      'sriov master must be the SR-IOV device plugin resource name, <domain>/<name> (e.g. intel.com/sriov_netdevice)',
    check: (spec) =>
      interfacesOf(spec).flatMap((i, idx) => {
        const master = obj(i)?.master;
        return obj(i)?.cniType === 'sriov' &&
          typeof master === 'string' &&
          !EXTENDED_RESOURCE_NAME.test(master)
          ? [`spec.networkConfig.interfaces[${idx}].master`]
          : [];
      }),
  },
  ...NETWORK_RULES,
  ...DATAPLANE_RULES,
];

// ---- free-form fields -------------------------------------------------------------------------------

/**
 * Levels of objects and lists a free-form field (x-kubernetes-preserve-unknown-fields) may nest, the
 * field itself being level 1. CEL cannot see into such fields (the API server refuses a rule that
 * reads them), so this bound is the controller's own: a deeper value gets a Failed status naming
 * the first too-deep path, and `nephoran-cnf render` exits 2 (docs/api.md, spec.configuration).
 */
export const FREE_FORM_MAX_LEVELS = 32;
/** The spec is copied down to here: deeper than any valid spec (free-form fields included) goes. */
const MAX_SPEC_DEPTH = 48;
/** Keys longer than this are shortened in the paths of too-deep values (they end up in status). */
const MAX_SHOWN_KEY = 64;

function freeFormIssues(spec: JsonObject): ValidationIssue[] {
  const roots: Array<[string, unknown]> = [['spec.configuration', spec.configuration]];
  const a1 = obj(obj(spec.oran)?.a1);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  list(a1?.policyTypes).forEach((t, i) =>
    roots.push([`spec.oran.a1.policyTypes[${i}].createSchema`, obj(t)?.createSchema]),
  );
  list(a1?.policies).forEach((p, i) => roots.push([`spec.oran.a1.policies[${i}].policy`, obj(p)?.policy]));
  return roots.flatMap(([base, v]) => {
    const at = nestedTooDeep(v, FREE_FORM_MAX_LEVELS);
    if (at === undefined) return [];
    const path = at
      .map((k) =>
        typeof k === 'string' && k.length > MAX_SHOWN_KEY ? `${k.slice(0, MAX_SHOWN_KEY - 1)}…` : k,
      )
      .reduce<string>(child, base);
    return [
      {
        path,
        message: `is nested too deep: ${base} may nest objects and lists at most ${FREE_FORM_MAX_LEVELS} levels deep`,
      },
    ];
  });
}

function celIssues(root: JsonObject, spec: JsonObject, old: JsonObject | undefined): ValidationIssue[] {
  return CEL_RULES.flatMap((rule) => {
    if (rule.transition && !old) return [];
    return rule
      .check(spec, old, root)
      .map((path) =>
        rule.reason === undefined
          ? { path, message: rule.message }
          : { path, message: rule.message, reason: rule.reason },
      );
  });
}

// ---- validator ---------------------------------------------------------------------------------------

function listMapKeysKeyword(ajv: Ajv): void {
  type KeyCheck = ((schema: string[], data: unknown[]) => boolean) & { errors?: Partial<ErrorObject>[] };
  const validate: KeyCheck = (keys, data) => {
    const seen = new Set<string>();
    const errors: Partial<ErrorObject>[] = [];
    data.forEach((item, index) => {
      if (!isObject(item)) return;
      const key = keys.map((k) => `${k}=${jsonText(ownValue(item, k))}`).join(',');
      if (seen.has(key))
        errors.push({ keyword: LIST_MAP_KEYS, params: { index, key }, message: 'duplicate' });
      seen.add(key);
    });
    validate.errors = errors;
    return errors.length === 0;
  };
  ajv.addKeyword({ keyword: LIST_MAP_KEYS, type: 'array', schemaType: 'array', errors: true, validate });
}

export function createValidator(crd: unknown): CNFValidator {
  const root = crdSchema(crd);
  const properties = obj(root.properties) ?? {};
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  listMapKeysKeyword(ajv);
  const specValidator: ValidateFunction = ajv.compile(toJsonSchema(properties.spec));
  const statusValidator: ValidateFunction = ajv.compile(toJsonSchema(properties.status));

  function validate(input: unknown, options: ValidateOptions = {}): ValidationResult {
    if (!isObject(input)) return { ok: false, issues: [{ path: '', message: 'must be an object' }] };
    // A copy of the spec: ajv's useDefaults writes into it, and callers keep their input. Copied
    // without recursion and cut below any depth a valid spec can have, so no nesting can overflow
    // the stack here or later (freeFormIssues reports what was too deep; ajv what was mistyped).
    const value: JsonObject = { ...input };
    if (isObject(input.metadata)) value.metadata = { ...input.metadata };
    if (input.spec !== undefined) value.spec = copyJson(input.spec, MAX_SPEC_DEPTH).value;
    const issues: ValidationIssue[] = [];
    if (value.apiVersion !== API_VERSION)
      issues.push({ path: 'apiVersion', message: `must be ${API_VERSION}` });
    if (value.kind !== KIND) issues.push({ path: 'kind', message: `must be ${KIND}` });
    const meta = obj(value.metadata);
    if (!meta) issues.push({ path: 'metadata', message: 'is required' });
    else if (typeof meta.name !== 'string' || meta.name === '')
      issues.push({ path: 'metadata.name', message: 'is required' });
    if (value.spec === undefined) {
      issues.push({ path: 'spec', message: 'is required' });
    } else if (!specValidator(value.spec)) {
      issues.push(...toIssues(specValidator.errors, value.spec, 'spec'));
    }
    const spec = obj(value.spec);
    if (spec) issues.push(...celIssues(value, spec, obj(obj(options.old)?.spec)), ...freeFormIssues(spec));
    if (issues.length > 0) return { ok: false, issues: dedupe(issues) };
    return { ok: true, value: value as unknown as CNFDeployment };
  }

  function validateStatus(status: unknown): ValidationIssue[] {
    const copy = copyJson(status, Infinity).value;
    return statusValidator(copy) ? [] : toIssues(statusValidator.errors, copy, 'status');
  }

  return { validate, validateStatus };
}

let defaultValidator: CNFValidator | undefined;
/** The validator for the CRD in manifests/crd/, compiled once on first use. */
function getDefault(): CNFValidator {
  defaultValidator ??= createValidator(CRD);
  return defaultValidator;
}

/**
 * Validates an object as a CNFDeployment (schema + CEL twins) and applies the CRD defaults.
 * `status` is not validated (it is the controller's own output) and is returned unchanged.
 */
export function validateCNFDeployment(obj: unknown, options?: ValidateOptions): ValidationResult {
  return getDefault().validate(obj, options);
}

/** Like validateCNFDeployment, but throws CNFValidationError. */
export function parseCNFDeployment(obj: unknown, options?: ValidateOptions): CNFDeployment {
  const result = validateCNFDeployment(obj, options);
  if (!result.ok) throw new CNFValidationError(result.issues);
  return result.value;
}

/** Issues that would make the apiserver reject or prune this status (for tests of status writers). */
export function validateStatus(status: unknown): ValidationIssue[] {
  return getDefault().validateStatus(status);
}

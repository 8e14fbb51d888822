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
// the CRD has no twin (keyed by schema location + message) or the other way round.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { getCatalogEntry, isFunctionAllowedForType, functionsForType } from './catalog.ts';
import { compareQuantities } from './quantity.ts';
import { CRD } from './generated/crd.ts';
import { FieldIssuesError, type FieldIssue } from './errors.ts';
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

const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';

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

// ---- error messages ------------------------------------------------------------------------------------

/** Friendlier wording for the CRD's patterns; unknown patterns fall back to "must match <regex>". */
const PATTERN_MESSAGES: Record<string, string> = {
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$':
    'must be a Kubernetes quantity, e.g. 500m, 2 or 4Gi',
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$':
    'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit',
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$':
    'must be a DNS-1123 subdomain: lowercase letters, digits, "-" and "."',
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$':
    'must be DNS-1123 labels separated by "/"',
  '^[^\\s@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$':
    'must be an image reference pinned to a tag or a sha256 digest, e.g. registry/amf:v1.2.3',
  '^https?://[^\\s]+$': 'must be an http:// or https:// URL',
  '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$':
    'must be an IPv4 address with prefix length, e.g. 10.10.3.10/24',
  '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$':
    'must be an IPv4 address, e.g. 10.10.3.1',
  '^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$': 'must contain only letters, digits, ".", "_", "/" and "-"',
  '^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$': 'must contain only letters, digits, ".", "_" and "-"',
};

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'a list',
};

function messageFor(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'unknown field';
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'type':
      return `must be ${TYPE_NAMES[String(p.type)] ?? String(p.type)}`;
    case 'anyOf':
      return 'must be an integer or a string';
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'minLength':
      return `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minItems':
      return `must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'maxProperties':
      return `must have at most ${String(p.limit)} entries`;
    case 'pattern':
      return PATTERN_MESSAGES[String(p.pattern)] ?? `must match ${String(p.pattern)}`;
    case 'uniqueItems':
      return 'duplicate value';
    case LIST_MAP_KEYS:
      return `duplicate entry: ${String(p.key)} is used more than once`;
    default:
      return e.message ?? 'is invalid';
  }
}

/** Appends a property or index to a display path, walking the data to tell arrays from maps. */
function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key);
  if (!plain) return `${path}['${key}']`;
  return path ? `${path}.${key}` : key;
}

function displayPath(instancePath: string, data: unknown, base = ''): { path: string; node: unknown } {
  let path = base;
  let node = data;
  if (instancePath === '') return { path, node };
  for (const raw of instancePath.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path = child(path, Number(seg));
      node = node[Number(seg)];
    } else {
      path = child(path, seg);
      node = isObject(node) ? node[seg] : undefined;
    }
  }
  return { path, node };
}

function toIssues(errors: ErrorObject[] | null | undefined, data: unknown, base = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const e of errors ?? []) {
    if (e.schemaPath.includes('/anyOf/')) continue; // a failed branch; the anyOf error itself says it
    let { path } = displayPath(e.instancePath, data, base);
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'required') path = child(path, String(p.missingProperty));
    if (e.keyword === 'additionalProperties') path = child(path, String(p.additionalProperty));
    if (e.keyword === 'uniqueItems') path = child(path, Math.max(Number(p.i), Number(p.j)));
    if (e.keyword === LIST_MAP_KEYS) path = child(path, Number(p.index));
    issues.push({ path, message: messageFor(e) });
  }
  return dedupe(issues);
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
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

function immutable(field: 'type' | 'function'): CelTwin {
  return {
    at: `spec.${field}`,
    message: `${field} is immutable`,
    transition: true,
    check: (spec, old) =>
      old && old[field] !== undefined && old[field] !== spec[field] ? [`spec.${field}`] : [],
  };
}

const interfacesOf = (spec: JsonObject): unknown[] => {
  const list = obj(spec.networkConfig)?.interfaces;
  return Array.isArray(list) ? list : [];
};

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
      'replicas must be at most 1 when an interface has a static ipv4 address (every pod would claim the same address)',
    check: (spec) =>
      (num(spec.replicas) ?? 1) > 1 && interfacesOf(spec).some((i) => obj(i)?.ipv4 !== undefined)
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
];

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
      const key = keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(',');
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
    // structuredClone: ajv's useDefaults writes into the data, and callers keep their input.
    const value = structuredClone(input);
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
    if (spec) issues.push(...celIssues(value, spec, obj(obj(options.old)?.spec)));
    if (issues.length > 0) return { ok: false, issues: dedupe(issues) };
    return { ok: true, value: value as unknown as CNFDeployment };
  }

  function validateStatus(status: unknown): ValidationIssue[] {
    const copy = structuredClone(status);
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

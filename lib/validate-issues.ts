// How lib/validate.ts words ajv's errors: a field path from the object root (spec.networkConfig.
// interfaces[0].name, spec.configuration['a.b']) and a message a person can act on.
import type { ErrorObject } from 'ajv';
import type { FieldIssue } from './errors.ts';
import { ownValue } from './json.ts';
import { LABEL_KEY } from './validate-dataplane.ts';

type ValidationIssue = FieldIssue;

export const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';

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
  '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$':
    'must be a label value: letters, digits, "-", "_" and ".", starting and ending with a letter or digit (or empty)',
  [`^${LABEL_KEY}$`]: 'must be a label key, [<DNS subdomain>/]<name>, e.g. kubernetes.io/hostname',
  [`^(${LABEL_KEY})?$`]: 'must be a label key, [<DNS subdomain>/]<name>, or empty',
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
export function child(path: string, key: string | number): string {
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
      node = ownValue(node, seg);
    }
  }
  return { path, node };
}

export function toIssues(
  errors: ErrorObject[] | null | undefined,
  data: unknown,
  base = '',
): ValidationIssue[] {
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

export function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

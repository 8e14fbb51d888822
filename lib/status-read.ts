// Status read back from the parent is input, not our own output: the controller writes it, but anyone
// with access to the status subresource can edit it, and the CRD's status schema requires no field
// at all. readStatus turns whatever the request carries into a CNFDeploymentStatus the reconciler can
// rely on: a known field of the wrong type (or an unparseable timestamp) is dropped, a list entry or
// sub-object without the fields its type requires is dropped (a missing count or list is defaulted),
// status.lastHealthy.spec must pass validation like any spec (it is rendered on rollback), and
// unknown fields pass through untouched. A status the controller wrote comes back deep-equal.
import type { CNFDeploymentStatus, HealthState } from './types.ts';
import { isObject, type JsonObject } from './json.ts';
import { PHASES } from './phase.ts';
import { worst } from './health.ts';
import { validateCNFDeployment } from './validate.ts';
import { API_VERSION, KIND } from './types.ts';

/** RFC 3339 as Kubernetes and this controller write it (Date.parse alone accepts far more). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Check = (v: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isInt: Check = (v) => Number.isInteger(v);
const isTime: Check = (v) => typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v));
const oneOf =
  (...values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);

const HEALTH = ['Healthy', 'Degraded', 'Unhealthy'] as const;

/** Field checks of one object type, and which fields it cannot do without. */
interface Shape {
  fields: Record<string, Check>;
  required?: readonly string[];
  /** Defaults for fields its type requires but a reader can do without. */
  defaults?: Record<string, unknown>;
}

/**
 * A copy of `raw` with the fields of `shape` that fail their check removed (then defaulted), or
 * undefined when `raw` is not an object or lacks a required field. Other fields are kept as they are.
 */
function read(raw: unknown, shape: Shape): JsonObject | undefined {
  if (!isObject(raw)) return undefined;
  const out: JsonObject = { ...raw };
  for (const [field, check] of Object.entries(shape.fields)) {
    if (Object.hasOwn(out, field) && !check(out[field])) delete out[field];
  }
  for (const [field, value] of Object.entries(shape.defaults ?? {})) {
    if (!Object.hasOwn(out, field)) out[field] = value;
  }
  return (shape.required ?? []).every((f) => Object.hasOwn(out, f)) ? out : undefined;
}

/** The entries of a list that read as `shape`; an empty list when `raw` is not a list. */
function readList(raw: unknown, shape: Shape): JsonObject[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((e: unknown): JsonObject[] => {
    const entry = read(e, shape);
    return entry === undefined ? [] : [entry];
  });
}

const CONDITION: Shape = {
  fields: {
    type: isString,
    status: oneOf('True', 'False', 'Unknown'),
    reason: isString,
    message: isString,
    lastTransitionTime: isTime,
    observedGeneration: isInt,
  },
  required: ['type', 'status', 'lastTransitionTime'],
  defaults: { reason: '', message: '' },
};

const HEALTH_CHECK: Shape = {
  fields: { name: isString, status: oneOf(...HEALTH), message: isString, timestamp: isTime },
  required: ['name', 'status', 'timestamp'],
  defaults: { message: '' },
};

const HISTORY_ENTRY: Shape = {
  fields: {
    name: isString,
    workspace: isString,
    revision: isInt,
    contentHash: isString,
    generation: isInt,
    replicas: isInt,
    restartGeneration: isInt,
    outcome: oneOf('Pending', 'Published', 'Healthy', 'Failed', 'RolledBack', 'Superseded'),
    createdAt: isString,
    publishedAt: isTime,
    finishedAt: isString,
    trigger: oneOf('Create', 'Scale', 'Update', 'Heal', 'Rollback'),
    proposedAt: isTime,
    rejectedAt: isTime,
    proposeAgain: isString,
  },
  required: ['name', 'workspace', 'contentHash', 'generation', 'outcome', 'createdAt'],
  defaults: { revision: 0 },
};

const LAST_ERROR: Shape = {
  fields: {
    class: oneOf('Transient', 'Permanent', 'Configuration'),
    reason: isString,
    message: isString,
    fields: (v) => Array.isArray(v) && v.every(isString),
    action: isString,
    generation: isInt,
    since: isTime,
    failures: isInt,
    lastFailure: isTime,
  },
  required: ['class', 'reason', 'message', 'since'],
};

const ROLLBACK: Shape = {
  fields: {
    failedContentHash: isString,
    failedGeneration: isInt,
    toContentHash: isString,
    at: isString,
    message: isString,
  },
  required: ['failedContentHash', 'failedGeneration', 'toContentHash', 'at'],
  defaults: { message: '' },
};

const SCALING: Shape = { fields: { lastScaleTime: isTime, cooldownUntil: isTime, pendingReplicas: isInt } };

const HEALING: Shape = {
  fields: { attempts: isInt, lastAttemptAt: isTime, restartGeneration: isInt },
  defaults: { attempts: 0 },
};

const POLICY: Shape = {
  fields: {
    policyTypeId: isInt,
    policyId: isString,
    state: oneOf('Pending', 'Accepted', 'Enforced', 'NotEnforced', 'Failed', 'Deleting'),
    message: isString,
    endpoint: isString,
    policyHash: isString,
    generation: isInt,
  },
  required: ['policyTypeId', 'policyId', 'state'],
};

const SUBSCRIPTION: Shape = {
  fields: {
    name: isString,
    subscriptionId: isString,
    state: oneOf('Pending', 'Ready', 'Failed', 'Deleting'),
    message: isString,
    endpoint: isString,
    requestHash: isString,
    uncertainCreates: isInt,
    generation: isInt,
  },
  required: ['name', 'state'],
};

const TOP: Shape = {
  fields: {
    phase: oneOf(...PHASES),
    observedGeneration: isInt,
    replicas: isInt,
    readyReplicas: isInt,
    selector: isString,
    packageRevision: isString,
    packageName: isString,
    repository: isString,
    revision: isInt,
    contentHash: isString,
    phaseSince: isTime,
  },
};

function readHealth(raw: unknown): JsonObject | undefined {
  const h = read(raw, {
    fields: { overall: oneOf(...HEALTH), consecutiveFails: isInt, lastCheck: isTime },
    defaults: { consecutiveFails: 0 },
  });
  if (h === undefined) return undefined;
  h.checks = readList(h.checks, HEALTH_CHECK);
  h.overall ??= worst((h.checks as Array<{ status: HealthState }>).map((c) => c.status));
  return h;
}

/** status.lastHealthy, when its spec is one the controller could render (it is, on rollback). */
function readLastHealthy(raw: unknown, parent: Parent): JsonObject | undefined {
  const lh = read(raw, {
    fields: { generation: isInt, contentHash: isString, spec: isObject },
    required: ['generation', 'contentHash', 'spec'],
  });
  if (lh === undefined) return undefined;
  const metadata = { name: parent.metadata.name, namespace: parent.metadata.namespace ?? 'default' };
  const v = validateCNFDeployment({ apiVersion: API_VERSION, kind: KIND, metadata, spec: lh.spec });
  return v.ok ? lh : undefined;
}

function readOran(raw: unknown): JsonObject | undefined {
  const oran = read(raw, { fields: {} });
  if (oran === undefined) return undefined;
  for (const [field, shape] of [
    ['policies', POLICY],
    ['subscriptions', SUBSCRIPTION],
  ] as const) {
    if (Object.hasOwn(oran, field)) oran[field] = readList(oran[field], shape);
  }
  return oran;
}

interface Parent {
  metadata: { name: string; namespace?: string | undefined };
}

/**
 * The parent's status as the reconciler may rely on it (see the top of this module); undefined when
 * there is none (absent, null or not an object).
 */
export function readStatus(raw: unknown, parent: Parent): CNFDeploymentStatus | undefined {
  const status = read(raw, TOP);
  if (status === undefined) return undefined;
  const objects: Array<[string, (v: unknown) => JsonObject | undefined]> = [
    ['health', readHealth],
    ['lastError', (v) => read(v, LAST_ERROR)],
    ['lastHealthy', (v) => readLastHealthy(v, parent)],
    ['rollback', (v) => read(v, ROLLBACK)],
    ['scaling', (v) => read(v, SCALING)],
    ['healing', (v) => read(v, HEALING)],
    ['oran', readOran],
  ];
  for (const [field, reader] of objects) {
    if (!Object.hasOwn(status, field)) continue;
    const value = reader(status[field]);
    if (value === undefined) delete status[field];
    else status[field] = value;
  }
  for (const [field, shape] of [
    ['conditions', CONDITION],
    ['history', HISTORY_ENTRY],
  ] as const) {
    if (Object.hasOwn(status, field)) status[field] = readList(status[field], shape);
  }
  return status;
}

// JSON schema of Metacontroller's v2 hook requests (the envelope, not the CNF spec: an invalid
// CNFDeployment is answered with 200 and a Failed status by the reconciler, not rejected here).
// Go marshals nil maps as null, so every map may be null.

const objectMeta = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    namespace: { type: 'string' },
    uid: { type: 'string' },
  },
} as const;

/** Any Kubernetes object Metacontroller passes along: it must at least have a name. */
const kubeObject = {
  type: 'object',
  required: ['metadata'],
  properties: { metadata: objectMeta },
} as const;

/** {"Kind.group/version": {"namespace/name": object}} */
const objectsByType = {
  type: ['object', 'null'],
  additionalProperties: {
    type: ['object', 'null'],
    additionalProperties: kubeObject,
  },
} as const;

const parent = {
  type: 'object',
  required: ['metadata'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: {
      type: 'object',
      required: ['name', 'namespace'],
      properties: {
        name: { type: 'string', minLength: 1 },
        namespace: { type: 'string', minLength: 1 },
        uid: { type: 'string' },
        generation: { type: 'integer' },
        creationTimestamp: { type: 'string' },
        deletionTimestamp: { type: ['string', 'null'] },
        labels: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
        annotations: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
      },
    },
    spec: { type: ['object', 'null'] },
    status: { type: ['object', 'null'] },
  },
} as const;

export const syncRequestSchema = {
  type: 'object',
  required: ['parent'],
  properties: {
    controller: { type: ['object', 'null'] },
    parent,
    children: objectsByType,
    related: objectsByType,
    finalizing: { type: 'boolean' },
  },
} as const;

export const customizeRequestSchema = {
  type: 'object',
  required: ['parent'],
  properties: {
    controller: { type: ['object', 'null'] },
    parent,
  },
} as const;

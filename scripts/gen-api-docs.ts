#!/usr/bin/env node
// Generates docs/api.md from the CRD's schema descriptions and the function catalog, so the API
// reference cannot drift from the API (tests/unit/api-docs.test.ts fails when docs/api.md is stale).
//   npm run gen:docs            write
//   npm run gen:docs -- --check verify
import { writeOrCheck } from './generated-file.ts';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { CNF_TYPES, FUNCTIONS, functionsForType, getCatalogEntry } from '../lib/catalog.ts';
import { CRD } from '../lib/generated/crd.ts';
import { MAX_CONFIGMAP_BYTES } from '../lib/render/index.ts';
import { crdSchema, FREE_FORM_MAX_LEVELS } from '../lib/validate.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const OUT_PATH = `${root}docs/api.md`;

type Schema = Record<string, unknown>;
const asSchema = (v: unknown): Schema => (typeof v === 'object' && v !== null ? (v as Schema) : {});
const cell = (s: string): string =>
  s
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\s*\n\s*/g, ' ');
/** Code span in a table cell: only pipes need escaping (GFM), `<` is literal inside backticks. */
const code = (s: string): string => `\`${s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')}\``;

function typeOf(s: Schema): string {
  if (s['x-kubernetes-int-or-string'] === true) return 'quantity (int or string)';
  if (s.type === 'array') return `list of ${typeOf(asSchema(s.items))}`;
  if (s.type === 'object' && s.additionalProperties !== undefined) {
    return `map of ${typeOf(asSchema(s.additionalProperties))}`;
  }
  if (s.type === 'object' && s['x-kubernetes-preserve-unknown-fields'] === true) return 'object (free-form)';
  return typeof s.type === 'string' ? s.type : 'any';
}

function constraints(s: Schema, required: boolean): string {
  const out: string[] = [];
  if (required) out.push('required');
  if (Array.isArray(s.enum)) out.push(`one of ${s.enum.map((v) => code(String(v))).join(', ')}`);
  if (s.minimum !== undefined) out.push(`≥ ${JSON.stringify(s.minimum)}`);
  if (s.maximum !== undefined) out.push(`≤ ${JSON.stringify(s.maximum)}`);
  if (s.minLength !== undefined) out.push(`min length ${JSON.stringify(s.minLength)}`);
  if (s.maxLength !== undefined) out.push(`max length ${JSON.stringify(s.maxLength)}`);
  if (s.minItems !== undefined) out.push(`min ${JSON.stringify(s.minItems)} items`);
  if (s.maxItems !== undefined) out.push(`max ${JSON.stringify(s.maxItems)} items`);
  if (s.maxProperties !== undefined) out.push(`max ${JSON.stringify(s.maxProperties)} entries`);
  if (s['x-kubernetes-list-type'] === 'set') out.push('unique items');
  if (s['x-kubernetes-list-type'] === 'map') {
    out.push(`unique by ${(s['x-kubernetes-list-map-keys'] as string[]).map(code).join(', ')}`);
  }
  if (typeof s.pattern === 'string') out.push(`pattern ${code(s.pattern)}`);
  return out.join('; ');
}

interface Row {
  path: string;
  schema: Schema;
  required: boolean;
}

function rows(s: Schema, path: string, required = false): Row[] {
  const out: Row[] = [{ path, schema: s, required }];
  const req = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  for (const [k, v] of Object.entries(asSchema(s.properties)))
    out.push(...rows(asSchema(v), `${path}.${k}`, req.has(k)));
  const items = asSchema(s.items);
  if (items.type === 'object' && items.properties) {
    const itemReq = new Set(Array.isArray(items.required) ? (items.required as string[]) : []);
    for (const [k, v] of Object.entries(asSchema(items.properties))) {
      out.push(...rows(asSchema(v), `${path}[].${k}`, itemReq.has(k)));
    }
  }
  return out;
}

function fieldTable(s: Schema, path: string, withDefaults: boolean): string {
  const header = withDefaults
    ? '| Field | Type | Default | Validation | Description |\n|---|---|---|---|---|\n'
    : '| Field | Type | Description |\n|---|---|---|\n';
  return (
    header +
    rows(s, path)
      .slice(1)
      .map(({ path: p, schema, required }) => {
        const desc = cell(typeof schema.description === 'string' ? schema.description : '');
        if (!withDefaults) return `| ${code(p)} | ${typeOf(schema)} | ${desc} |`;
        const def = schema.default !== undefined ? code(JSON.stringify(schema.default)) : '';
        return `| ${code(p)} | ${typeOf(schema)} | ${def} | ${constraints(schema, required)} | ${desc} |`;
      })
      .join('\n') +
    '\n'
  );
}

function celRules(s: Schema, at: string): string[] {
  const out: string[] = [];
  for (const r of (s['x-kubernetes-validations'] ?? []) as Array<Record<string, string>>) {
    const field = r.fieldPath ? `${at}${r.fieldPath}` : at || '(root)';
    out.push(`| ${code(field)} | ${cell(r.message ?? '')} | ${code(r.rule ?? '')} |`);
  }
  for (const [k, v] of Object.entries(asSchema(s.properties)))
    out.push(...celRules(asSchema(v), at ? `${at}.${k}` : k));
  if (s.items) out.push(...celRules(asSchema(s.items), `${at}[]`));
  return out;
}

export function renderApiDocs(crd: unknown = CRD): string {
  const schema = crdSchema(crd);
  const props = asSchema(schema.properties);
  const spec = asSchema(props.spec);
  const status = asSchema(props.status);
  const version = asSchema((asSchema(asSchema(crd).spec).versions as unknown[])[0]);
  const columns = (version.additionalPrinterColumns as Array<Record<string, string>>)
    .map((c) => `| ${c.name ?? ''} | ${code(c.jsonPath ?? '')} |`)
    .join('\n');

  const typeTable = CNF_TYPES.map((t) => `| ${code(t)} | ${functionsForType(t).join(', ')} |`).join('\n');
  const functionTable = FUNCTIONS.map((fn) => {
    const e = getCatalogEntry(fn)!;
    const ports = e.ports.map((p) => `${p.name} ${p.port}/${p.protocol}`).join(', ');
    const res = `${e.resources.requests.cpu} / ${e.resources.requests.memory} → ${e.resources.limits.cpu} / ${e.resources.limits.memory}`;
    const min = e.minimum ? `${e.minimum.cpu} / ${e.minimum.memory}` : '';
    return `| ${fn} | ${e.description} | ${e.types.join(', ')} | ${code(e.image)} | ${ports} | ${e.interfaces.join(', ')} | ${res} | ${min} | ${e.capabilities.join(', ')} |`;
  }).join('\n');

  return `<!-- GENERATED by scripts/gen-api-docs.ts from manifests/crd/cnfdeployments.nephoran.com.yaml and lib/catalog.ts. Do not edit: run npm run gen:docs. -->

# CNFDeployment API (\`nephoran.com/v1\`)

${cell(typeof schema.description === 'string' ? schema.description : '')}

Namespaced; short names \`cnfd\`, \`cnf\`; category \`nephoran\`. The status and scale subresources are
enabled (\`kubectl scale cnf/<name> --replicas=N\` changes \`spec.replicas\`). \`metadata.name\` must be a
DNS-1035 label of at most 63 characters: it names the function's Deployment and Service.

\`kubectl get cnf\` columns:

| Column | From |
|---|---|
${columns}

## Spec

Defaults are applied by the API server (and by \`lib/validate.ts\`, which validates against this same
schema). Unknown fields are rejected everywhere except in free-form objects.

${fieldTable(spec, 'spec', true)}
## Cross-field rules

Enforced by the API server as CEL \`x-kubernetes-validations\` and, with the same messages and field
paths, by \`lib/validate.ts\` (the hooks and the \`nephoran-cnf\` CLI). Rules on \`oldSelf\` apply to updates only.

| Field | Message | CEL rule |
|---|---|---|
${celRules(schema, '').join('\n')}

## Free-form fields

\`spec.configuration\`, \`spec.oran.a1.policyTypes[].createSchema\` and \`spec.oran.a1.policies[].policy\`
hold any JSON the API server stores, every key kept as written (\`__proto__\` and \`constructor\`
included). CEL cannot see into such fields, so the API server cannot bound them; the controller does,
with a Failed status naming the field (and \`nephoran-cnf render\` exits 2):

- at most ${FREE_FORM_MAX_LEVELS} levels of nested objects and lists (the field itself is level 1);
- \`spec.configuration\` must render to a ConfigMap of at most ${MAX_CONFIGMAP_BYTES} bytes (1 MiB, what
  Kubernetes lets a ConfigMap hold).

## Types and functions

A function may be deployed under a type only as listed here; \`Custom\` admits every function.
Edge admits the functions that run at cell sites and edge data centres (user plane and RAN units).

| Type | Functions |
|---|---|
${typeTable}

Catalog (\`lib/catalog.ts\`): the defaults the renderer uses when the spec leaves a value out. Resources are
requests cpu / memory → limits cpu / memory; the minimum applies to \`resources.requests\` when given.
Images are pinned defaults; set \`spec.image\` to use your own build.

| Function | Description | Types | Default image | Ports | Multus interfaces (usual) | Default resources | Minimum requests | Added capabilities |
|---|---|---|---|---|---|---|---|---|
${functionTable}

## Status

Written by the controller on every sync (Metacontroller replaces the whole status, so every field the
controller keeps is declared here).

${fieldTable(status, 'status', false)}`;
}

export async function generate(): Promise<string> {
  const options = (await prettier.resolveConfig(OUT_PATH)) ?? {};
  return prettier.format(renderApiDocs(), { ...options, filepath: OUT_PATH });
}

if (import.meta.main) writeOrCheck(OUT_PATH, await generate(), 'npm run gen:docs');

#!/usr/bin/env node
// Generates docs/api.md from the CRD's schema descriptions and the function catalog, so the API
// reference cannot drift from the API (tests/unit/api-docs.test.ts fails when docs/api.md is stale).
//   npm run gen:docs            write
//   npm run gen:docs -- --check verify
import { writeOrCheck } from './generated-file.ts';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { stringify } from 'yaml';
import { CNF_TYPES, FUNCTIONS, functionsForType, getCatalogEntry, profileSpec } from '../lib/catalog.ts';
import { cniConfig } from '../lib/render/index.ts';
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

/** The data-plane profiles of the catalog: a table, then the spec fields of each. */
function profilesSection(): string {
  const withProfile = FUNCTIONS.filter((fn) => getCatalogEntry(fn)!.profile !== undefined);
  const table = withProfile
    .map((fn) => {
      const p = getCatalogEntry(fn)!.profile!;
      const pages = Object.entries(p.hugepages)
        .map(([k, v]) => `${v} of ${k}`)
        .join(', ');
      return `| ${fn} | ${p.performance.qos} | ${p.performance.cpuPinning ? 'yes' : 'no'} | ${pages} | ${p.sriov.interfaces.join(', ')} (MTU ${p.sriov.mtu}) | ${cell(p.why)} |`;
    })
    .join('\n');
  const snippets = withProfile
    .map((fn) => `${fn}:\n\n\`\`\`yaml\n${stringify({ spec: profileSpec(fn) })}\`\`\`\n`)
    .join('\n');
  return `| Function | QoS | CPU pinning | Hugepages | SR-IOV interfaces | Why |
|---|---|---|---|---|---|
${table}

The spec fields of each (cpu and memory are the catalog's requests; size them for your traffic, as
whole CPUs; \`master\` is the SR-IOV device plugin resource of your nodes; give each interface its
addresses, an \`ipPool\` to run more than one pod):

${snippets}`;
}

/** Rendered examples of the three kinds of IPAM, from the renderer itself. */
function ipamExamples(): string {
  const pool = cniConfig('upf', {
    name: 'n3',
    cniType: 'macvlan',
    master: 'eth1',
    ipPool: { range: '10.10.3.0/24', gateway: '10.10.3.1', exclude: ['10.10.3.0/28'] },
  });
  const dual = cniConfig('du', {
    name: 'f1',
    cniType: 'macvlan',
    master: 'eth1',
    ipv4: { address: '10.20.1.20/24', gateway: '10.20.1.1' },
    ipv6: { address: 'fd00:20:1::20/64', gateway: 'fd00:20:1::1' },
  });
  const sriov = cniConfig('du', {
    name: 'fh',
    cniType: 'sriov',
    master: 'intel.com/sriov_fh',
    vlanID: 10,
    mtu: 9000,
  });
  return `\`\`\`json\n${pool}\n${dual}\n${sriov}\n\`\`\``;
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

## Addresses of Multus interfaces

Each entry of \`spec.networkConfig.interfaces\` becomes a NetworkAttachmentDefinition \`<cnf>-<interface>\`
whose CNI config carries the interface's IPAM:

- **Static** — \`ipv4\`, \`ipv6\` or both (dual-stack): static IPAM with every address given, IPv4 first.
  Every pod would claim the same addresses, so the CRD allows at most one replica, and the
  Deployment replaces its pod (\`Recreate\`) instead of surging a second one.
- **Pool** — \`ipPool\`: whereabouts IPAM, \`{"type":"whereabouts","range":…,"gateway":…,"exclude":[…]}\`.
  Each pod gets its own address from \`range\` (the lowest free one; a range written with host bits,
  e.g. \`10.10.3.100/24\`, starts there), so any number of replicas can run and roll. whereabouts
  does not skip the gateway: the renderer adds it to \`exclude\` (as a /32 or /128) unless an
  exclude already covers it. One family per interface: whereabouts' \`ipRanges\` could hold both
  families but would give them one gateway; for a dual-stack pool use two interfaces. An IPv6 range
  of /64 or wider hands out addresses from its first /65 only (a whereabouts limit).
- **None** — neither: the interface gets no address.

An interface has static addresses or a pool, never both (the CRD refuses it, naming the interface).
\`mtu\` is the macvlan/ipvlan plugin's own; SR-IOV CNI uses the VF's MTU, so for \`sriov\` a chained
\`tuning\` plugin sets it (the PF must allow it). \`vfs\` is how many VFs of \`master\` the pod
requests for a \`sriov\` interface (one is attached as the interface; the rest reach a DPDK
application through the device plugin's \`PCIDEVICE_*\` environment). Rendered, e.g.:

${ipamExamples()}

## Service IP families

The function's Service is on the cluster network, not on the Multus interfaces, so its families are
set apart from theirs: \`spec.networkConfig.ipFamilyPolicy\` and \`spec.networkConfig.ipFamilies\` are
copied to the Service's \`spec.ipFamilyPolicy\` and \`spec.ipFamilies\`, and left out when unset (the
cluster's default: single stack). \`ipFamilyPolicy: PreferDualStack\` alone is the portable choice:
both families where the cluster has them, one elsewhere. Listing two \`ipFamilies\` needs
\`PreferDualStack\` or \`RequireDualStack\` (refused by the CRD otherwise), and every family listed
must be configured on the cluster (Kubernetes refuses the Service otherwise: the GitOps agent
reports it). Kubernetes does not let a Service's primary family change.

## Data-plane profiles

\`spec.performance\` asks for a QoS class and CPU pinning; the rest of a data-plane profile are fields of
their own concept: hugepages are container resources (\`spec.resources\`, e.g. \`hugepages-1Gi\`),
SR-IOV VFs and MTU belong to an interface, placement to \`spec.placement\`.

- \`qos: Guaranteed\` renders every container resource with its limit equal to its request: the spec's
  request, else its limit, else the catalog's request (a spec giving both must give them equal).
- \`cpuPinning: true\` needs \`qos: Guaranteed\` and \`resources.requests.cpu\` as a whole number of CPUs:
  the kubelet's static CPU manager then gives the pod exclusive cores. Nodes without that policy run
  the pod unpinned, so select pinning nodes with \`spec.placement.nodeSelector\`.
- Hugepages and extended resources (SR-IOV devices, GPUs) always get equal requests and limits
  (Kubernetes does not overcommit them); each hugepages size is mounted at \`/hugepages-<size>\` (an
  \`emptyDir\` of medium \`HugePages-<size>\`).
- \`spec.placement\` renders \`nodeSelector\` and \`tolerations\` into the pod spec as given, and each
  \`topologySpread\` entry into a \`topologySpreadConstraints\` entry counting the function's own pods.

Recommended for the catalog's packet-processing functions (documented, not applied):

${profilesSection()}
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

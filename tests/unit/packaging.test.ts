// Packaging contract: the Dockerfile, the kustomizations under manifests/ and metacontroller/, and
// the way they point at each other (image, Service, ServiceAccount, RBAC, CompositeController → CRD).
// The YAML checks always run; `kubectl kustomize` runs too when a kubectl is found.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { PHASES } from '../../lib/phase.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NAMESPACE = 'nephoran-system';
const HOOK_NAME = 'nephoran-intent-operator';

type Obj = Record<string, unknown>;
interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface Loaded {
  docs: KubeDoc[];
  /** Every file the kustomization tree references (resources and generator inputs). */
  files: string[];
  images: Array<{ name: string; newName?: string; newTag?: string; digest?: string }>;
}

const readText = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

function asObj(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Obj;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

/** Parses every document of a multi-doc YAML file, failing on any syntax error or warning. */
function parseYamlFile(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { prettyErrors: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
    if (problems.length > 0) throw new Error(`${relative(ROOT, path)}: ${problems.join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** Resolves a kustomization directory the way kustomize does for plain resources (no patches). */
function loadKustomization(dirRel: string): Loaded {
  const dir = join(ROOT, dirRel);
  const kfile = join(dir, 'kustomization.yaml');
  if (!existsSync(kfile)) throw new Error(`${dirRel}: no kustomization.yaml`);
  const [k] = parseYamlFile(kfile);
  const kust = asObj(k, `${dirRel}/kustomization.yaml`);
  expect(kust.kind).toBe('Kustomization');
  const loaded: Loaded = { docs: [], files: [kfile], images: [] };
  for (const entry of asArray(kust.resources ?? [], `${dirRel} resources`)) {
    if (typeof entry !== 'string') throw new Error(`${dirRel}: resource ${JSON.stringify(entry)}`);
    const path = join(dir, entry);
    if (!existsSync(path)) throw new Error(`${dirRel}: listed resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      const sub = loadKustomization(relative(ROOT, path));
      loaded.docs.push(...sub.docs);
      loaded.files.push(...sub.files);
      loaded.images.push(...sub.images);
      continue;
    }
    loaded.files.push(path);
    for (const doc of parseYamlFile(path)) {
      const obj = asObj(doc, `${relative(ROOT, path)} document`);
      expect(typeof obj.apiVersion).toBe('string');
      expect(typeof obj.kind).toBe('string');
      expect(typeof asObj(obj.metadata, `${entry} metadata`).name).toBe('string');
      loaded.docs.push(obj as KubeDoc);
    }
  }
  for (const gen of asArray(kust.configMapGenerator ?? [], `${dirRel} configMapGenerator`)) {
    for (const file of asArray(asObj(gen, 'generator').files ?? [], 'generator files')) {
      const path = join(dir, String(file).replace(/^[^=]+=/, ''));
      if (!existsSync(path)) throw new Error(`${dirRel}: generator input ${String(file)} does not exist`);
      loaded.files.push(path);
    }
  }
  for (const image of asArray(kust.images ?? [], `${dirRel} images`)) {
    loaded.images.push(asObj(image, 'image') as Loaded['images'][number]);
  }
  return loaded;
}

function find(docs: KubeDoc[], kind: string, name?: string): KubeDoc {
  const hit = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (!hit) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`}`);
  return hit;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

// ---- Dockerfile -----------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile → global ARGs + stages. Joins `\` continuations and drops comment lines. */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical.filter((l) => l !== '')) {
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const op = (m[1] ?? '').toUpperCase();
    const rest = m[2] ?? '';
    if (op === 'FROM') {
      const fm = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!fm?.[1]) throw new Error(`bad FROM: ${line}`);
      const from = fm[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (_s, a?: string, b?: string) => {
        const key = a ?? b ?? '';
        const value = args[key];
        if (value === undefined) throw new Error(`FROM uses undefined ARG ${key}`);
        return value;
      });
      stages.push({ from, ...(fm[2] ? { name: fm[2] } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (op === 'ARG') {
        const am = /^(\w+)(?:=(.*))?$/.exec(rest);
        if (am?.[1]) args[am[1]] = (am[2] ?? '').replace(/^"(.*)"$/, '$1');
      }
    } else {
      stages.at(-1)?.instructions.push({ op, args: rest });
    }
  }
  return { args, stages };
}

function jsonForm(ins: Instruction | undefined): string[] {
  if (!ins) return [];
  const parsed: unknown = JSON.parse(ins.args);
  return asArray(parsed, `${ins.op} must use the JSON (exec) form`).map(String);
}

function engineMajor(): number {
  const pkg = JSON.parse(readText('package.json')) as { engines?: { node?: string } };
  const m = /(\d+)/.exec(pkg.engines?.node ?? '');
  if (!m?.[1]) throw new Error('package.json engines.node has no major version');
  return Number(m[1]);
}

describe('Dockerfile', () => {
  const { stages } = parseDockerfile(readText('Dockerfile'));
  const stageNames = new Set(stages.map((s) => s.name).filter((n) => n !== undefined));
  const final = stages.at(-1);
  if (!final) throw new Error('Dockerfile has no FROM');
  const finalOps = (op: string): Instruction[] => final.instructions.filter((i) => i.op === op);
  const allRuns = stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));

  it('is multi-stage and the final stage takes dependencies from an earlier one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const fromStage = finalOps('COPY').filter((c) => /--from=(\S+)/.exec(c.args)?.[1] !== undefined);
    expect(fromStage.some((c) => c.args.includes('node_modules'))).toBe(true);
    for (const c of fromStage) expect(stageNames.has(/--from=(\S+)/.exec(c.args)?.[1] ?? '')).toBe(true);
  });

  it('builds on a pinned slim Node image of the same major as package.json engines, never latest', () => {
    const major = engineMajor();
    for (const stage of stages) {
      if (stageNames.has(stage.from)) continue;
      expect(stage.from).toMatch(
        new RegExp(`^(docker\\.io/(library/)?)?node:${major}-[a-z0-9.-]*slim(@sha256:[0-9a-f]{64})?$`),
      );
      expect(stage.from).not.toMatch(/latest/);
    }
  });

  it('installs production dependencies exactly from the lockfile', () => {
    expect(allRuns.some((r) => /\bnpm ci\b/.test(r) && r.includes('--omit=dev'))).toBe(true);
    expect(allRuns.some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
    const copiesLock = stages.some((s) =>
      s.instructions.some((i) => i.op === 'COPY' && i.args.includes('package-lock.json')),
    );
    expect(copiesLock).toBe(true);
  });

  it('copies only runtime files into the final stage', () => {
    const copies = finalOps('COPY').map((c) => c.args);
    for (const path of ['hooks/', 'lib/', 'package.json']) {
      expect(copies.some((c) => c.includes(path))).toBe(true);
    }
    expect(copies.some((c) => /^\.\s/.test(c) || /\s\.\s+\.\/?$/.test(` ${c}`))).toBe(false);
    expect(copies.some((c) => /\btests?\/|\bdocs\//.test(c))).toBe(false);
  });

  it('runs node as a numeric non-root user behind tini', () => {
    const users = finalOps('USER');
    expect(users).toHaveLength(1);
    const user = users[0]?.args ?? '';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(':').every((id) => Number(id) !== 0)).toBe(true);
    expect(jsonForm(finalOps('ENTRYPOINT').at(-1))).toEqual(['/usr/bin/tini', '--']);
    expect(allRuns.some((r) => /apt-get install[^&]*\btini\b/.test(r))).toBe(true);
    expect(jsonForm(finalOps('CMD').at(-1))).toEqual(['node', 'hooks/server.ts']);
  });

  it('exposes 8080, leaves probes to Kubernetes and does not branch on NODE_ENV', () => {
    expect(finalOps('EXPOSE').map((e) => e.args.trim())).toEqual(['8080']);
    expect(stages.flatMap((s) => s.instructions).some((i) => i.op === 'HEALTHCHECK')).toBe(false);
    expect(stages.flatMap((s) => s.instructions).some((i) => /NODE_ENV/.test(i.args))).toBe(false);
  });

  it('.dockerignore keeps local and non-runtime files out of the build context', () => {
    const ignored = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim().replace(/\/$/, ''))
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const entry of ['node_modules', '.git', 'coverage', '.local', 'tests', 'docs']) {
      expect(ignored).toContain(entry);
    }
    for (const needed of ['hooks', 'lib', 'manifests', 'package.json', 'package-lock.json']) {
      expect(ignored).not.toContain(needed);
    }
  });
});

// ---- manifests/ ------------------------------------------------------------------------------------

describe('manifests/ kustomization', () => {
  const loaded = loadKustomization('manifests');
  const { docs } = loaded;
  const deployment = find(docs, 'Deployment', HOOK_NAME);
  const depSpec = asObj(deployment.spec, 'Deployment spec');
  const template = asObj(depSpec.template, 'pod template');
  const podLabels = asObj(asObj(template.metadata, 'pod metadata').labels, 'pod labels') as Record<
    string,
    string
  >;
  const podSpec = asObj(template.spec, 'pod spec');
  const containers = asArray(podSpec.containers, 'containers').map((c) => asObj(c, 'container'));
  const container = containers[0] ?? {};
  const env = new Map(
    asArray(container.env ?? [], 'env').map((e) => {
      const o = asObj(e, 'env var');
      // Plain `value` only: Secret/field refs (valueFrom) are not expected on these variables.
      return [String(o.name), typeof o.value === 'string' ? o.value : undefined] as const;
    }),
  );

  it('lists only existing files whose documents all parse', () => {
    expect(loaded.files.length).toBeGreaterThan(3);
    for (const file of loaded.files) expect(existsSync(file)).toBe(true);
  });

  it('contains every kind the install needs', () => {
    const kinds = new Set(docs.map((d) => d.kind));
    for (const kind of [
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Service',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'CustomResourceDefinition',
    ]) {
      expect(kinds).toContain(kind);
    }
    expect(find(docs, 'Namespace').metadata.name).toBe(NAMESPACE);
  });

  it('puts every namespaced object in nephoran-system', () => {
    const clusterScoped = new Set([
      'Namespace',
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
    ]);
    for (const d of docs.filter((doc) => !clusterScoped.has(doc.kind))) {
      expect(`${d.kind}/${d.metadata.name}:${d.metadata.namespace}`).toBe(
        `${d.kind}/${d.metadata.name}:${NAMESPACE}`,
      );
    }
  });

  it('runs two replicas whose selector matches the pod labels and spreads them across nodes', () => {
    expect(depSpec.replicas).toBeGreaterThanOrEqual(2);
    const selector = asObj(asObj(depSpec.selector, 'selector').matchLabels, 'matchLabels') as Record<
      string,
      string
    >;
    expect(matches(selector, podLabels)).toBe(true);
    const spread = asArray(podSpec.topologySpreadConstraints ?? [], 'spread').map((t) => asObj(t, 'spread'));
    const antiAffinity = asObj(podSpec.affinity ?? {}, 'affinity').podAntiAffinity;
    expect(spread.some((t) => t.topologyKey === 'kubernetes.io/hostname') || antiAffinity !== undefined).toBe(
      true,
    );
  });

  it('uses the image set through kustomize images:, pinned and never latest', () => {
    expect(containers).toHaveLength(1);
    const image = String(container.image);
    const entry = loaded.images.find((i) => i.name === image);
    expect(entry).toBeDefined();
    expect(entry?.newTag ?? entry?.digest).toBeDefined();
    expect(entry?.newTag).not.toBe('latest');
  });

  it('is hardened: non-root 65532, read-only root, no privilege escalation, no capabilities', () => {
    const podSc = asObj(podSpec.securityContext, 'pod securityContext');
    const sc = asObj(container.securityContext, 'container securityContext');
    expect(podSc.runAsNonRoot).toBe(true);
    expect(sc.runAsNonRoot).toBe(true);
    expect(sc.runAsUser ?? podSc.runAsUser).toBe(65532);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(asObj(sc.capabilities, 'capabilities').drop).toEqual(['ALL']);
    expect(asObj(sc.seccompProfile ?? podSc.seccompProfile, 'seccompProfile').type).toBe('RuntimeDefault');
  });

  it('listens on 8080 and has startup, readiness (/readyz) and liveness (/healthz) probes', () => {
    const ports = asArray(container.ports, 'ports').map((p) => asObj(p, 'port'));
    const http = ports.find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(8080);
    expect(env.get('PORT')).toBe('8080');
    expect(env.get('HOST')).toBe('0.0.0.0');
    const path = (probe: string): unknown =>
      asObj(asObj(container[probe], probe).httpGet, `${probe} httpGet`).path;
    expect(path('readinessProbe')).toBe('/readyz');
    expect(path('livenessProbe')).toBe('/healthz');
    expect(container.startupProbe).toBeDefined();
  });

  it('authenticates the hooks by default with the token Metacontroller sends; no-auth is an explicit component', () => {
    expect(env.get('PORCH_REPOSITORY')).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(env.has('HOOK_AUTH')).toBe(false);
    const tokenFile = String(env.get('HOOK_TOKEN_FILE'));
    const mounts = asArray(container.volumeMounts ?? [], 'volumeMounts').map((m) => asObj(m, 'mount'));
    const mount = mounts.find((m) => tokenFile.startsWith(`${String(m.mountPath)}/`));
    expect(mount).toBeDefined();
    const volume = asArray(podSpec.volumes, 'volumes')
      .map((v) => asObj(v, 'volume'))
      .find((v) => v.name === mount?.name);
    const secret = asObj(volume?.secret, 'token volume secret');
    // The Secret and key Metacontroller reads the same token from, on every hook.
    const [cc] = parseYamlFile(join(ROOT, 'metacontroller/compositecontroller.yaml'));
    const hooks = asObj(asObj(asObj(cc, 'CompositeController').spec, 'spec').hooks, 'hooks');
    for (const name of ['sync', 'finalize', 'customize']) {
      const webhook = asObj(asObj(hooks[name], name).webhook, `${name} webhook`);
      const auth = asObj(webhook.authorization, `${name} authorization`);
      expect(auth.type).toBe('Bearer');
      expect(asObj(auth.secretRef, 'secretRef')).toEqual({
        name: secret.secretName,
        namespace: NAMESPACE,
        key: tokenFile.slice(String(mount?.mountPath).length + 1),
      });
    }
    const [componentDoc] = parseYamlFile(join(ROOT, 'manifests/components/no-auth/kustomization.yaml'));
    const component = asObj(componentDoc, 'no-auth component');
    expect(component.kind).toBe('Component');
    const [patch] = asArray(component.patches, 'patches').map((p) => asObj(p, 'patch'));
    expect(asObj(patch?.target, 'patch target')).toMatchObject({ kind: 'Deployment', name: HOOK_NAME });
    const ops = asArray(parseAllDocuments(String(patch?.patch))[0]?.toJS(), 'JSON6902 patch');
    expect(ops).toEqual([
      {
        op: 'add',
        path: '/spec/template/spec/containers/0/env/-',
        value: { name: 'HOOK_AUTH', value: 'none' },
      },
    ]);
    // A read-only root filesystem still needs a writable /tmp.
    expect(mounts.some((m) => m.mountPath === '/tmp')).toBe(true);
  });

  it('admits only Metacontroller to the hook port and Prometheus to the metrics port', () => {
    const ports = asArray(container.ports, 'ports').map((p) => asObj(p, 'port'));
    const metricsPort = ports.find((p) => p.name === 'metrics')?.containerPort;
    expect(metricsPort).toBe(Number(env.get('METRICS_PORT')));
    const np = find(docs, 'NetworkPolicy', HOOK_NAME);
    const ingress = asArray(asObj(np.spec, 'spec').ingress, 'ingress').map((r) => asObj(r, 'rule'));
    const byPort = new Map(
      ingress.map((r) => [
        asArray(r.ports, 'ports').map((p) => asObj(p, 'port').port),
        asArray(r.from, 'from').map((f) => asObj(f, 'peer')),
      ]),
    );
    expect([...byPort.keys()]).toEqual([[8080], [metricsPort]]);
    const [hooksFrom, metricsFrom] = [...byPort.values()];
    expect(hooksFrom).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'metacontroller' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'metacontroller' } },
      },
    ]);
    expect(metricsFrom?.[0]?.namespaceSelector).toEqual({
      matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
    });
  });

  it('drains before stopping: preStop sleep and a grace period above the hook deadline', () => {
    const preStop = asObj(asObj(container.lifecycle, 'lifecycle').preStop, 'preStop');
    const sleep = Number(asObj(preStop.sleep, 'preStop.sleep').seconds);
    expect(sleep).toBeGreaterThan(0);
    const deadline = Number(env.get('HOOK_DEADLINE_MS') ?? '8000');
    const shutdown = Number(env.get('SHUTDOWN_TIMEOUT_MS') ?? '10000');
    expect(shutdown).toBeGreaterThanOrEqual(deadline);
    expect(Number(podSpec.terminationGracePeriodSeconds)).toBeGreaterThanOrEqual(sleep + shutdown / 1000 + 5);
  });

  it('requests resources and limits memory', () => {
    const resources = asObj(container.resources, 'resources');
    const requests = asObj(resources.requests, 'requests');
    expect(requests.cpu).toBeDefined();
    expect(requests.memory).toBeDefined();
    expect(asObj(resources.limits, 'limits').memory).toBeDefined();
  });

  it('runs as a ServiceAccount that exists, bound to the ClusterRole that exists', () => {
    const sa = find(docs, 'ServiceAccount', String(podSpec.serviceAccountName));
    expect(sa.metadata.namespace).toBe(NAMESPACE);
    const binding = find(docs, 'ClusterRoleBinding', HOOK_NAME);
    const roleRef = asObj(binding.roleRef, 'roleRef');
    expect(roleRef.kind).toBe('ClusterRole');
    find(docs, 'ClusterRole', String(roleRef.name));
    const subjects = asArray(binding.subjects, 'subjects').map((s) => asObj(s, 'subject'));
    expect(subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: NAMESPACE }]);
  });

  it("lets Porch's ServiceAccount keep blockOwnerDeletion owner references (update on cnfdeployments/finalizers only)", () => {
    const role = find(docs, 'ClusterRole', 'nephoran-porch-owner-references');
    expect(role.rules).toEqual([
      { apiGroups: ['nephoran.com'], resources: ['cnfdeployments/finalizers'], verbs: ['update'] },
    ]);
    const binding = find(docs, 'ClusterRoleBinding', 'nephoran-porch-owner-references');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'porch-server', namespace: 'porch-system' },
    ]);
    expect(asObj(binding.roleRef, 'roleRef').name).toBe('nephoran-porch-owner-references');
  });

  it('grants exactly the Porch verbs the hooks use, events, and nothing wildcard or extra', () => {
    const role = find(docs, 'ClusterRole', HOOK_NAME);
    const grants = new Map<string, Set<string>>();
    for (const r of asArray(role.rules, 'rules').map((x) => asObj(x, 'rule'))) {
      const groups = asArray(r.apiGroups, 'apiGroups').map(String);
      const resources = asArray(r.resources, 'resources').map(String);
      const verbs = asArray(r.verbs, 'verbs').map(String);
      expect([...groups, ...resources, ...verbs]).not.toContain('*');
      expect(r.resourceNames).toBeUndefined();
      for (const g of groups) {
        for (const res of resources) {
          const key = `${g}/${res}`;
          grants.set(key, new Set([...(grants.get(key) ?? []), ...verbs]));
        }
      }
    }
    const sorted = (key: string): string[] => [...(grants.get(key) ?? [])].sort();
    // Each verb is one call in lib/clients: kube.ts getCNFDeployment (get cnfdeployments) and
    // createEvent (create events); porch.ts readRevision (get), listPackageRevisions (list),
    // propose/adopt/propose-delete (update), deleteRevision (delete), approve (approval update),
    // readResources/writeResources (resources get/update). Nothing watches, nothing patches.
    expect([...grants.keys()].sort()).toEqual(
      [
        '/events',
        'nephoran.com/cnfdeployments',
        'porch.kpt.dev/packagerevisions',
        'porch.kpt.dev/packagerevisions/approval',
        'porch.kpt.dev/packagerevisionresources',
      ].sort(),
    );
    expect(sorted('nephoran.com/cnfdeployments')).toEqual(['get']);
    expect(sorted('porch.kpt.dev/packagerevisions')).toEqual(['delete', 'get', 'list', 'update']);
    expect(sorted('porch.kpt.dev/packagerevisions/approval')).toEqual(['update']);
    expect(sorted('porch.kpt.dev/packagerevisionresources')).toEqual(['get', 'update']);
    expect(sorted('/events')).toEqual(['create']);
  });

  it('exposes the pods through a Service whose selector matches them', () => {
    const svc = find(docs, 'Service', HOOK_NAME);
    const spec = asObj(svc.spec, 'Service spec');
    expect(matches(asObj(spec.selector, 'selector') as Record<string, string>, podLabels)).toBe(true);
    const ports = asArray(spec.ports, 'ports').map((p) => asObj(p, 'port'));
    const http = ports.find((p) => p.name === 'http');
    expect(http).toBeDefined();
    expect([8080, 'http']).toContain(http?.targetPort ?? http?.port);
  });

  it('keeps one pod available during disruptions', () => {
    const pdb = asObj(find(docs, 'PodDisruptionBudget', HOOK_NAME).spec, 'PDB spec');
    expect(pdb.minAvailable).toBe(1);
    const sel = asObj(asObj(pdb.selector, 'selector').matchLabels, 'matchLabels') as Record<string, string>;
    expect(matches(sel, podLabels)).toBe(true);
  });

  it('selects the hook pods, default-denies, and lets out only DNS and the API', () => {
    const np = asObj(find(docs, 'NetworkPolicy', HOOK_NAME).spec, 'NetworkPolicy spec');
    const sel = asObj(asObj(np.podSelector, 'podSelector').matchLabels, 'matchLabels') as Record<
      string,
      string
    >;
    expect(matches(sel, podLabels)).toBe(true);
    expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
    const egressPorts = asArray(np.egress, 'egress')
      .flatMap((r) => asArray(asObj(r, 'egress rule').ports, 'ports'))
      .map((p) => asObj(p, 'port').port);
    expect(egressPorts).toEqual(expect.arrayContaining([53, 443]));
  });
});

// ---- metacontroller/ -------------------------------------------------------------------------------

describe('metacontroller/ kustomization', () => {
  const { docs } = loadKustomization('metacontroller');
  const install = loadKustomization('manifests').docs;
  const cc = find(docs, 'CompositeController', 'cnfdeployment-controller');
  const spec = asObj(cc.spec, 'CompositeController spec');

  it('is a metacontroller.k8s.io/v1alpha1 CompositeController with generated selectors', () => {
    expect(cc.apiVersion).toBe('metacontroller.k8s.io/v1alpha1');
    expect(spec.generateSelector).toBe(true);
    expect(Number(spec.resyncPeriodSeconds)).toBeGreaterThan(0);
  });

  it('watches the CRD group, served version and plural, which has a status subresource', () => {
    const parent = asObj(spec.parentResource, 'parentResource');
    const [group, version] = String(parent.apiVersion).split('/');
    const crd = install.find(
      (d) =>
        d.kind === 'CustomResourceDefinition' &&
        asObj(d.spec, 'CRD spec').group === group &&
        asObj(asObj(d.spec, 'CRD spec').names, 'names').plural === parent.resource,
    );
    expect(crd).toBeDefined();
    const crdSpec = asObj(crd?.spec, 'CRD spec');
    expect(crd?.metadata.name).toBe(`${String(parent.resource)}.${String(group)}`);
    const served = asArray(crdSpec.versions, 'versions')
      .map((v) => asObj(v, 'version'))
      .find((v) => v.name === version && v.served === true);
    expect(served).toBeDefined();
    expect(asObj(served?.subresources, 'subresources').status).toBeDefined();
  });

  it('owns Porch PackageRevisions, which it creates and deletes but never updates (OnDelete)', () => {
    expect(spec.childResources).toEqual([
      {
        apiVersion: 'porch.kpt.dev/v1alpha1',
        resource: 'packagerevisions',
        updateStrategy: { method: 'OnDelete' },
      },
    ]);
  });

  it('calls v2 sync, finalize and customize hooks on the Service and port that exist', () => {
    const hooks = asObj(spec.hooks, 'hooks');
    expect(Object.keys(hooks).sort()).toEqual(['customize', 'finalize', 'sync']);
    for (const name of ['sync', 'finalize', 'customize']) {
      const hook = asObj(hooks[name], `${name} hook`);
      expect(hook.version).toBe('v2');
      const webhook = asObj(hook.webhook, `${name} webhook`);
      expect(webhook.url).toBeUndefined();
      expect(webhook.path).toBe(`/${name}`);
      expect(String(webhook.timeout)).toMatch(/^\d+(ms|s)$/);
      const ref = asObj(webhook.service, `${name} service`);
      const svc = install.find(
        (d) => d.kind === 'Service' && d.metadata.name === ref.name && d.metadata.namespace === ref.namespace,
      );
      expect(svc).toBeDefined();
      const ports = asArray(asObj(svc?.spec, 'Service spec').ports, 'ports').map(
        (p) => asObj(p, 'port').port,
      );
      expect(ports).toContain(ref.port ?? 80);
      expect(ref.protocol ?? 'http').toBe('http');
    }
  });

  it('aggregated RBAC for Metacontroller has no wildcards and covers the children', () => {
    for (const role of docs.filter((d) => d.kind === 'ClusterRole')) {
      for (const r of asArray(role.rules, 'rules').map((x) => asObj(x, 'rule'))) {
        const all = [r.apiGroups, r.resources, r.verbs].flatMap((l) => asArray(l, 'rule list').map(String));
        expect(all).not.toContain('*');
      }
    }
    const covers = docs
      .filter((d) => d.kind === 'ClusterRole')
      .flatMap((d) => asArray(d.rules, 'rules').map((x) => asObj(x, 'rule')))
      .some(
        (r) =>
          asArray(r.apiGroups, 'groups').includes('porch.kpt.dev') &&
          asArray(r.resources, 'resources').includes('packagerevisions') &&
          ['create', 'update', 'delete'].every((v) => asArray(r.verbs, 'verbs').includes(v)),
      );
    expect(covers).toBe(true);
  });
});

describe('manifests/monitoring kustomization', () => {
  const loaded = loadKustomization('manifests/monitoring');

  it('scrapes the hook Service port by name', () => {
    const sm = find(loaded.docs, 'ServiceMonitor', HOOK_NAME);
    const endpoints = asArray(asObj(sm.spec, 'spec').endpoints, 'endpoints').map((e) => asObj(e, 'endpoint'));
    expect(endpoints.map((e) => [e.port, e.path])).toEqual([['metrics', '/metrics']]);
  });

  it('kube-state-metrics config covers CNFDeployment phase over all 11 phases', () => {
    const file = loaded.files.find((f) => f.endsWith('cnfdeployment-state-metrics.yaml'));
    expect(file).toBeDefined();
    const [config] = parseYamlFile(file ?? '');
    const cfg = asObj(config, 'ksm config');
    expect(cfg.kind).toBe('CustomResourceStateMetrics');
    const [res] = asArray(asObj(cfg.spec, 'spec').resources, 'resources').map((r) => asObj(r, 'resource'));
    expect(res?.groupVersionKind).toEqual({ group: 'nephoran.com', kind: 'CNFDeployment', version: 'v1' });
    const metrics = asArray(res?.metrics, 'metrics').map((m) => asObj(m, 'metric'));
    const phase = metrics.find((m) => m.name === 'phase');
    const stateSet = asObj(asObj(phase?.each, 'each').stateSet, 'stateSet');
    // Every phase of the state machine, in its order: a new phase must reach the fleet gauges too.
    expect(stateSet.list).toEqual([...PHASES]);
    expect(metrics.map((m) => m.name)).toEqual(
      expect.arrayContaining(['replicas', 'ready_replicas', 'health', 'revision']),
    );
  });
});

// ---- kubectl kustomize (when a kubectl is available) ------------------------------------------------

function findKubectl(): string | undefined {
  const candidates = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'kubectl'));
  const cache = join(process.env.HOME ?? '', '.cache', 'nephoran-local', 'bin');
  if (existsSync(cache)) {
    for (const dir of readdirSync(cache)) candidates.push(join(cache, dir, 'kubectl'));
  }
  return candidates.find((c) => {
    if (!existsSync(c)) return false;
    try {
      execFileSync(c, ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  });
}

const kubectl = findKubectl();
const itWithKubectl = kubectl === undefined ? it.skip : it;

describe('kubectl kustomize', () => {
  const build = (dir: string): KubeDoc[] => {
    const out = execFileSync(kubectl ?? 'kubectl', ['kustomize', join(ROOT, dir)], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return parseAllDocuments(out).map((d) => d.toJS() as KubeDoc);
  };

  itWithKubectl('renders manifests/ with the image rewritten', () => {
    const docs = build('manifests');
    expect(docs.map((d) => d.kind)).toEqual(
      expect.arrayContaining(['CustomResourceDefinition', 'Deployment']),
    );
    const dep = find(docs, 'Deployment', HOOK_NAME);
    const pod = asObj(asObj(dep.spec, 'spec').template, 'template');
    const [container] = asArray(asObj(pod.spec, 'pod spec').containers, 'containers').map((c) =>
      asObj(c, 'c'),
    );
    expect(String(container?.image)).toMatch(/^[\w.-]+(:\d+)?\/[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
    expect(String(container?.image)).not.toMatch(/:latest$/);
  });

  itWithKubectl('an overlay with the no-auth component sets HOOK_AUTH=none', () => {
    const overlay = mkdtempSync(join(tmpdir(), 'nephoran-overlay-'));
    try {
      const rel = (p: string): string => relative(overlay, join(ROOT, p));
      writeFileSync(
        join(overlay, 'kustomization.yaml'),
        `resources: [${rel('manifests')}]\ncomponents: [${rel('manifests/components/no-auth')}]\n`,
      );
      const out = execFileSync(kubectl ?? 'kubectl', ['kustomize', overlay], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(out).toMatch(/- name: HOOK_AUTH\n\s+value: none/);
    } finally {
      rmSync(overlay, { recursive: true, force: true });
    }
  });

  itWithKubectl('renders metacontroller/ and manifests/monitoring/', () => {
    expect(build('metacontroller').map((d) => d.kind)).toContain('CompositeController');
    expect(build('manifests/monitoring').map((d) => d.kind)).toEqual(
      expect.arrayContaining(['ServiceMonitor', 'ConfigMap']),
    );
  });
});

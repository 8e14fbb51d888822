// End-to-end: every file in examples/ on the local stack, one after the other, as a user applies it:
// `kubectl apply -f examples/<file>` → every CNFDeployment of the file Active with all its replicas
// ready (a NetworkIntent: Ready), the Multus NetworkAttachmentDefinitions in the cluster with the IPAM
// the spec asks for (whereabouts ranges for pools, both addresses for dual-stack), then
// `kubectl delete -f` → no CNFDeployment, PackageRevision, Deployment, Pod or NAD of it left.
//
// The stack's fake node advertises what the data-plane examples request (hugepages, SR-IOV device
// plugin resources, the SR-IOV node label: scripts/local/manifests/kwok-node.yaml); a node created
// before those were added is given them first. There is no RIC on the stack: examples/odu-oran.yaml's
// A1 and E2 endpoints are pointed at the in-process test double (tests/doubles/oran-responder.ts),
// which knows the policy type the example expects the RIC to have (21000).
// Every wait is bounded; a failure says what was expected, what was seen and which log to read.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

import { OranResponder } from '../doubles/oran-responder.ts';
import {
  HOOK_PORT,
  LOG_HINT,
  NS,
  ROOT,
  getCnf,
  log,
  must,
  packageRevisions,
  sh,
  summary,
  waitUntil,
  type Cnf,
} from './helpers.ts';

const EXAMPLES = path.join(ROOT, 'examples');
const FILES = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const TMP = mkdtempSync(path.join(tmpdir(), 'examples-e2e-'));
const NODE_FILE = path.join(ROOT, 'scripts', 'local', 'manifests', 'kwok-node.yaml');
/** The policy type examples/odu-oran.yaml puts a policy of without creating it: the RIC has it. */
const RIC_TYPES = [21000];

interface Iface {
  name: string;
  ipv4?: { address: string };
  ipv6?: { address: string };
  ipPool?: { range: string };
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: { replicas?: number; networkConfig?: { interfaces?: Iface[] } } & Record<string, unknown>;
}
interface Nad {
  metadata: { name: string };
  spec: { config: string };
}

let responder: OranResponder | undefined;
let ricUrl = '';

/** The file as applied: on this stack the RIC endpoints are the test double's. */
function manifest(file: string): string {
  const text = readFileSync(path.join(EXAMPLES, file), 'utf8');
  return text.replace(/http:\/\/service-ricplt-[a-z0-9-]+\.ricplt:\d+/g, ricUrl);
}

const docsOf = (text: string): Doc[] =>
  parseAllDocuments(text)
    .filter((d) => d.contents !== null)
    .map((d) => d.toJS() as Doc);

/** The CNFDeployments a file makes: its own, and those of its NetworkIntents (by their label). */
async function cnfNames(docs: Doc[]): Promise<string[]> {
  const names = docs.filter((d) => d.kind === 'CNFDeployment').map((d) => d.metadata.name);
  for (const i of docs.filter((d) => d.kind === 'NetworkIntent')) {
    const out = await must(
      `kubectl get cnfdeployment -n ${NS} -l nephoran.com/intent=${i.metadata.name} -o name`,
    );
    names.push(
      ...out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/^.*\//, '')),
    );
  }
  return names;
}

async function exists(kind: string, name: string): Promise<boolean> {
  const r = await sh(`kubectl get ${kind} ${name} -n ${NS} -o name`, { timeoutMs: 20_000 });
  if (r.code !== 0 && !/NotFound|not found/.test(r.stderr))
    throw new Error(`kubectl get ${kind} ${name}: ${r.stderr.trim()}`);
  return r.code === 0;
}

const packageNameOf = (c: Cnf | null): string | undefined =>
  (c?.status as { packageName?: string } | undefined)?.packageName;

/** What is left of a CNF in the cluster and in Porch, '' when nothing. */
async function leftOf(name: string, packageName: string | undefined): Promise<string> {
  const objects = await must(
    `kubectl get deployment,pods,network-attachment-definitions -n ${NS} -l nephoran.com/cnf=${name} -o name`,
  );
  const prs = packageName === undefined ? [] : await packageRevisions(packageName);
  const cnf = (await getCnf(name)) ? [`cnfdeployment/${name}`] : [];
  return [
    ...cnf,
    ...objects.split('\n').filter(Boolean),
    ...prs.map((p) => `packagerevision/${p.metadata.name}`),
  ].join(' ');
}

/** Deletes the file's objects and waits until nothing of theirs is left. */
async function deleteAll(
  file: string,
  docs: Doc[],
  packages: Map<string, string | undefined>,
  timeoutMs: number,
): Promise<void> {
  const names = [...new Set([...packages.keys(), ...(await cnfNames(docs))])];
  for (const n of names) if (packages.get(n) === undefined) packages.set(n, packageNameOf(await getCnf(n)));
  await must(`kubectl delete -f ${file} --ignore-not-found --wait=false`);
  await waitUntil(
    `everything of ${path.basename(file)} gone (${[...docs.map((d) => `${d.kind} ${d.metadata.name}`), ...names].join(', ')}) within ${timeoutMs / 1000} s`,
    async () => {
      for (const d of docs) if (await exists(d.kind.toLowerCase(), d.metadata.name)) return false;
      for (const n of names) if ((await leftOf(n, packages.get(n))) !== '') return false;
      return true;
    },
    {
      timeoutMs,
      intervalMs: 1000,
      seen: async () => {
        const left = await Promise.all(
          names.map(async (n) => `${n}: ${(await leftOf(n, packages.get(n))) || 'gone'}`),
        );
        return left.join('; ');
      },
    },
  );
}

/** The node's status and labels as scripts/local/manifests/kwok-node.yaml has them (a reused stack's may not). */
async function nodeAdvertisesWhatExamplesAsk(): Promise<void> {
  const want = parse(readFileSync(NODE_FILE, 'utf8')) as {
    metadata: { name: string; labels: Record<string, string> };
    status: { capacity: Record<string, string>; allocatable: Record<string, string> };
  };
  const node = want.metadata.name;
  const have = JSON.parse(await must(`kubectl get node ${node} -o json`)) as typeof want;
  const missing = Object.keys(want.status.capacity).filter((k) => have.status.capacity[k] === undefined);
  if (missing.length > 0) {
    const patch = JSON.stringify({
      status: { capacity: want.status.capacity, allocatable: want.status.allocatable },
    });
    await must(`kubectl patch node ${node} --subresource=status --type=merge -p '${patch}'`);
  }
  const labels = Object.entries(want.metadata.labels).map(([k, v]) => `${k}=${v}`);
  await must(`kubectl label node ${node} --overwrite ${labels.join(' ')}`);
  const after = JSON.parse(await must(`kubectl get node ${node} -o json`)) as typeof want;
  for (const k of Object.keys(want.status.allocatable)) {
    if (after.status.allocatable[k] === undefined) {
      throw new Error(
        `node ${node} does not advertise ${k} after the status patch; read ${log('kwok-controller.log')}`,
      );
    }
  }
}

/** The NADs of a CNF in the cluster carry the IPAM its interfaces ask for. */
async function checkNads(doc: Doc): Promise<void> {
  const interfaces = doc.spec.networkConfig?.interfaces ?? [];
  if (interfaces.length === 0) return;
  const out = await must(
    `kubectl get network-attachment-definitions -n ${NS} -l nephoran.com/cnf=${doc.metadata.name} -o json`,
  );
  const nads = new Map(((JSON.parse(out) as { items: Nad[] }).items ?? []).map((n) => [n.metadata.name, n]));
  for (const i of interfaces) {
    const nad = nads.get(`${doc.metadata.name}-${i.name}`);
    expect([i.name, nad !== undefined]).toEqual([i.name, true]);
    const ipam = (JSON.parse(nad!.spec.config) as { plugins: Array<{ ipam?: Record<string, unknown> }> })
      .plugins[0]?.ipam;
    if (i.ipPool) expect(ipam).toMatchObject({ type: 'whereabouts', range: i.ipPool.range });
    const statics = [i.ipv4, i.ipv6].filter((a) => a !== undefined).map((a) => ({ address: a.address }));
    if (statics.length > 0)
      expect(ipam).toMatchObject({
        type: 'static',
        addresses: statics.map((s) => expect.objectContaining(s)),
      });
  }
}

beforeAll(async () => {
  const ready = await sh(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${HOOK_PORT}/readyz`);
  if (ready.stdout.trim() !== '200') {
    throw new Error(
      `the local stack is not up: hook server /readyz on 127.0.0.1:${HOOK_PORT} answered "${ready.stdout.trim()}". ` +
        'Run `npm run test:e2e` (it starts the stack) or `npm run local -- --no-example` first.',
    );
  }
  await nodeAdvertisesWhatExamplesAsk();
  responder = new OranResponder({ types: RIC_TYPES });
  ricUrl = await responder.start(0, '127.0.0.1');
}, 120_000);

afterAll(async () => {
  // Best effort: nothing of an interrupted run trips the next one.
  for (const f of FILES) {
    writeFileSync(path.join(TMP, f), manifest(f));
    await sh(`kubectl delete -f ${path.join(TMP, f)} --ignore-not-found --wait=false`);
  }
  await responder?.stop();
  rmSync(TMP, { recursive: true, force: true });
}, 120_000);

describe('every example reaches Active on the local stack, and is deleted with nothing left', () => {
  test('examples/ holds the files this test applies', () => {
    expect(FILES).toEqual(
      expect.arrayContaining(['amf.yaml', 'upf.yaml', 'odu.yaml', 'odu-oran.yaml', 'intent-site-core.yaml']),
    );
  });

  test.each(FILES)(
    '%s',
    async (file) => {
      const text = manifest(file);
      const tmp = path.join(TMP, file);
      writeFileSync(tmp, text);
      const docs = docsOf(text);
      const intents = docs.filter((d) => d.kind === 'NetworkIntent');
      const packages = new Map<string, string | undefined>();
      // Leftovers of an interrupted run.
      await deleteAll(tmp, docs, packages, 360_000);

      await must(`kubectl apply -f ${tmp}`);
      for (const i of intents) {
        const cmd = `kubectl wait --for=condition=Ready networkintent/${i.metadata.name} -n ${NS} --timeout=540s`;
        const r = await sh(cmd, { timeoutMs: 560_000 });
        if (r.code !== 0)
          throw new Error(`\`${cmd}\` exited ${r.code}: ${(r.stderr || r.stdout).trim()}\n  ${LOG_HINT}`);
      }
      const names = await cnfNames(docs);
      expect(names.length).toBeGreaterThan(0);
      await waitUntil(
        `${file}: CNFDeployments ${names.join(', ')} Active with every replica ready`,
        async () => {
          for (const n of names) {
            const c = await getCnf(n);
            const want = (c?.spec.replicas as number | undefined) ?? 1;
            if (c?.status?.phase !== 'Active' || (c.status.readyReplicas ?? 0) !== want) return false;
          }
          return true;
        },
        {
          timeoutMs: 300_000,
          intervalMs: 1000,
          seen: async () =>
            (await Promise.all(names.map(async (n) => `${n}: ${summary(await getCnf(n))}`))).join('\n    '),
        },
      );
      for (const n of names) {
        const c = await getCnf(n);
        packages.set(n, packageNameOf(c));
        const ready = await must(`kubectl get deployment ${n} -n ${NS} -o jsonpath={.status.readyReplicas}`);
        expect([n, Number(ready)]).toEqual([n, (c?.spec.replicas as number | undefined) ?? 1]);
      }
      // The GitOps stand-in applies a package's NADs with its Deployment.
      for (const d of docs.filter((x) => x.kind === 'CNFDeployment')) {
        await waitUntil(
          `${d.metadata.name}: its NetworkAttachmentDefinitions in the cluster, with the IPAM of its interfaces`,
          async () => {
            await checkNads(d);
            return true;
          },
          {
            timeoutMs: 30_000,
            intervalMs: 1000,
            seen: () => Promise.resolve(`read ${log('flux-kustomize.log')}`),
          },
        );
      }
      if (file === 'odu-oran.yaml') {
        expect(responder!.policies.size).toBeGreaterThan(0);
        expect(responder!.subscriptions.size).toBeGreaterThan(0);
      }

      await deleteAll(tmp, docs, packages, intents.length > 0 ? 360_000 : 180_000);
      if (file === 'odu-oran.yaml') {
        expect([...responder!.policies.keys(), ...responder!.subscriptions.keys()]).toEqual([]);
      }
    },
    1_500_000,
  );
});

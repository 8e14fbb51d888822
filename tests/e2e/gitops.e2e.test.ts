// End-to-end: Flux is the stack's GitOps agent (scripts/local/stack/flux.ts), as on a cluster that
// runs it — source-controller and kustomize-controller built from the Go module proxy, one
// GitRepository + Kustomization per Porch deployment repository, prune on.
//
//   1. both controllers run, both repositories' Kustomizations are Ready, and no stand-in runs;
//   2. a CNF's published package is applied by Flux (Flux's labels on the workload, the objects in
//      the Kustomization's inventory, the applied revision is the branch head); deleting the CNF
//      makes Porch remove the package from the branch and Flux prune the workload;
//   3. manifests/gitops (Flux; Config Sync with its CRDs installed for the step) is accepted by the
//      real kube-apiserver (server dry run), and a wrong field is refused by it.
// Every wait is bounded; a failure says what was expected, what was seen and which log to read.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { GIT_URL, LOCAL, NS, ROOT, getCnf, log, must, pidAlive, sh, summary, waitUntil } from './helpers.ts';

const FLUX_NS = 'flux-system';
const REPOSITORY = process.env.PORCH_REPOSITORY || 'cnf-packages';
const EDGE_REPOSITORY = process.env.NEPHORAN_EDGE_REPOSITORY || 'edge-packages';
const NAME = 'flux-nrf';
const TMP = mkdtempSync(path.join(tmpdir(), 'gitops-e2e-'));
const FLUX_HINT = `read ${log('flux-source.log')}, ${log('flux-kustomize.log')}`;

interface FluxObject {
  metadata: { labels?: Record<string, string> };
  spec: { prune?: boolean };
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    lastAppliedRevision?: string;
    inventory?: { entries?: { id: string; v: string }[] };
  };
}

async function kustomization(name: string): Promise<FluxObject> {
  return JSON.parse(await must(`kubectl get kustomization ${name} -n ${FLUX_NS} -o json`)) as FluxObject;
}

const ready = (o: FluxObject): string => {
  const c = o.status?.conditions?.find((x) => x.type === 'Ready');
  return c ? `Ready=${c.status} (${c.reason ?? ''}: ${c.message ?? ''})` : 'no Ready condition';
};

const inventory = async (): Promise<string[]> =>
  ((await kustomization(REPOSITORY)).status?.inventory?.entries ?? []).map((e) => e.id);

async function branchHead(): Promise<string> {
  return (await must(`git ls-remote ${GIT_URL} refs/heads/main`)).split('\t')[0] ?? '';
}

afterAll(async () => {
  await sh(`kubectl delete cnfdeployment ${NAME} -n ${NS} --ignore-not-found --wait=false`);
  rmSync(TMP, { recursive: true, force: true });
});

describe('Flux syncs what Porch publishes', () => {
  test('Flux runs as the stack agent: both controllers up, every repository synced, no stand-in', async () => {
    for (const c of ['flux-source', 'flux-kustomize']) {
      const file = path.join(LOCAL, 'pids', `${c}.json`);
      expect([c, existsSync(file)]).toEqual([c, true]);
      const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
      expect([c, pidAlive(pid)]).toEqual([c, true]);
    }
    expect(existsSync(path.join(LOCAL, 'pids', 'gitops.json'))).toBe(false);
    for (const repo of [REPOSITORY, EDGE_REPOSITORY]) {
      const { value } = await waitUntil(
        `Kustomization ${FLUX_NS}/${repo} Ready=True`,
        async () => {
          const k = await kustomization(repo);
          return k.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? k : undefined;
        },
        { timeoutMs: 60_000, seen: async () => `${ready(await kustomization(repo))}; ${FLUX_HINT}` },
      );
      expect(value.spec.prune).toBe(true);
    }
  }, 150_000);

  test('a published package is applied by Flux and pruned by it when the CNF is deleted', async () => {
    const file = path.join(TMP, `${NAME}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'nephoran.com/v1',
        kind: 'CNFDeployment',
        metadata: { name: NAME, namespace: NS },
        spec: { type: '5G-Core', function: 'NRF', replicas: 1 },
      }),
    );
    const t0 = Date.now();
    await must(`kubectl apply -f ${file}`);
    await waitUntil(`${NAME} phase Active`, async () => (await getCnf(NAME))?.status?.phase === 'Active', {
      timeoutMs: 120_000,
      seen: async () => summary(await getCnf(NAME)),
    });
    const activeS = (Date.now() - t0) / 1000;

    // Flux applied it: its ownership labels on the workload, every object in its inventory.
    const labels = JSON.parse(
      await must(`kubectl get deployment ${NAME} -n ${NS} -o jsonpath={.metadata.labels}`),
    ) as Record<string, string>;
    expect(labels).toMatchObject({
      'kustomize.toolkit.fluxcd.io/name': REPOSITORY,
      'kustomize.toolkit.fluxcd.io/namespace': FLUX_NS,
    });
    const ids = [
      `${NS}_${NAME}_apps_Deployment`,
      `${NS}_${NAME}__Service`,
      `${NS}_${NAME}-config__ConfigMap`,
    ];
    const { value: entries } = await waitUntil(
      `${ids.join(', ')} in the inventory of Kustomization ${REPOSITORY}`,
      async () => {
        const inv = await inventory();
        return ids.every((id) => inv.includes(id)) ? inv : undefined;
      },
      { timeoutMs: 30_000, seen: async () => `${(await inventory()).join(' ')}; ${FLUX_HINT}` },
    );
    // local-config objects (Kptfile, FunctionConfig) are never applied
    expect(entries.filter((id) => id.includes(NAME) && /Kptfile|FunctionConfig/.test(id))).toEqual([]);
    // what Flux last applied is what Porch published: the branch head
    await waitUntil(
      'Kustomization lastAppliedRevision = the branch head',
      async () => {
        const head = await branchHead();
        return (await kustomization(REPOSITORY)).status?.lastAppliedRevision === `main@sha1:${head}`;
      },
      {
        timeoutMs: 30_000,
        seen: async () =>
          `applied ${(await kustomization(REPOSITORY)).status?.lastAppliedRevision ?? '-'}, head ${await branchHead()}`,
      },
    );

    const t1 = Date.now();
    await must(`kubectl delete cnfdeployment ${NAME} -n ${NS} --wait=false`);
    await waitUntil(
      `${NAME}'s Deployment, Service and ConfigMap pruned by Flux and gone from its inventory`,
      async () => {
        const left = await sh(
          `kubectl get deployment/${NAME} service/${NAME} configmap/${NAME}-config -n ${NS} -o name --ignore-not-found`,
        );
        const inv = await inventory();
        return left.code === 0 && left.stdout.trim() === '' && !ids.some((id) => inv.includes(id));
      },
      {
        timeoutMs: 90_000,
        seen: async () =>
          `${(await sh(`kubectl get deployment,service,configmap -n ${NS} -o name | grep ${NAME}`)).stdout.trim() || 'no objects'}; ` +
          `inventory has ${(await inventory()).filter((id) => id.includes(NAME)).join(' ') || 'none of them'}; ${FLUX_HINT}`,
      },
    );
    const goneS = (Date.now() - t1) / 1000;
    await waitUntil(`CNFDeployment ${NAME} gone`, async () => (await getCnf(NAME)) === null, {
      timeoutMs: 60_000,
      seen: async () => summary(await getCnf(NAME)),
    });
    process.stdout.write(
      `[gitops e2e] apply → Active ${activeS.toFixed(1)} s; delete → workload pruned ${goneS.toFixed(1)} s\n`,
    );
  }, 300_000);

  test('manifests/gitops is accepted by the API server with the Flux and Config Sync CRDs; a wrong field is not', async () => {
    await must(`kubectl apply -k ${path.join(ROOT, 'manifests', 'gitops', 'flux')} --dry-run=server`);
    const crds = path.join(ROOT, 'tests', 'fixtures', 'crds', 'config-sync');
    await must(`kubectl apply --server-side -f ${crds}`);
    try {
      // polled, not `kubectl wait`: that fails outright on a CRD whose status has no conditions yet
      const established = async (): Promise<string> =>
        (
          await must(
            'kubectl get crd rootsyncs.configsync.gke.io reposyncs.configsync.gke.io ' +
              `-o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Established")].status} {end}'`,
          )
        ).trim();
      await waitUntil('Config Sync CRDs Established', async () => (await established()) === 'True True', {
        timeoutMs: 60_000,
        seen: established,
      });
      for (const ns of ['config-management-system', 'site-a']) {
        await must(`kubectl create namespace ${ns} --dry-run=client -o yaml | kubectl apply -f -`);
      }
      await must(
        `kubectl apply -k ${path.join(ROOT, 'manifests', 'gitops', 'config-sync')} --dry-run=server`,
      );
      // and the API server does refuse a wrong field (the dry runs above could not pass vacuously)
      const bad = await sh(
        `kubectl kustomize ${path.join(ROOT, 'manifests', 'gitops', 'flux')} | sed 's/prune: true/prune: "yes"/' | kubectl apply --dry-run=server -f -`,
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/spec\.prune.*boolean/);
    } finally {
      await sh(`kubectl delete -f ${crds} --ignore-not-found --wait=false`);
      await sh('kubectl delete namespace config-management-system site-a --ignore-not-found --wait=false');
    }
  }, 180_000);
});

// End-to-end: Porch's own workflow around the controller, with the calls porchctl makes
// (pkg/cli/commands/rpkg in Porch v1.5.8: reject of a Proposed revision goes through the approval
// subresource with lifecycle Draft; propose-delete and the reject of a deletion are plain updates).
//
//   1. a CNF in a Repository whose branch is not `main` (the stack's edge-packages on branch `edge`)
//      → Active; deleted → Porch lists nothing of its package and the branch holds none of its files;
//   2. approval Manual: a reviewer rejects the revision → PackagePublished Rejected, the revision
//      stays Draft; the user asks again (nephoran.com/propose-again) → Proposed; approved → Active;
//   3. a reviewer proposes the published revision for deletion → it stays (DeletionProposed), the
//      CNF stays Active and says so; the reviewer rejects the deletion → Published again;
//   then both CNFs are deleted with nothing left in Porch.
// Every wait is bounded; a failure says what was expected, what was seen and which log to read.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  NS,
  cond,
  getCnf,
  must,
  packageRevisions,
  sh,
  sleep,
  summary,
  waitUntil,
  type PackageRevision,
} from './helpers.ts';

const EDGE_REPOSITORY = process.env.NEPHORAN_EDGE_REPOSITORY || 'edge-packages';
const EDGE_BRANCH = process.env.NEPHORAN_EDGE_BRANCH || 'edge';
const EDGE_GIT_URL = `http://127.0.0.1:${process.env.NEPHORAN_GIT_PORT || 9446}/${EDGE_REPOSITORY}`;
const API = '/apis/porch.kpt.dev/v1alpha1';
const TMP = mkdtempSync(path.join(tmpdir(), 'porch-workflow-'));

function manifest(name: string, porch: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'nephoran.com/v1',
    kind: 'CNFDeployment',
    metadata: { name, namespace: NS },
    spec: {
      type: '5G-Core',
      function: 'AMF',
      replicas: 1,
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      porch,
    },
  });
}

async function apply(name: string, porch: Record<string, string>): Promise<void> {
  const file = path.join(TMP, `${name}.json`);
  writeFileSync(file, manifest(name, porch));
  await must(`kubectl apply -f ${file}`);
}

async function waitPhase(name: string, phase: string, timeoutMs = 120_000): Promise<void> {
  await waitUntil(`${name} phase ${phase}`, async () => (await getCnf(name))?.status?.phase === phase, {
    timeoutMs,
    seen: async () => summary(await getCnf(name)),
  });
}

async function waitPublishedReason(name: string, reason: string, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    `${name} PackagePublished reason ${reason}`,
    async () => cond(await getCnf(name), 'PackagePublished')?.reason === reason,
    { timeoutMs, seen: async () => summary(await getCnf(name)) },
  );
}

async function revision(name: string): Promise<PackageRevision & { metadata: { name: string } }> {
  return JSON.parse(
    await must(`kubectl get packagerevision ${name} -n ${NS} -o json`, { timeoutMs: 20_000 }),
  ) as PackageRevision;
}

/** The revision moved to `lifecycle` the way porchctl does it (approval subresource or plain update). */
async function setLifecycle(name: string, lifecycle: string, via: 'approval' | 'update'): Promise<void> {
  const pr = (await revision(name)) as unknown as { spec: Record<string, unknown> };
  pr.spec.lifecycle = lifecycle;
  const file = path.join(TMP, `${name}.${lifecycle}.json`);
  writeFileSync(file, JSON.stringify(pr));
  await must(
    via === 'approval'
      ? `kubectl replace --raw ${API}/namespaces/${NS}/packagerevisions/${name}/approval -f ${file}`
      : `kubectl replace -f ${file}`,
  );
}

async function deleteAndCheckClean(
  name: string,
  pkg: string,
  gitUrl?: string,
  branch?: string,
): Promise<void> {
  await must(`kubectl delete cnfdeployment ${name} -n ${NS} --wait=false`);
  await waitUntil(`${name} gone`, async () => (await getCnf(name)) === null, {
    timeoutMs: 120_000,
    seen: async () => summary(await getCnf(name)),
  });
  await waitUntil(
    `no PackageRevision of ${pkg} in Porch`,
    async () => (await packageRevisions(pkg)).length === 0,
    {
      timeoutMs: 30_000,
      seen: async () =>
        (await packageRevisions(pkg)).map((p) => `${p.metadata.name}(${p.spec.lifecycle})`).join(' '),
    },
  );
  if (gitUrl !== undefined && branch !== undefined) {
    const dir = path.join(TMP, `clone-${name}`);
    await must(`git clone --quiet --branch ${branch} ${gitUrl} ${dir}`, { timeoutMs: 30_000 });
    const files = (await must(`git -C ${dir} ls-files`)).split('\n').filter(Boolean);
    expect(files.filter((f) => f.startsWith(`${pkg}/`))).toEqual([]);
    const refs = (await must(`git ls-remote ${gitUrl}`)).split('\n').filter((l) => l.includes(`/${pkg}/`));
    expect(refs).toEqual([]);
  }
}

afterAll(async () => {
  for (const name of ['edge-amf', 'review-amf']) {
    await sh(`kubectl delete cnfdeployment ${name} -n ${NS} --ignore-not-found --wait=false`);
  }
  rmSync(TMP, { recursive: true, force: true });
});

describe('Porch workflow around the controller', () => {
  test('1. a CNF in a Repository on branch edge: Active, then deleted with nothing left on that branch', async () => {
    const pkg = `${NS}/edge-amf`;
    await apply('edge-amf', { repository: EDGE_REPOSITORY });
    await waitPhase('edge-amf', 'Active');
    // Porch names the branch revision after the Repository's branch, not main.
    const revs = await packageRevisions(pkg);
    expect(revs.some((p) => p.metadata.name.endsWith(`.${EDGE_BRANCH}`))).toBe(true);
    expect(revs.some((p) => p.metadata.name.endsWith('.main'))).toBe(false);
    await deleteAndCheckClean('edge-amf', pkg, EDGE_GIT_URL, EDGE_BRANCH);
  }, 300_000);

  test('2. a rejected revision stays Draft until the user asks again; then approved → Active', async () => {
    await apply('review-amf', { approval: 'Manual' });
    await waitPublishedReason('review-amf', 'AwaitingApproval');
    const name = (await getCnf('review-amf'))?.status?.packageRevision ?? '';
    expect((await revision(name)).spec.lifecycle).toBe('Proposed');

    await setLifecycle(name, 'Draft', 'approval'); // porchctl rpkg reject
    await waitPublishedReason('review-amf', 'Rejected');
    await sleep(10_000);
    expect((await revision(name)).spec.lifecycle).toBe('Draft');
    expect(cond(await getCnf('review-amf'), 'PackagePublished')?.reason).toBe('Rejected');

    await must(`kubectl annotate cnfdeployment review-amf -n ${NS} nephoran.com/propose-again=1 --overwrite`);
    await waitPublishedReason('review-amf', 'AwaitingApproval');
    expect((await revision(name)).spec.lifecycle).toBe('Proposed');

    await setLifecycle(name, 'Published', 'approval'); // porchctl rpkg approve
    await waitPhase('review-amf', 'Active');
  }, 300_000);

  test('3. a revision proposed for deletion by a reviewer stays until they decide', async () => {
    const name = (await getCnf('review-amf'))?.status?.packageRevision ?? '';
    await setLifecycle(name, 'DeletionProposed', 'update'); // porchctl rpkg propose-delete
    await waitUntil(
      'PackagePublished to say a reviewer proposed the revision for deletion',
      async () =>
        cond(await getCnf('review-amf'), 'PackagePublished')?.message?.includes('proposed it for deletion'),
      { timeoutMs: 60_000, seen: async () => summary(await getCnf('review-amf')) },
    );
    await sleep(10_000);
    expect((await revision(name)).spec.lifecycle).toBe('DeletionProposed');
    expect((await getCnf('review-amf'))?.status?.phase).toBe('Active');

    await setLifecycle(name, 'Published', 'update'); // porchctl rpkg reject (of the deletion)
    await waitUntil(
      'PackagePublished without the deletion note',
      async () =>
        cond(await getCnf('review-amf'), 'PackagePublished')?.message?.includes('deletion') === false,
      { timeoutMs: 60_000, seen: async () => summary(await getCnf('review-amf')) },
    );
    await deleteAndCheckClean('review-amf', `${NS}/review-amf`);
  }, 300_000);
});

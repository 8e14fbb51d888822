import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Pool } from 'undici';
import { KubeConfig } from '@kubernetes/client-node';
import {
  PorchHttpClient,
  porchClientFromKubeConfig,
  type PorchClient,
  type PorchHttpOptions,
} from '../../lib/clients/porch.ts';
import { ApiError, backoffDelay, classifyStatus } from '../../lib/clients/http.ts';
import { readContentHash } from '../../lib/render/hash.ts';
import { dispatch } from '../../hooks/dispatch.ts';
import type { Action, OwnerReference } from '../../lib/types.ts';
import { FakePorch, kptfile } from '../doubles/porch-server.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork({ allowLoopback: true });

const NS = 'default';
const PR = 'cnf-packages.default.test-amf.v1';
const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

let porch: FakePorch;
let origin: string;
let client: PorchHttpClient;
let sleeps: number[];

function makeClient(extra: Partial<PorchHttpOptions> = {}): PorchHttpClient {
  return new PorchHttpClient({
    origin,
    dispatcher: new Pool(origin, { connections: 4 }),
    requestTimeoutMs: 500,
    backoff: { random: () => 0.5 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...extra,
  });
}

beforeEach(async () => {
  porch = new FakePorch();
  origin = await porch.start();
  sleeps = [];
  client = makeClient();
});

afterEach(async () => {
  await client.close();
  await porch.stop();
});

const files = (hash: string): Record<string, string> => ({
  Kptfile: kptfile(hash),
  'deployment.yaml': 'kind: Deployment\n',
});

/** Porch actions through the hook shell's one dispatcher. */
const runAction = (porch: PorchClient, action: Action) => dispatch({ porch }, action, {});

describe('readContentHash', () => {
  it('reads the annotation, and null when absent or unparseable', () => {
    expect(readContentHash(kptfile(H1))).toBe(H1);
    expect(readContentHash(kptfile(null))).toBeNull();
    expect(readContentHash(undefined)).toBeNull();
    expect(readContentHash('metadata: [unclosed')).toBeNull();
    expect(readContentHash('')).toBeNull();
  });
});

describe('http helpers', () => {
  it('classifies statuses', () => {
    expect(classifyStatus(409)).toBe('Transient');
    expect(classifyStatus(429)).toBe('Transient');
    expect(classifyStatus(503)).toBe('Transient');
    expect(classifyStatus(404)).toBe('Transient');
    expect(classifyStatus(403)).toBe('Configuration');
    expect(classifyStatus(401)).toBe('Configuration');
    expect(classifyStatus(422)).toBe('Permanent');
    expect(classifyStatus(400)).toBe('Permanent');
  });
  it('backs off exponentially with bounded jitter', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffDelay(1, { ...p, random: () => 0.999 })).toBe(99);
  });
});

describe('getResources / getPackageRevision', () => {
  it('returns resourceVersion, files and the content hash', async () => {
    const r = porch.add(NS, PR, 'Draft', H1);
    const snap = await client.getResources(NS, PR);
    expect(snap).toEqual({
      resourceVersion: String(r.rv),
      resources: { Kptfile: kptfile(H1) },
      contentHash: H1,
    });
    const pr = await client.getPackageRevision(NS, PR);
    expect(pr.spec.lifecycle).toBe('Draft');
  });

  it('404 is a Transient error, not retried', async () => {
    const err = await client.getResources(NS, 'missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ class: 'Transient', httpStatus: 404, reason: 'NotFound' });
    expect(porch.requests).toHaveLength(1);
  });

  it('keeps the real status when the error body is not JSON', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({ reply: { status: 503, body: '<html>upstream connect error</html>' }, times: 3 });
    const err = (await client.getResources(NS, PR).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ class: 'Transient', httpStatus: 503, reason: 'HTTP503' });
    expect(err.message).toContain('upstream connect error');
    expect(porch.requests).toHaveLength(3);
  });

  it('a 200 with a malformed JSON body is a Transient MalformedResponse that is retried', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({ reply: { status: 200, body: '{"kind": "PackageRevisionRes' } });
    const snap = await client.getResources(NS, PR);
    expect(snap.contentHash).toBe(H1);
    expect(porch.requests).toHaveLength(2);

    porch.fault({ reply: { status: 200, body: 'not json' }, times: 3 });
    const err = await client.getResources(NS, PR).catch((e: unknown) => e);
    expect(err).toMatchObject({ class: 'Transient', reason: 'MalformedResponse', httpStatus: 200 });
  });

  it('a 200 whose JSON is not an object is malformed too', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({ reply: { status: 200, body: '[1,2]' }, times: 3 });
    await expect(client.getPackageRevision(NS, PR)).rejects.toMatchObject({ reason: 'MalformedResponse' });
  });

  it('times out a hanging request and retries it', async () => {
    porch.add(NS, PR, 'Draft', H1);
    client = makeClient({ requestTimeoutMs: 100 });
    porch.fault({ reply: 'hang' });
    const snap = await client.getResources(NS, PR);
    expect(snap.contentHash).toBe(H1);
    expect(sleeps).toHaveLength(1);
  });

  it('three timeouts → Transient Timeout', async () => {
    porch.add(NS, PR, 'Draft', H1);
    client = makeClient({ requestTimeoutMs: 50 });
    porch.fault({ reply: 'hang', times: 3 });
    await expect(client.getResources(NS, PR)).rejects.toMatchObject({
      class: 'Transient',
      reason: 'Timeout',
    });
    expect(porch.requests).toHaveLength(3);
    expect(sleeps).toEqual([150, 300]); // base 200 ms, doubling, half of it jittered (random 0.5)
  });

  it('connection resets are retried', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({ reply: 'reset', times: 2 });
    expect((await client.getResources(NS, PR)).contentHash).toBe(H1);
  });

  it('a refused connection is a Transient ConnectionFailed', async () => {
    const dead = new PorchHttpClient({
      origin: 'http://127.0.0.1:1',
      dispatcher: new Pool('http://127.0.0.1:1'),
      attempts: 2,
      sleep: () => Promise.resolve(),
    });
    await expect(dead.getResources(NS, PR)).rejects.toMatchObject({
      class: 'Transient',
      reason: 'ConnectionFailed',
    });
    await dead.close();
  });

  it('403 is a Configuration error and is not retried', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({
      reply: {
        status: 403,
        body: JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'forbidden: RBAC' }),
      },
    });
    await expect(client.getResources(NS, PR)).rejects.toMatchObject({
      class: 'Configuration',
      reason: 'Forbidden',
      httpStatus: 403,
    });
    expect(porch.requests).toHaveLength(1);
  });

  it('stops retrying at the deadline', async () => {
    porch.add(NS, PR, 'Draft', H1);
    let t = 1000;
    client = makeClient({ now: () => t });
    porch.fault({ reply: { status: 500, body: '{}' }, times: 3 });
    await expect(client.getResources(NS, PR, { deadline: 1050 })).rejects.toMatchObject({ httpStatus: 500 });
    expect(porch.requests).toHaveLength(1); // the 150 ms backoff does not fit in 50 ms
    t = 2000;
    await expect(client.getResources(NS, PR, { deadline: 1500 })).rejects.toMatchObject({
      reason: 'DeadlineExceeded',
    });
    expect(porch.requests).toHaveLength(1);
  });
});

describe('writeResources', () => {
  it('writes the whole file set with the resourceVersion just read; the answer confirms it', async () => {
    const r = porch.add(NS, PR, 'Draft', null);
    const rv = r.rv;
    expect(await client.writeResources(NS, PR, files(H1), H1)).toBe('written');
    const put = porch.requests.find((q) => q.method === 'PUT')!;
    expect(put.body).toMatchObject({
      metadata: { resourceVersion: String(rv) },
      spec: { resources: files(H1) },
    });
    // Porch answers the PUT with the committed resources: no read-back needed.
    expect(porch.requests.map((q) => q.method)).toEqual(['GET', 'PUT']);
    expect(porch.revisions.get(`${NS}/${PR}`)!.resources).toEqual(files(H1));
  });

  it('an answer without the resources is confirmed by reading them back', async () => {
    porch.add(NS, PR, 'Draft', null);
    porch.bareWriteAnswers = true;
    expect(await client.writeResources(NS, PR, files(H1), H1)).toBe('written');
    expect(porch.requests.map((q) => q.method)).toEqual(['GET', 'PUT', 'GET']);
  });

  it('is skipped when the observed hash already matches (idempotent)', async () => {
    porch.add(NS, PR, 'Draft', H1);
    expect(await client.writeResources(NS, PR, files(H1), H1)).toBe('skipped');
    expect(porch.requests.map((q) => q.method)).toEqual(['GET']);
  });

  it('409 then success', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({
      method: 'PUT',
      reply: {
        status: 409,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'Conflict',
          message: 'another request is already in progress',
        }),
      },
    });
    expect(await client.writeResources(NS, PR, files(H2), H2)).toBe('written');
    expect(porch.writes).toHaveLength(1);
    expect(sleeps).toEqual([150]);
  });

  it('500 "the object has been modified" → re-GET and retry with the new resourceVersion', async () => {
    const r = porch.add(NS, PR, 'Draft', H1);
    // Someone else bumps the resourceVersion between our GET and PUT.
    porch.fault({
      method: 'PUT',
      reply: {
        status: 500,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'InternalError',
          message: 'the object has been modified',
        }),
      },
    });
    expect(await client.writeResources(NS, PR, files(H2), H2)).toBe('written');
    const puts = porch.requests.filter((q) => q.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(porch.requests.map((q) => q.method)).toEqual(['GET', 'PUT', 'GET', 'PUT']);
    expect(porch.revisions.get(`${NS}/${PR}`)!.rv).toBeGreaterThan(r.rv - 1);
  });

  it('three failures → Transient ApiError (and runAction turns it into an ActionResult)', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({
      method: 'PUT',
      reply: { status: 503, body: '{"kind":"Status","message":"unavailable"}' },
      times: 3,
    });
    const action: Action = {
      type: 'writeResources',
      name: PR,
      namespace: NS,
      files: files(H2),
      contentHash: H2,
    };
    const result = await runAction(client, action);
    expect(result).toEqual({
      action,
      ok: false,
      error: {
        class: 'Transient',
        reason: 'HTTP503',
        message: expect.stringContaining('unavailable'),
        httpStatus: 503,
      },
    });
    expect(porch.requests.filter((q) => q.method === 'PUT')).toHaveLength(3);
  });

  it('writing a non-Draft package is Permanent NotDraft, not retried', async () => {
    porch.add(NS, PR, 'Proposed', H1);
    await expect(client.writeResources(NS, PR, files(H2), H2)).rejects.toMatchObject({
      class: 'Permanent',
      reason: 'NotDraft',
    });
    expect(porch.requests.filter((q) => q.method === 'PUT')).toHaveLength(1);
  });

  it('reports WriteNotConfirmed when what Porch committed is other content', async () => {
    porch.add(NS, PR, 'Draft', H1);
    // Porch answers with other content than was sent (e.g. another writer got in between, or the
    // package's pipeline rewrote the Kptfile): the write is not taken as done.
    porch.fault({
      method: 'PUT',
      reply: {
        status: 200,
        body: JSON.stringify({
          apiVersion: 'porch.kpt.dev/v1alpha1',
          kind: 'PackageRevisionResources',
          metadata: { name: PR, namespace: NS, resourceVersion: '99' },
          spec: { resources: { Kptfile: kptfile('c'.repeat(64)) } },
        }),
      },
    });
    await expect(client.writeResources(NS, PR, files(H2), H2)).rejects.toMatchObject({
      class: 'Transient',
      reason: 'WriteNotConfirmed',
    });
  });
});

describe('propose', () => {
  it('moves a Draft to Proposed with the object just read (its resourceVersion, its labels)', async () => {
    const rv = porch.add(NS, PR, 'Draft', H1, { labels: { 'nephoran.com/cnf': 'test-amf' } }).rv;
    expect(await client.propose(NS, PR, H1)).toBe('proposed');
    const put = porch.requests.find((q) => q.method === 'PUT')!;
    expect(put.path).toBe(`/apis/porch.kpt.dev/v1alpha1/namespaces/${NS}/packagerevisions/${PR}`);
    expect(put.body).toMatchObject({
      metadata: { name: PR, resourceVersion: String(rv), labels: { 'nephoran.com/cnf': 'test-amf' } },
      spec: { lifecycle: 'Proposed' },
    });
    expect(porch.revisions.get(`${NS}/${PR}`)!.lifecycle).toBe('Proposed');
  });

  it('skips a revision already Proposed or beyond, reading only', async () => {
    porch.add(NS, PR, 'Proposed', H1);
    porch.add(NS, 'p', 'Published', H1);
    expect(await client.propose(NS, PR, H1)).toBe('skipped');
    expect(await client.propose(NS, 'p', H1)).toBe('skipped');
    expect(porch.requests.every((q) => q.method === 'GET')).toBe(true);
  });

  it('500 "the object has been modified" (a write in between) → read again and propose', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({
      method: 'PUT',
      reply: {
        status: 500,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'InternalError',
          message:
            'Internal error occurred: Operation cannot be fulfilled on packagerevisions.porch.kpt.dev "x": the object has been modified; please apply your changes to the latest version and try again',
        }),
      },
    });
    expect(await client.propose(NS, PR, H1)).toBe('proposed');
    // each attempt: the revision, its resources (the content check), the update
    expect(porch.requests.map((q) => q.method)).toEqual(['GET', 'GET', 'PUT', 'GET', 'GET', 'PUT']);
  });

  it('500 "cannot find draft package branch" → DraftBranchMissing (the reconciler moves to a new revision)', async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.fault({
      method: 'PUT',
      times: 3,
      reply: {
        status: 500,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'InternalError',
          message:
            'Internal error occurred: cannot find draft package branch "refs/remotes/origin/drafts/default/x/r1-0123456789": reference not found',
        }),
      },
    });
    await expect(client.propose(NS, PR, H1)).rejects.toMatchObject({
      class: 'Transient',
      reason: 'DraftBranchMissing',
    });
  });

  it("never proposes or approves content other than the action's (Porch's cache fell back to an older version)", async () => {
    porch.add(NS, PR, 'Draft', H1);
    porch.add(NS, 'p', 'Proposed', H1);
    for (const attempt of [() => client.propose(NS, PR, H2), () => client.approve(NS, 'p', H2)]) {
      await expect(attempt()).rejects.toMatchObject({ class: 'Transient', reason: 'ContentNotWritten' });
    }
    expect(porch.requests.filter((q) => q.method === 'PUT')).toEqual([]);
    expect(porch.revisions.get(`${NS}/${PR}`)!.lifecycle).toBe('Draft');
    expect(porch.revisions.get(`${NS}/p`)!.lifecycle).toBe('Proposed');
  });
});

describe('approve', () => {
  it('approves a Proposed revision through the approval subresource with the full object', async () => {
    const rv = porch.add(NS, PR, 'Proposed', H1).rv;
    expect(await client.approve(NS, PR, H1)).toBe('approved');
    const put = porch.requests.find((q) => q.method === 'PUT')!;
    expect(put.path).toBe(`/apis/porch.kpt.dev/v1alpha1/namespaces/${NS}/packagerevisions/${PR}/approval`);
    expect(put.body).toMatchObject({
      kind: 'PackageRevision',
      metadata: { name: PR, resourceVersion: String(rv) },
      spec: { lifecycle: 'Published', packageName: 'default/test-amf' },
    });
    expect(porch.approvals).toEqual([PR]);
  });

  it('skips a Published (or DeletionProposed) revision', async () => {
    porch.add(NS, PR, 'Published', H1);
    porch.add(NS, 'x', 'DeletionProposed', H1);
    expect(await client.approve(NS, PR, H1)).toBe('skipped');
    expect(await client.approve(NS, 'x', H1)).toBe('skipped');
    expect(porch.requests.every((q) => q.method === 'GET')).toBe(true);
  });

  it('a Draft (Porch may still show it right after a propose) is a Transient error without calling approval', async () => {
    porch.add(NS, PR, 'Draft', H1);
    await expect(client.approve(NS, PR, H1)).rejects.toMatchObject({
      class: 'Transient',
      reason: 'NotProposed',
    });
    expect(porch.requests.every((q) => q.method === 'GET')).toBe(true);
  });

  it('Porch answering 422 to the approval (revision went back to Draft) → Permanent, not retried', async () => {
    porch.add(NS, PR, 'Proposed', H1);
    porch.fault({
      method: 'PUT',
      path: '/approval',
      reply: {
        status: 422,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'Invalid',
          message: 'cannot approve a Draft package',
        }),
      },
    });
    const action: Action = { type: 'approve', name: PR, namespace: NS, contentHash: H1 };
    const result = await runAction(client, action);
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ class: 'Permanent', reason: 'Invalid', httpStatus: 422 });
    expect(porch.requests.filter((q) => q.method === 'PUT')).toHaveLength(1);
  });

  it('runAction reports skipped and ok outcomes', async () => {
    porch.add(NS, PR, 'Published', H1);
    porch.add(NS, 'p2', 'Proposed', H1);
    expect(
      await runAction(client, { type: 'approve', name: PR, namespace: NS, contentHash: H1 }),
    ).toMatchObject({
      ok: true,
      skipped: true,
    });
    expect(await runAction(client, { type: 'approve', name: 'p2', namespace: NS, contentHash: H1 })).toEqual({
      action: { type: 'approve', name: 'p2', namespace: NS, contentHash: H1 },
      ok: true,
    });
  });

  it('runAction wraps unexpected errors as Transient', async () => {
    const broken = {
      approve: () => Promise.reject(new Error('boom')),
    } as unknown as PorchHttpClient;
    expect(
      await runAction(broken, { type: 'approve', name: PR, namespace: NS, contentHash: H1 }),
    ).toMatchObject({
      ok: false,
      error: { class: 'Transient', reason: 'ClientError', message: 'boom' },
    });
  });
});

describe('deletePackageRevision', () => {
  const MAIN = 'cnf-packages.default.test-amf.main';

  it('proposes a Published revision for deletion, then deletes it', async () => {
    porch.add(NS, MAIN, 'Published', H1);
    expect(await client.deletePackageRevision(NS, MAIN)).toBe('deleted');
    // Porch's admission webhook refuses the direct delete; then the proposal, then the delete.
    expect(porch.requests.map((q) => q.method)).toEqual(['GET', 'DELETE', 'PUT', 'DELETE']);
    expect(porch.requests[2]!.body).toMatchObject({ spec: { lifecycle: 'DeletionProposed' } });
    expect(porch.deletions).toEqual([MAIN]);
  });

  it('deletes a Published revision directly where Porch allows it (no webhook): no proposal ref written', async () => {
    porch.webhook = false;
    porch.add(NS, MAIN, 'Published', H1);
    expect(await client.deletePackageRevision(NS, MAIN)).toBe('deleted');
    expect(porch.requests.map((q) => q.method)).toEqual(['GET', 'DELETE']);
  });

  it('deletes a DeletionProposed or Draft revision directly', async () => {
    porch.add(NS, MAIN, 'DeletionProposed', H1);
    porch.add(NS, PR, 'Draft', H1);
    expect(await client.deletePackageRevision(NS, MAIN)).toBe('deleted');
    expect(await client.deletePackageRevision(NS, PR)).toBe('deleted');
    expect(porch.requests.filter((q) => q.method === 'PUT')).toEqual([]);
    expect(porch.deletions).toEqual([MAIN, PR]);
  });

  it('is skipped when the revision does not exist (idempotent)', async () => {
    expect(await client.deletePackageRevision(NS, MAIN)).toBe('skipped');
    const action: Action = { type: 'deletePackageRevision', name: MAIN, namespace: NS };
    expect(await runAction(client, action)).toEqual({ action, ok: true, skipped: true });
  });

  it('a stale resourceVersion on the proposal is re-read and retried', async () => {
    porch.add(NS, MAIN, 'Published', H1);
    porch.fault({
      method: 'PUT',
      reply: {
        status: 500,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'InternalError',
          message: 'the object has been modified',
        }),
      },
    });
    expect(await client.deletePackageRevision(NS, MAIN)).toBe('deleted');
    expect(porch.requests.map((q) => q.method)).toEqual([
      'GET',
      'DELETE',
      'PUT',
      'GET',
      'DELETE',
      'PUT',
      'DELETE',
    ]);
  });
});

describe('listPackageRevisions and adoptPackageRevision (Porch under load)', () => {
  const R1 = 'cnf-packages.default.test-amf.r1-0123456789';
  const R2 = 'cnf-packages.default.test-amf.r2-0123456789';
  const OTHER = 'cnf-packages.default.other.r1-0123456789';
  const owner = {
    apiVersion: 'nephoran.com/v1',
    kind: 'CNFDeployment',
    name: 'test-amf',
    uid: 'u-2',
    controller: true,
  };

  it('lists every revision of one package by field selector, whatever its labels', async () => {
    porch.add(NS, R1, 'Published', H1);
    porch.add(NS, R2, 'Draft', H2);
    porch.add(NS, OTHER, 'Draft', H2);
    const got = await client.listPackageRevisions(NS, {
      repository: 'cnf-packages',
      packageName: 'default/test-amf',
    });
    expect(got.map((pr) => pr.metadata.name).sort()).toEqual([R1, R2]);
    expect(porch.requests[0]!.path).toBe(
      `/apis/porch.kpt.dev/v1alpha1/namespaces/${NS}/packagerevisions?fieldSelector=${encodeURIComponent('spec.repository=cnf-packages,spec.packageName=default/test-amf')}`,
    );
  });

  it('adopts with a fresh read: Porch-managed kpt.dev/latest-revision is sent back as read (Porch refuses any change)', async () => {
    porch.add(NS, R1, 'Published', H1);
    expect(
      await client.adoptPackageRevision(
        NS,
        R1,
        { 'controller-uid': 'u-2', 'nephoran.com/cnf': 'test-amf' },
        owner,
      ),
    ).toBe('adopted');
    const put = porch.requests.find((q) => q.method === 'PUT')!;
    expect(put.body).toMatchObject({
      metadata: {
        labels: {
          'controller-uid': 'u-2',
          'nephoran.com/cnf': 'test-amf',
          'kpt.dev/latest-revision': 'true',
        },
        ownerReferences: [owner],
      },
    });
    const stored = porch.revisions.get(`${NS}/${R1}`)!;
    expect(stored.labels).toEqual({ 'controller-uid': 'u-2', 'nephoran.com/cnf': 'test-amf' });
    // Written again even when nothing changes: the update is what makes Porch announce it to watchers.
    expect(await client.adoptPackageRevision(NS, R1, stored.labels, owner)).toBe('adopted');
    expect(porch.requests.filter((q) => q.method === 'PUT')).toHaveLength(2);
  });

  it("replaces a previous CNF's controller owner, keeps other owners", async () => {
    porch.add(NS, R1, 'Published', H1);
    const stored = porch.revisions.get(`${NS}/${R1}`)!;
    const keep = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'c' };
    stored.ownerReferences = [{ ...owner, uid: 'u-old' }, keep];
    await client.adoptPackageRevision(NS, R1, {}, owner);
    expect(porch.revisions.get(`${NS}/${R1}`)!.ownerReferences).toEqual([keep, owner]);
  });

  it("Porch's cache behind git ('cannot find draft package branch') is a Transient error", async () => {
    porch.add(NS, R2, 'Draft', H2);
    porch.fault({
      method: 'PUT',
      times: 3,
      reply: {
        status: 500,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'InternalError',
          message: `Internal error occurred: cannot find draft package branch "refs/remotes/origin/drafts/default/test-amf/r2-0123456789": reference not found`,
        }),
      },
    });
    const err = (await client.adoptPackageRevision(NS, R2, {}, owner).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.class, err.reason]).toEqual(['Transient', 'DraftBranchMissing']);
  });
});

describe('porchClientFromKubeConfig', () => {
  function kubeconfig(
    server: string,
    user: Record<string, unknown>,
    cluster: Record<string, unknown> = {},
  ): KubeConfig {
    // The kubeconfig file format, as a user would write it.
    const kc = new KubeConfig();
    kc.loadFromString(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, ...cluster } }],
        users: [{ name: 'u', user }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx',
      }),
    );
    return kc;
  }

  it('sends the kubeconfig bearer token and re-reads it after the refresh interval', async () => {
    porch.add(NS, PR, 'Draft', H1);
    let t = 0;
    // client-node refuses plain http unless TLS verification is explicitly off.
    const kc = kubeconfig(origin, { token: 'tok-1' }, { 'insecure-skip-tls-verify': true });
    const c = await porchClientFromKubeConfig(kc, { now: () => t, authRefreshMs: 1000, connections: 2 });
    await c.getResources(NS, PR);
    expect(porch.requests[0]!.headers.authorization).toBe('Bearer tok-1');
    (kc.users[0] as { token: string }).token = 'tok-2';
    await c.getResources(NS, PR);
    expect(porch.requests[1]!.headers.authorization).toBe('Bearer tok-1');
    t = 5000;
    await c.getResources(NS, PR);
    expect(porch.requests[2]!.headers.authorization).toBe('Bearer tok-2');
    await c.close();
  });

  it('supports basic auth users', async () => {
    porch.add(NS, PR, 'Draft', H1);
    const c = await porchClientFromKubeConfig(
      kubeconfig(origin, { username: 'admin', password: 'pw' }, { 'insecure-skip-tls-verify': true }),
    );
    await c.getResources(NS, PR);
    expect(porch.requests[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('admin:pw').toString('base64')}`,
    );
    await c.close();
  });

  it('accepts insecure-skip-tls-verify and client certificates', async () => {
    const c = await porchClientFromKubeConfig(
      kubeconfig(
        'https://127.0.0.1:1',
        {
          'client-certificate-data': Buffer.from('cert').toString('base64'),
          'client-key-data': Buffer.from('key').toString('base64'),
        },
        { 'insecure-skip-tls-verify': true },
      ),
    );
    expect(c).toBeInstanceOf(PorchHttpClient);
    await c.close();
  });

  it('fails with a Configuration error without a current cluster', async () => {
    await expect(porchClientFromKubeConfig(new KubeConfig())).rejects.toMatchObject({
      class: 'Configuration',
    });
  });
});

describe('the guard: a write touches only a revision of the CNF the API server confirmed', () => {
  const guard = { repository: 'cnf-packages', packageName: 'default/test-amf', cnf: 'test-amf' };
  const owner = (name: string): OwnerReference => ({
    apiVersion: 'nephoran.com/v1',
    kind: 'CNFDeployment',
    name,
    uid: `uid-${name}`,
    controller: true,
  });

  it('allows its own package, with no owner or owned by a CNFDeployment of the same name', async () => {
    porch.add(NS, PR, 'Proposed', H1, { ownerReferences: [owner('test-amf')] });
    await expect(client.approve(NS, PR, H1, { guard })).resolves.toBe('approved');
    porch.add(NS, 'cnf-packages.default.test-amf.main', 'Published');
    await expect(
      client.deletePackageRevision(NS, 'cnf-packages.default.test-amf.main', { guard }),
    ).resolves.toBe('deleted');
  });

  it.each([
    ['another package', 'cnf-packages.default.test-smf.v1', [], /is package default\/test-smf/],
    ['another repository', 'other-repo.default.test-amf.v1', [], /in repository other-repo/],
    [
      'owned by another CNFDeployment',
      PR,
      [owner('test-smf')],
      /belongs to CNFDeployment test-smf, not test-amf/,
    ],
  ])('refuses %s (Permanent NotOwned) and writes nothing', async (_what, name, owners, message) => {
    porch.add(NS, name, 'Draft', H1, { ownerReferences: owners });
    for (const call of [
      () => client.writeResources(NS, name, files(H2), H2, { guard }),
      () => client.propose(NS, name, H1, { guard }),
      () => client.deletePackageRevision(NS, name, { guard }),
      () => client.adoptPackageRevision(NS, name, { a: 'b' }, owner('test-amf'), { guard }),
    ]) {
      await expect(call()).rejects.toMatchObject({ class: 'Permanent', reason: 'NotOwned', message });
    }
    expect(porch.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(porch.revisions.get(`${NS}/${name}`)!.lifecycle).toBe('Draft');
  });
});

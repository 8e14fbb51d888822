/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- JSON fixtures */
// Contract tests: every route driven with Metacontroller-shaped v2 requests (fixtures), answers
// checked against what Metacontroller's strict parser accepts. Uses the real pure reconciler.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ALLOWED_FINALIZE_KEYS,
  ALLOWED_SYNC_KEYS,
  fixture,
  makeApp,
  MemoryEvents,
  post,
  StubPorch,
  TOKEN,
  type Json,
  type TestApp,
} from './hooks.helpers.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork();

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

async function app(opts: Parameters<typeof makeApp>[0] = {}): Promise<TestApp> {
  t = await makeApp(opts);
  return t;
}

describe('POST /sync', () => {
  it('new CNF: answers only allowed keys, a Draft PackageRevision child and Provisioning', async () => {
    const { app: a } = await app();
    const res = await post(a, '/sync', fixture('sync-new'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<Json>();
    expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(['children', 'status']));
    for (const k of Object.keys(body)) expect(ALLOWED_SYNC_KEYS).toContain(k);
    expect(Array.isArray(body.children)).toBe(true);
    expect(body.children).toHaveLength(1);
    expect(body.children[0]).toMatchObject({
      apiVersion: 'porch.kpt.dev/v1alpha1',
      kind: 'PackageRevision',
      spec: { lifecycle: 'Draft', repository: 'cnf-packages' },
    });
    expect(body.status.phase).toBe('Provisioning');
    expect(typeof body.resyncAfterSeconds).toBe('number');
  });

  it('with children and related objects: keeps the Published revision, reads the Draft content hash', async () => {
    const porch = new StubPorch();
    const { app: a } = await app({ porch });
    const req = fixture('sync-with-children');
    const res = await post(a, '/sync', req);
    expect(res.statusCode).toBe(200);
    const body = res.json<Json>();
    for (const k of Object.keys(body)) expect(ALLOWED_SYNC_KEYS).toContain(k);
    const names = body.children.map((c: Json) => c.metadata.name);
    expect(names).toContain('cnf-packages.default.test-amf.v1');
    // Only the unpublished child's content is read; with a revision in flight the package is listed.
    expect(porch.calls.sort()).toEqual([
      'getResources default/cnf-packages.default.test-amf.v2',
      'listPackageRevisions default/default/test-amf',
    ]);
    // A child without metadata.namespace is looked up in the parent's namespace.
    const draft = Object.values(req.children['PackageRevision.porch.kpt.dev/v1alpha1']).find(
      (c: Json) => c.spec.lifecycle === 'Draft',
    ) as Json;
    delete draft.metadata.namespace;
    porch.calls.length = 0;
    await post(a, '/sync', req);
    expect(porch.calls).toContain('getResources default/cnf-packages.default.test-amf.v2');
  });

  it('empty children and related maps are fine', async () => {
    const { app: a } = await app();
    const req = fixture('sync-new');
    req.related = {};
    req.children = {};
    const res = await post(a, '/sync', req);
    expect(res.statusCode).toBe(200);
  });

  it('ignores unknown child and related types and null maps (logged at debug)', async () => {
    const { app: a, logs } = await app({ logLevel: 'debug' });
    const res = await post(a, '/sync', fixture('sync-unknown-types'));
    expect(res.statusCode).toBe(200);
    expect(res.json<Json>().children).toHaveLength(1);
    const ignored = logs.filter((l) => /ignoring unknown/.test(l.msg)).map((l) => l.type);
    expect(ignored.sort()).toEqual(['ConfigMap.v1', 'Secret.v1']);
  });

  it('an invalid CNF spec is not an HTTP error: 200 with Failed / Configuration status', async () => {
    const events = new MemoryEvents();
    const { app: a } = await app({ events });
    const res = await post(a, '/sync', fixture('sync-invalid-spec'));
    expect(res.statusCode).toBe(200);
    const body = res.json<Json>();
    expect(body.status.phase).toBe('Failed');
    expect(body.status.lastError).toMatchObject({ class: 'Configuration' });
    expect(body.children).toEqual([]);
    expect(events.recorded.map((e) => [e.event.type, e.event.reason])).toContainEqual(['Warning', 'Failed']);
    expect(events.recorded[0]!.obj).toMatchObject({
      kind: 'CNFDeployment',
      name: 'test-amf',
      uid: expect.any(String),
    });
  });

  it('a parent without spec or with null status is handled by the reconciler, not rejected', async () => {
    const { app: a } = await app();
    const req = fixture('sync-new');
    delete req.parent.spec;
    req.parent.status = null;
    const res = await post(a, '/sync', req);
    expect(res.statusCode).toBe(200);
    expect(res.json<Json>().status.phase).toBe('Failed');
  });

  it('logs every line of a hook request with the parent namespace/name/uid', async () => {
    const { app: a, logs } = await app({ logLevel: 'debug' });
    const req = fixture('sync-unknown-types');
    await post(a, '/sync', req);
    const lines = logs.filter((l) => l.reqId !== undefined);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) {
      expect(l.parent).toEqual({ namespace: 'default', name: 'test-amf', uid: req.parent.metadata.uid });
    }
  });
});

describe('POST /finalize', () => {
  it('answers only allowed keys including finalized, leaves every child out and deletes the Published ones itself', async () => {
    const porch = new StubPorch();
    const { app: a } = await app({ porch });
    const req = fixture('finalize');
    const res = await post(a, '/finalize', req);
    expect(res.statusCode).toBe(200);
    const body = res.json<Json>();
    for (const k of Object.keys(body)) expect(ALLOWED_FINALIZE_KEYS).toContain(k);
    expect(typeof body.finalized).toBe('boolean');
    expect(body.finalized).toBe(false);
    expect(body.children).toEqual([]);
    const published = Object.values(
      req.children['PackageRevision.porch.kpt.dev/v1alpha1'] as Record<string, Json>,
    )
      .filter((c) => c.spec.lifecycle === 'Published')
      .map((c) => `deletePackageRevision ${c.metadata.name}`);
    expect(published.length).toBeGreaterThan(0);
    expect(porch.calls).toEqual(expect.arrayContaining(published));
    expect(body.status.phase).toBe('Terminating');
  });

  it('finalized: true once Terminating and no children are left', async () => {
    const { app: a } = await app();
    const req = fixture('finalize');
    req.parent.status = { phase: 'Terminating', phaseSince: '2026-02-16T12:00:01Z' };
    req.children = { 'PackageRevision.porch.kpt.dev/v1alpha1': {} };
    const res = await post(a, '/finalize', req);
    expect(res.statusCode).toBe(200);
    expect(res.json<Json>()).toMatchObject({ finalized: true, children: [] });
  });
});

describe('POST /customize', () => {
  it('asks for Deployments, Pods and EndpointSlices of the CNF', async () => {
    const { app: a } = await app();
    const res = await post(a, '/customize', fixture('customize'));
    expect(res.statusCode).toBe(200);
    const answer = res.json<Json>();
    // Metacontroller refuses a rule that has both a labelSelector and a namespace/names.
    for (const rule of answer.relatedResources) expect(rule.labelSelector && rule.namespace).toBeFalsy();
    expect(answer).toEqual({
      relatedResources: [
        {
          apiVersion: 'apps/v1',
          resource: 'deployments',
          labelSelector: { matchLabels: { 'nephoran.com/cnf': 'test-amf' } },
        },
        {
          apiVersion: 'v1',
          resource: 'pods',
          labelSelector: { matchLabels: { 'nephoran.com/cnf': 'test-amf' } },
        },
        {
          apiVersion: 'discovery.k8s.io/v1',
          resource: 'endpointslices',
          labelSelector: { matchLabels: { 'kubernetes.io/service-name': 'test-amf' } },
        },
      ],
    });
  });

  it('adds the CNFDeployments named in spec.dependencies (distinct, sorted)', async () => {
    const { app: a } = await app();
    const res = await post(a, '/customize', fixture('customize-dependencies'));
    expect(res.statusCode).toBe(200);
    const rules = res.json<Json>().relatedResources;
    expect(rules).toHaveLength(4);
    expect(rules[3]).toEqual({
      apiVersion: 'nephoran.com/v1',
      resource: 'cnfdeployments',
      namespace: 'default',
      names: ['test-ausf', 'test-nrf'],
    });
  });

  it('depends only on metadata and spec, not status', async () => {
    const { app: a } = await app();
    const req = fixture('customize');
    const first = (await post(a, '/customize', req)).json();
    req.parent.status = { phase: 'Active' };
    expect((await post(a, '/customize', req)).json()).toEqual(first);
  });
});

describe('HTTP errors', () => {
  it('400 names the missing field', async () => {
    const { app: a } = await app();
    const req = fixture('sync-new');
    delete req.parent.metadata.name;
    const res = await post(a, '/sync', req);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      statusCode: 400,
      code: 'HOOK_BAD_REQUEST',
      error: 'Bad Request',
      message: "body/parent/metadata must have required property 'name'",
    });
  });

  it('400 names a mistyped field', async () => {
    const { app: a } = await app();
    const req = fixture('sync-new');
    req.finalizing = 'no';
    let res = await post(a, '/sync', req);
    expect(res.statusCode).toBe(400);
    expect(res.json<Json>().message).toBe('body/finalizing must be boolean');
    const req2 = fixture('sync-new');
    req2.children['PackageRevision.porch.kpt.dev/v1alpha1'] = { 'default/x': { metadata: {} } };
    res = await post(a, '/sync', req2);
    expect(res.json<Json>().message).toBe(
      "body/children/PackageRevision.porch.kpt.dev~1v1alpha1/default~1x/metadata must have required property 'name'",
    );
  });

  it('400 without parent, for non-JSON and for an empty body', async () => {
    const { app: a } = await app();
    let res = await post(a, '/sync', { children: {} });
    expect(res.json<Json>()).toMatchObject({
      statusCode: 400,
      message: "body must have required property 'parent'",
    });
    res = await a.inject({
      method: 'POST',
      url: '/sync',
      payload: '{"parent": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<Json>().code).toBe('HOOK_BAD_REQUEST');
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    res = await a.inject({
      method: 'POST',
      url: '/sync',
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    res = await post(a, '/sync', [1, 2]);
    expect(res.statusCode).toBe(400);
  });

  it('415 for a non-JSON content type', async () => {
    const { app: a } = await app();
    const res = await a.inject({
      method: 'POST',
      url: '/sync',
      payload: JSON.stringify(fixture('sync-new')),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json<Json>().code).toBe('HOOK_UNSUPPORTED_MEDIA_TYPE');
  });

  it('413 for a body over the limit', async () => {
    const { app: a } = await app({ bodyLimitBytes: 64 * 1024 });
    const req = fixture('sync-new');
    req.related['Pod.v1'] = {};
    for (let i = 0; i < 400; i++) {
      req.related['Pod.v1'][`default/p${i}`] = {
        metadata: { name: `p${i}`, annotations: { x: 'y'.repeat(200) } },
      };
    }
    const res = await post(a, '/sync', req);
    expect(res.statusCode).toBe(413);
    expect(res.json<Json>()).toMatchObject({ code: 'HOOK_BODY_TOO_LARGE', error: 'Payload Too Large' });
  });

  it('the default limit takes a large realistic request (5,000 pods)', async () => {
    const { app: a } = await app();
    const req = fixture('sync-with-children');
    const pod = Object.values(req.related['Pod.v1'])[0] as Json;
    for (let i = 0; i < 5000; i++) {
      req.related['Pod.v1'][`default/p${i}`] = { ...pod, metadata: { ...pod.metadata, name: `p${i}` } };
    }
    expect(JSON.stringify(req).length).toBeGreaterThan(1024 * 1024);
    expect((await post(a, '/sync', req)).statusCode).toBe(200);
  });

  it('401 on hook routes without the right bearer token; probes and metrics stay open', async () => {
    const { app: a } = await app({ hookToken: TOKEN });
    let res = await post(a, '/sync', fixture('sync-new'));
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json<Json>().code).toBe('HOOK_UNAUTHORIZED');
    res = await post(a, '/customize', fixture('customize'), { authorization: `Bearer ${TOKEN}x` });
    expect(res.statusCode).toBe(401);
    res = await post(a, '/finalize', fixture('finalize'), { authorization: TOKEN });
    expect(res.statusCode).toBe(401);
    res = await post(a, '/sync', fixture('sync-new'), { authorization: `Bearer ${TOKEN}` });
    expect(res.statusCode).toBe(200);
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      expect((await a.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
  });

  it('404 for unknown routes, with an error code', async () => {
    const { app: a } = await app();
    const res = await a.inject({ method: 'GET', url: '/sync' });
    expect(res.statusCode).toBe(404);
    expect(res.json<Json>().code).toBe('HOOK_NOT_FOUND');
  });

  it('a reconciler crash is a 500 without a stack trace (never a 200 that would delete children)', async () => {
    const { app: a, logs } = await app({
      reconciler: {
        reconcile: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'x')");
        },
        finalize: () => {
          throw new Error('nope');
        },
        applyActionResults: (o) => o,
      },
    });
    const res = await post(a, '/sync', fixture('sync-new'));
    expect(res.statusCode).toBe(500);
    expect(res.json<Json>()).toMatchObject({ code: 'HOOK_RECONCILE_FAILED', statusCode: 500 });
    expect(res.body).not.toContain('.ts:');
    expect(logs.some((l) => l.level === 50 && l.err?.stack !== undefined)).toBe(true);
    expect((await post(a, '/finalize', fixture('finalize'))).statusCode).toBe(500);
  });

  it('a failing applyActionResults is a 500 too', async () => {
    const { app: a } = await app({
      reconciler: {
        reconcile: () => ({ children: [], status: {}, actions: [] }),
        finalize: () => ({ children: [], status: {}, actions: [], finalized: true }),
        applyActionResults: () => {
          throw new Error('bad');
        },
      },
    });
    expect((await post(a, '/sync', fixture('sync-new'))).json<Json>().code).toBe('HOOK_RECONCILE_FAILED');
  });
});

describe('probes', () => {
  it('/healthz is always 200; /readyz follows the readiness check and drain', async () => {
    let ok = true;
    const { app: a } = await app({
      ready: () =>
        Promise.resolve(
          ok ? { ok: true } : { ok: false, reason: 'Kubernetes API unreachable: ECONNREFUSED' },
        ),
    });
    expect((await a.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await a.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    ok = false;
    const res = await a.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json<Json>().reason).toMatch(/unreachable/);
    ok = true;
    a.drain();
    expect((await a.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    const health = await a.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.headers['connection']).toBe('close');
  });

  it('/metrics serves the Prometheus text format and logs nothing', async () => {
    const { app: a, logs } = await app({ logLevel: 'trace' });
    const res = await a.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE nephoran_hook_requests_total counter');
    expect(logs).toEqual([]);
  });
});

// Packaging of the NetworkIntent controller: the CRD in manifests/crd, the CompositeController and
// Metacontroller's RBAC in metacontroller/, how they point at each other and at the hook server, and
// the local stack's copy of the CompositeController (Metacontroller v1.5.20: v1 hooks, no token).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { makeApp, type TestApp } from './hooks.helpers.ts';
import {
  COMPOSITE_CONTROLLER_FILES,
  localCompositeController,
} from '../../scripts/local/stack/metacontroller.ts';
import { settings } from '../../scripts/local/stack/util.ts';
import { loadVersions } from '../../scripts/local/versions.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => v as Obj;
const list = (v: unknown): unknown[] => v as unknown[];

function docs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'))
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Obj => d !== null && d !== undefined);
}

const kustomization = (dir: string): string[] =>
  list(obj(parse(readFileSync(join(ROOT, dir, 'kustomization.yaml'), 'utf8'))).resources).map(String);

const crd = docs('manifests/crd/networkintents.nephoran.com.yaml')[0]!;
const cnfCc = docs('metacontroller/compositecontroller.yaml')[0]!;
const cc = docs('metacontroller/networkintent-controller.yaml')[0]!;
const ccSpec = obj(cc.spec);
const roles = docs('metacontroller/metacontroller-rbac.yaml').filter((d) => d.kind === 'ClusterRole');

describe('NetworkIntent install', () => {
  it('the CRD is installed with the CNFDeployment CRD, the controller with the CNFDeployment one', () => {
    expect(kustomization('manifests/crd')).toEqual([
      'cnfdeployments.nephoran.com.yaml',
      'networkintents.nephoran.com.yaml',
    ]);
    expect(kustomization('metacontroller')).toContain('networkintent-controller.yaml');
    expect(COMPOSITE_CONTROLLER_FILES.every((f) => kustomization('metacontroller').includes(f))).toBe(true);
  });

  it('the CompositeController watches NetworkIntents and owns CNFDeployments, updated in place', () => {
    expect(cc).toMatchObject({
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      metadata: { name: 'networkintent-controller' },
    });
    const parent = obj(ccSpec.parentResource);
    const [group, version] = String(parent.apiVersion).split('/');
    const crdSpec = obj(crd.spec);
    expect([group, parent.resource]).toEqual([crdSpec.group, obj(crdSpec.names).plural]);
    const served = list(crdSpec.versions)
      .map(obj)
      .find((v) => v.name === version && v.served === true);
    expect(obj(served?.subresources).status).toEqual({});
    expect(ccSpec.childResources).toEqual([
      { apiVersion: 'nephoran.com/v1', resource: 'cnfdeployments', updateStrategy: { method: 'InPlace' } },
    ]);
    expect(ccSpec.generateSelector).toBe(true);
    expect(Number(ccSpec.resyncPeriodSeconds)).toBeGreaterThan(0);
  });

  describe('hooks', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await makeApp();
    });
    afterAll(async () => {
      await t.app.close();
    });

    it('v2 sync and finalize on the same Service, port and token as the CNFDeployment hooks, at routes the app serves', async () => {
      const hooks = obj(ccSpec.hooks);
      expect(Object.keys(hooks).sort()).toEqual(['finalize', 'sync']);
      const cnfHook = obj(obj(obj(cnfCc.spec).hooks).sync);
      for (const name of ['sync', 'finalize']) {
        const hook = obj(hooks[name]);
        expect(hook.version).toBe('v2');
        const webhook = obj(hook.webhook);
        expect(webhook.path).toBe(`/intent/${name}`);
        expect(webhook.service).toEqual(obj(cnfHook.webhook).service);
        expect(webhook.authorization).toEqual(obj(cnfHook.webhook).authorization);
        expect(String(webhook.timeout)).toMatch(/^\d+(ms|s)$/);
        const res = await t.app.inject({ method: 'POST', url: String(webhook.path), payload: {} });
        expect([String(webhook.path), res.statusCode]).toEqual([String(webhook.path), 400]);
      }
    });
  });

  it("Metacontroller's aggregated role covers the intents, their status and the CNFDeployment children, without wildcards", () => {
    const rules = roles.flatMap((r) => list(r.rules).map(obj));
    for (const r of rules) {
      for (const l of [r.apiGroups, r.resources, r.verbs]) expect(list(l)).not.toContain('*');
    }
    const role = roles.find((r) => obj(r.metadata).name === 'metacontroller-nephoran-networkintent')!;
    expect(obj(obj(role.metadata).labels)['metacontroller.k8s.io/aggregate-to-metacontroller']).toBe('true');
    const grants = (resource: string, verbs: string[]): boolean =>
      list(role.rules)
        .map(obj)
        .some(
          (r) =>
            list(r.apiGroups).includes('nephoran.com') &&
            list(r.resources).includes(resource) &&
            verbs.every((v) => list(r.verbs).includes(v)),
        );
    expect(grants('networkintents', ['get', 'list', 'watch', 'update', 'patch'])).toBe(true);
    expect(grants('networkintents/status', ['update'])).toBe(true);
    expect(grants('cnfdeployments', ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'])).toBe(
      true,
    );
  });

  it('the local stack applies it with v1 hooks at the local hook server, without Service or token', async () => {
    const versions = await loadVersions();
    const text = await localCompositeController(settings({}), versions, 'networkintent-controller.yaml');
    const local = obj(parse(text));
    const hooks = obj(obj(local.spec).hooks);
    expect(obj(obj(hooks.sync).webhook)).toEqual({
      url: 'http://127.0.0.1:8080/intent/sync',
      timeout: '10s',
    });
    expect(obj(obj(hooks.finalize).webhook)).toEqual({
      url: 'http://127.0.0.1:8080/intent/finalize',
      timeout: '10s',
    });
    if (versions.metacontroller.hookVersion === 'v1') {
      expect(obj(hooks.sync).version).toBeUndefined();
    }
    expect(obj(local.spec).childResources).toEqual(ccSpec.childResources);
  });

  it('README and the docs point at docs/intent.md and the example', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('docs/intent.md');
    expect(existsSync(join(ROOT, 'examples/intent-site-core.yaml'))).toBe(true);
  });
});

function findKubectl(): string | undefined {
  const candidates = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'kubectl'));
  const cache = join(process.env.HOME ?? '', '.cache', 'nephoran-local', 'bin');
  if (existsSync(cache)) for (const dir of readdirSync(cache)) candidates.push(join(cache, dir, 'kubectl'));
  return candidates.find((c) => existsSync(c));
}

const kubectl = findKubectl();
(kubectl === undefined ? it.skip : it)(
  'kubectl kustomize renders both CRDs and both CompositeControllers',
  () => {
    const build = (dir: string): Obj[] =>
      parseAllDocuments(
        execFileSync(kubectl!, ['kustomize', join(ROOT, dir)], { encoding: 'utf8', timeout: 30_000 }),
      )
        .map((d) => d.toJS() as Obj)
        .filter((d) => d !== null);
    const names = (ds: Obj[], kind: string): unknown[] =>
      ds.filter((d) => d.kind === kind).map((d) => obj(d.metadata).name);
    expect(names(build('manifests'), 'CustomResourceDefinition')).toEqual(
      expect.arrayContaining(['cnfdeployments.nephoran.com', 'networkintents.nephoran.com']),
    );
    expect(names(build('metacontroller'), 'CompositeController')).toEqual(
      expect.arrayContaining(['cnfdeployment-controller', 'networkintent-controller']),
    );
  },
);

// The GitOps manifests (manifests/gitops/ for Flux and Config Sync on a real cluster, and the local
// stack's Flux sync template) against the upstream CRDs' schemas (tests/fixtures/crds, see its
// README): every object is of a kind one of the CRDs serves, at a served version, and valid by that
// version's openAPIV3Schema (unknown fields refused, as kubectl's strict field validation does). The
// CEL rules of the CRDs are not run here; the e2e suite applies the same files (server dry run) to a
// real kube-apiserver that has the CRDs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';

import { toJsonSchema } from '../../lib/validate.ts';
import { ROOT } from '../../scripts/local/stack/util.ts';
import { loadVersions } from '../../scripts/local/versions.ts';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}
interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: unknown } }[];
  };
}

const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'crds');
const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.join(dir, f));

const crds: Crd[] = ['flux', 'config-sync'].flatMap((d) =>
  yamlFiles(path.join(FIXTURES, d)).map((f) => parse(readFileSync(f, 'utf8')) as Crd),
);
// Formats (date-time, int64) appear only in the CRDs' status schemas, which these manifests never
// set; ajv without ajv-formats would warn about each of them.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

/** Problems of one object by the CRD of its kind ([] when valid). */
function problems(obj: Obj): string[] {
  const [group, version] = obj.apiVersion.split('/');
  const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === obj.kind);
  if (!crd) return [`no CRD for ${obj.apiVersion} ${obj.kind}`];
  const v = crd.spec.versions.find((x) => x.name === version && x.served);
  if (!v) return [`${obj.kind}: version ${version} is not served`];
  const validate = ajv.compile(toJsonSchema(v.schema.openAPIV3Schema));
  const valid: boolean = validate(obj);
  if (valid) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${obj.kind}/${obj.metadata.name}${e.instancePath}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}

const docsOf = (file: string, text = readFileSync(file, 'utf8')): Obj[] =>
  parseAllDocuments(text).map((d) => d.toJS() as Obj);

/** scripts/local/manifests/flux-sync.yaml as stack/flux.ts fills it in. */
function localSync(): Obj[] {
  const text = readFileSync(path.join(ROOT, 'scripts', 'local', 'manifests', 'flux-sync.yaml'), 'utf8');
  const vars: Record<string, string> = {
    NAME: 'cnf-packages',
    FLUX_NAMESPACE: 'flux-system',
    GIT_URL: 'http://127.0.0.1:9446/cnf-packages',
    BRANCH: 'main',
    GIT_INTERVAL: '2s',
  };
  return docsOf(
    'flux-sync.yaml',
    text.replace(/\$\{([A-Z_]+)\}/g, (_m, k: string) => vars[k] ?? `<${k}?>`),
  );
}

const dirs = ['flux', 'config-sync'].map((d) => path.join(ROOT, 'manifests', 'gitops', d));

describe('manifests/gitops and the local Flux sync against the upstream CRDs', () => {
  const cases: [string, Obj][] = [
    ...dirs.flatMap((d) =>
      yamlFiles(d)
        .filter((f) => path.basename(f) !== 'kustomization.yaml')
        .flatMap((f) => docsOf(f).map((o): [string, Obj] => [path.relative(ROOT, f), o])),
    ),
    ...localSync().map((o): [string, Obj] => ['scripts/local/manifests/flux-sync.yaml', o]),
  ];

  it('covers Flux GitRepository + Kustomization and Config Sync RootSync + RepoSync', () => {
    expect(new Set(cases.map(([, o]) => o.kind))).toEqual(
      new Set(['GitRepository', 'Kustomization', 'RootSync', 'RepoSync']),
    );
  });

  it.each(cases.map(([f, o]) => [`${f}: ${o.kind}/${o.metadata.name}`, o] as const))(
    '%s is valid',
    (_n, o) => {
      expect(problems(o)).toEqual([]);
    },
  );

  it('a wrong field is caught (the check can fail)', () => {
    const [repo, ks] = localSync() as [Obj, Obj];
    expect(problems({ ...ks, spec: { ...ks.spec, prune: 'yes' } })).toEqual([
      'Kustomization/cnf-packages/spec/prune: must be boolean',
    ]);
    expect(problems({ ...repo, spec: { ...repo.spec, branch: 'main' } })).toEqual([
      'GitRepository/cnf-packages/spec: must NOT have additional properties (branch)',
    ]);
    expect(problems({ ...repo, apiVersion: 'source.toolkit.fluxcd.io/v9' })).toEqual([
      'GitRepository: version v9 is not served',
    ]);
  });

  it('prunes and leaves health to the product, on the stack and in the shipped manifests', () => {
    for (const ks of [...localSync(), ...docsOf(path.join(dirs[0]!, 'kustomization-sync.yaml'))].filter(
      (o) => o.kind === 'Kustomization',
    )) {
      expect(ks.spec).toMatchObject({ prune: true, wait: false, path: './' });
    }
  });

  it.each(dirs.map((d) => [path.relative(ROOT, d), d] as const))(
    '%s/kustomization.yaml lists every manifest of its directory',
    (_n, d) => {
      const k = parse(readFileSync(path.join(d, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
      const files = yamlFiles(d)
        .map((f) => path.basename(f))
        .filter((f) => f !== 'kustomization.yaml');
      expect([...k.resources].sort()).toEqual(files.sort());
    },
  );

  it("the Flux CRD fixtures are the pinned controllers' own (when the module cache has them)", async () => {
    const { controllers } = (await loadVersions()).flux;
    const modCache = path.join(
      process.env.GOMODCACHE || path.join(process.env.HOME ?? '/', 'go', 'pkg', 'mod'),
    );
    for (const [name, c] of Object.entries(controllers)) {
      const bases = path.join(modCache, `${c.module}@${c.version}`, 'config', 'crd', 'bases');
      if (!existsSync(bases)) continue; // not downloaded on this machine: nothing to compare
      for (const f of yamlFiles(path.join(FIXTURES, 'flux'))) {
        const upstream = path.join(bases, path.basename(f));
        if (existsSync(upstream))
          expect([name, readFileSync(f, 'utf8')]).toEqual([name, readFileSync(upstream, 'utf8')]);
      }
    }
  });
});

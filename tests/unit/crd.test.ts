/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- untyped YAML */
// The CRD YAML is the single source of truth. These tests keep everything derived from it honest:
// the generated copy in lib/, the TypeScript twins of its CEL rules, and the status schema's coverage
// of lib/types.ts (so Metacontroller's status writes are never pruned).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { CRD } from '../../lib/generated/crd.ts';
import { CEL_RULES, crdSchema, validateStatus } from '../../lib/validate.ts';
import { getCatalogEntry } from '../../lib/catalog.ts';
import type { CNFDeploymentStatus } from '../../lib/types.ts';

type Obj = Record<string, any>;
const root = fileURLToPath(new URL('../..', import.meta.url));
const yamlCrd = parse(readFileSync(`${root}manifests/crd/cnfdeployments.nephoran.com.yaml`, 'utf8')) as Obj;
const version = (yamlCrd.spec.versions as Obj[])[0]!;

/** Every x-kubernetes-validations rule with its schema location ('' root, '.' fields, '[]' items). */
function collectRules(schema: Obj, at = ''): Array<Obj & { at: string }> {
  const out: Array<Obj & { at: string }> = [];
  for (const r of (schema['x-kubernetes-validations'] ?? []) as Obj[]) out.push({ ...r, at });
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Obj)) {
    out.push(...collectRules(v as Obj, at ? `${at}.${k}` : k));
  }
  if (schema.items) out.push(...collectRules(schema.items as Obj, `${at}[]`));
  if (typeof schema.additionalProperties === 'object') {
    out.push(...collectRules(schema.additionalProperties as Obj, `${at}{}`));
  }
  return out;
}

describe('CRD manifests/crd/cnfdeployments.nephoran.com.yaml', () => {
  it('is the CRD the code uses: lib/generated/crd.ts equals the YAML (run npm run gen:schema)', () => {
    expect(CRD).toEqual(yamlCrd);
  });

  it('is structurally a namespaced v1 CRD with the names, subresources and columns of the API', () => {
    expect(yamlCrd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(yamlCrd.kind).toBe('CustomResourceDefinition');
    expect(yamlCrd.metadata.name).toBe(`${yamlCrd.spec.names.plural}.${yamlCrd.spec.group}`);
    expect(yamlCrd.spec.group).toBe('nephoran.com');
    expect(yamlCrd.spec.scope).toBe('Namespaced');
    expect(yamlCrd.spec.names).toMatchObject({
      kind: 'CNFDeployment',
      plural: 'cnfdeployments',
      singular: 'cnfdeployment',
      shortNames: ['cnfd', 'cnf'],
      categories: ['nephoran'],
    });
    expect(yamlCrd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({ name: 'v1', served: true, storage: true });
    expect(version.subresources).toEqual({
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    });
    const columns = Object.fromEntries(
      (version.additionalPrinterColumns as Obj[]).map((c) => [c.name, c.jsonPath]),
    );
    expect(columns).toMatchObject({
      Type: '.spec.type',
      Function: '.spec.function',
      Phase: '.status.phase',
      Ready: '.status.readyReplicas',
      Revision: '.status.revision',
      Age: '.metadata.creationTimestamp',
    });
  });

  it('declares defaults, bounds and preserve-unknown-fields where the API promises them', () => {
    const spec = (crdSchema(yamlCrd).properties as Obj).spec as Obj;
    const p = spec.properties as Obj;
    expect(p.replicas).toMatchObject({ default: 1, minimum: 0, maximum: 100 });
    expect(p.maxReplicas).toMatchObject({ default: 10, minimum: 1, maximum: 100 });
    expect(p.porch.properties.approval.default).toBe('Automatic');
    expect(p.rollout.properties.progressDeadlineSeconds.default).toBe(300);
    expect(p.rollout.properties.autoRollback.default).toBe(true);
    expect(p.scaling.properties.cooldownSeconds.default).toBe(0);
    expect(p.configuration['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(p.networkConfig.properties.interfaces['x-kubernetes-list-map-keys']).toEqual(['name']);
    const quantity = p.resources.properties.requests.additionalProperties as Obj;
    expect(quantity['x-kubernetes-int-or-string']).toBe(true);
    // Only the free-form objects may keep unknown fields.
    const preserved = JSON.stringify(spec).match(/x-kubernetes-preserve-unknown-fields/g) ?? [];
    expect(preserved).toHaveLength(3); // configuration, a1 createSchema, a1 policy
  });

  it('bounds every array and string that a CEL rule iterates or parses (apiserver cost limits)', () => {
    const spec = (crdSchema(yamlCrd).properties as Obj).spec as Obj;
    const walk = (s: Obj, path: string): void => {
      if (s.type === 'array') expect([path, s.maxItems]).toEqual([path, expect.any(Number)]);
      for (const [k, v] of Object.entries((s.properties ?? {}) as Obj)) walk(v as Obj, `${path}.${k}`);
      if (s.items) walk(s.items as Obj, `${path}[]`);
      if (typeof s.additionalProperties === 'object') {
        expect([path, s.maxProperties]).toEqual([path, expect.any(Number)]);
        walk(s.additionalProperties as Obj, `${path}{}`);
      }
    };
    walk(spec, 'spec');
  });

  describe('CEL rules', () => {
    const rules = collectRules(crdSchema(yamlCrd));

    it('every rule has a message and a reason', () => {
      for (const r of rules) {
        expect(typeof r.message).toBe('string');
        expect([
          'FieldValueInvalid',
          'FieldValueForbidden',
          'FieldValueRequired',
          'FieldValueDuplicate',
        ]).toContain(r.reason);
      }
    });

    it('every CRD rule has a TypeScript twin in lib/validate.ts and vice versa (keyed by location + message)', () => {
      const inCrd = rules.map((r) => `${r.at} | ${r.message as string}`).sort();
      const inTs = CEL_RULES.map((r) => `${r.at} | ${r.message}`).sort();
      expect(inTs).toEqual(inCrd);
    });

    it('transition rules (oldSelf) are exactly the twins marked transition', () => {
      const crdTransition = rules
        .filter((r) => String(r.rule).includes('oldSelf'))
        .map((r) => r.message as string);
      const tsTransition = CEL_RULES.filter((r) => r.transition).map((r) => r.message);
      expect(tsTransition.sort()).toEqual(crdTransition.sort());
    });

    it('minimum-resource rules use the catalog minimums', () => {
      for (const fn of ['UPF', 'AMF', 'SMF']) {
        const min = getCatalogEntry(fn)!.minimum!;
        for (const res of ['cpu', 'memory'] as const) {
          const rule = rules.find(
            (r) =>
              String(r.rule).includes(`'${fn}'`) && String(r.rule).includes(`['${res}']`) && r.at === 'spec',
          );
          expect(rule?.rule).toContain(`quantity('${min[res]}')`);
        }
      }
    });
  });

  describe('status schema', () => {
    // Deliberately typed against lib/types.ts: when a status field is added there, this fixture stops
    // compiling until it (and the CRD status schema, checked below) covers the new field.
    type Full<T> =
      T extends Array<infer U> ? Array<Full<U>> : T extends object ? { [K in keyof T]-?: Full<T[K]> } : T;
    const full: Full<Omit<CNFDeploymentStatus, 'lastHealthy'>> &
      Pick<Required<CNFDeploymentStatus>, 'lastHealthy'> = {
      phase: 'Active',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Available',
          message: 'ok',
          lastTransitionTime: 't',
          observedGeneration: 1,
        },
      ],
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      selector: 'a=b',
      packageRevision: 'r.p.w',
      packageName: 'default/x',
      repository: 'r',
      revision: 1,
      contentHash: 'h',
      health: {
        overall: 'Healthy',
        checks: [{ name: 'pods', status: 'Healthy', message: 'ok', timestamp: 't' }],
        consecutiveFails: 0,
        lastCheck: 't',
      },
      history: [
        {
          name: 'n',
          workspace: 'w',
          revision: 1,
          contentHash: 'h',
          generation: 1,
          replicas: 2,
          restartGeneration: 0,
          outcome: 'Healthy',
          publishedAt: 't',
          createdAt: 't',
          finishedAt: 't',
          trigger: 'Create',
          proposedAt: 't',
          rejectedAt: 't',
          proposeAgain: '',
        },
      ],
      lastError: {
        class: 'Transient',
        reason: 'HTTP500',
        message: 'm',
        fields: ['spec.replicas'],
        action: 'writeResources',
        generation: 1,
        since: 't',
        failures: 1,
        lastFailure: 't',
      },
      lastHealthy: {
        generation: 1,
        contentHash: 'h',
        spec: { type: '5G-Core', function: 'AMF', replicas: 2 },
      },
      rollback: { failedContentHash: 'a', failedGeneration: 2, toContentHash: 'b', at: 't', message: 'r' },
      scaling: { lastScaleTime: 't', cooldownUntil: 't', pendingReplicas: 3 },
      healing: { attempts: 1, lastAttemptAt: 't', restartGeneration: 1 },
      phaseSince: 't',
      oran: {
        policies: [
          {
            policyTypeId: 1,
            policyId: 'p',
            state: 'Failed',
            message: 'r',
            endpoint: 'http://ric:10000',
            policyHash: 'h',
            generation: 2,
          },
        ],
        subscriptions: [
          {
            name: 's',
            subscriptionId: 'i',
            state: 'Failed',
            message: 'r',
            endpoint: 'http://submgr:8088',
            requestHash: 'h',
            uncertainCreates: 1,
            generation: 2,
          },
        ],
      },
    };

    it('covers every field of CNFDeploymentStatus, so no status write is pruned', () => {
      expect(validateStatus(full)).toEqual([]);
    });

    it('reports fields the apiserver would prune or reject', () => {
      expect(validateStatus({ ...full, extra: 1, phase: 'Dancing' })).toEqual([
        { path: 'status.extra', message: 'unknown field' },
        {
          path: 'status.phase',
          message:
            'must be one of Pending, Provisioning, Configuring, Active, Scaling, Updating, Degraded, Healing, Terminating, Failed, Deleted',
        },
      ]);
    });
  });
});

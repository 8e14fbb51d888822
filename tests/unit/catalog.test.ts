/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access -- untyped YAML */
import { describe, expect, it } from '@jest/globals';
import {
  CNF_TYPES,
  FUNCTIONS,
  functionsForType,
  getCatalogEntry,
  isFunctionAllowedForType,
} from '../../lib/catalog.ts';
import { CRD } from '../../lib/generated/crd.ts';
import { crdSchema } from '../../lib/validate.ts';
import { compareQuantities } from '../../lib/quantity.ts';

type Obj = Record<string, any>;
const spec = (crdSchema(CRD).properties as Obj).spec as Obj;

describe('function catalog', () => {
  it('has an entry for every function in the CRD enum, and nothing else', () => {
    expect([...FUNCTIONS]).toEqual(spec.properties.function.enum);
    for (const fn of spec.properties.function.enum as string[]) expect(getCatalogEntry(fn)).toBeDefined();
    expect(getCatalogEntry('MME')).toBeUndefined();
  });

  it('lists the CNF types of the CRD enum', () => {
    expect([...CNF_TYPES]).toEqual(spec.properties.type.enum);
  });

  it('admits every function as Custom and each function in at least one family type', () => {
    expect(functionsForType('Custom')).toEqual([...FUNCTIONS]);
    for (const fn of FUNCTIONS) {
      expect(isFunctionAllowedForType(fn, '5G-Core') || isFunctionAllowedForType(fn, 'O-RAN')).toBe(true);
    }
    expect(isFunctionAllowedForType('UPF', 'Edge')).toBe(true);
    expect(isFunctionAllowedForType('AMF', 'Edge')).toBe(false);
    expect(isFunctionAllowedForType('nope', 'Custom')).toBe(false);
  });

  it('agrees with the CRD rule that lists the functions of each type', () => {
    const rules = spec['x-kubernetes-validations'] as Array<{ rule: string }>;
    for (const type of ['5G-Core', 'O-RAN', 'Edge'] as const) {
      const rule = rules.find((r) => r.rule.startsWith(`self.type != '${type}'`));
      const listed = [...rule!.rule.matchAll(/'([^']+)'/g)].map((m) => m[1]).slice(1);
      expect(listed).toEqual(functionsForType(type));
    }
  });

  it('pins every image (no latest, no missing tag) and keeps defaults above the minimum', () => {
    for (const fn of FUNCTIONS) {
      const e = getCatalogEntry(fn)!;
      expect(e.image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
      expect(e.image).not.toMatch(/:latest$/);
      expect(e.ports.length).toBeGreaterThan(0);
      for (const p of e.ports) expect(p.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(e.ports.length).toBe(new Set(e.ports.map((p) => `${p.port}/${p.protocol}`)).size);
      for (const r of ['cpu', 'memory'] as const) {
        expect(compareQuantities(e.resources.limits[r], e.resources.requests[r])).toBeGreaterThanOrEqual(0);
        if (e.minimum)
          expect(compareQuantities(e.resources.requests[r], e.minimum[r])).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('follows domain.md for the sizing and the special needs of the core functions', () => {
    expect(getCatalogEntry('UPF')!.minimum).toEqual({ cpu: '2', memory: '4Gi' });
    expect(getCatalogEntry('AMF')!.minimum).toEqual({ cpu: '1', memory: '2Gi' });
    expect(getCatalogEntry('SMF')!.minimum).toEqual({ cpu: '1', memory: '2Gi' });
    expect(getCatalogEntry('UPF')!.capabilities).toContain('NET_ADMIN');
    expect(getCatalogEntry('UPF')!.interfaces).toEqual(['n3', 'n4', 'n6']);
    expect(getCatalogEntry('AMF')!.ports).toContainEqual({ name: 'ngap', port: 38412, protocol: 'SCTP' });
    expect(getCatalogEntry('Near-RT-RIC')!.ports).toContainEqual({
      name: 'e2',
      port: 36421,
      protocol: 'SCTP',
    });
  });
  it('recommends a data-plane profile for the packet-processing functions only, on interfaces they have', () => {
    for (const fn of FUNCTIONS) {
      const e = getCatalogEntry(fn)!;
      if (!e.profile) continue;
      // SR-IOV on the function's own user-plane interfaces; hugepages sizes Kubernetes knows
      for (const i of e.profile.sriov.interfaces)
        expect([fn, e.interfaces]).toEqual([fn, expect.arrayContaining([i])]);
      for (const size of Object.keys(e.profile.hugepages)) expect(size).toMatch(/^hugepages-(2Mi|1Gi)$/);
      // pinning needs whole CPUs: the catalog request the profile starts from is one
      expect([fn, e.resources.requests.cpu]).toEqual([fn, expect.stringMatching(/^[1-9][0-9]*$/)]);
    }
    expect(FUNCTIONS.filter((fn) => getCatalogEntry(fn)!.profile)).toEqual(['UPF', 'O-CU-UP', 'O-DU']);
  });
});

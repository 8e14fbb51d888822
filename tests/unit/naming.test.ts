import { describe, expect, it } from '@jest/globals';
import {
  PorchNameError,
  checkPorchNames,
  defaultPackageName,
  isDNS1123Label,
  isDNS1123Subdomain,
  nameSources,
  revisionName,
  workspaceName,
  workspaceSequence,
} from '../../lib/naming.ts';

const HASH = 'b2a62cfed7e5d09ac854496e60d23aaed7389e4661f5ff19001adb5e75ef37c1';

describe('Porch naming', () => {
  it('derives the package name from namespace/name unless spec.porch.packageName is set', () => {
    expect(defaultPackageName('default', 'test-amf')).toBe('default/test-amf');
    expect(defaultPackageName('default', 'test-amf', { porch: {} })).toBe('default/test-amf');
    expect(defaultPackageName('default', 'test-amf', { porch: { packageName: 'core/amf' } })).toBe(
      'core/amf',
    );
  });

  it('names workspaces r<sequence>-<10 hex> and reads the sequence back', () => {
    expect(workspaceName(1, HASH)).toBe('r1-b2a62cfed7');
    expect(workspaceName(42, HASH)).toBe('r42-b2a62cfed7');
    expect(workspaceSequence('r42-b2a62cfed7')).toBe(42);
    expect(workspaceSequence('v1')).toBeUndefined();
    expect(workspaceSequence('r0-b2a62cfed7')).toBeUndefined();
    expect(() => workspaceName(0, HASH)).toThrow(RangeError);
    expect(() => workspaceName(1.5, HASH)).toThrow(RangeError);
    expect(() => workspaceName(1, 'XYZ')).toThrow(RangeError);
  });

  it('composes the PackageRevision name exactly as Porch does', () => {
    expect(revisionName('deployments', 'default/test-amf', 'r1-b2a62cfed7')).toBe(
      'deployments.default.test-amf.r1-b2a62cfed7',
    );
    expect(revisionName('edge', 'ran/site-1/odu', 'r3-0123456789')).toBe('edge.ran.site-1.odu.r3-0123456789');
  });

  it('reports invalid parts as Configuration errors with the field they came from', () => {
    expect(checkPorchNames('Deployments', 'default/test.amf', 'r1-x')).toEqual([
      { path: 'spec.porch.repository', message: 'repository "Deployments" must be a DNS-1123 label' },
      {
        path: 'spec.porch.packageName',
        message: 'package path "default/test.amf" must be DNS-1123 labels separated by "/"',
      },
    ]);
    expect(checkPorchNames('r', 'p', 'R1')).toEqual([
      { path: 'workspace', message: 'workspace "R1" must be a DNS-1123 label' },
    ]);
    const long = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('/');
    expect(checkPorchNames('r', long, 'r1-0123456789')[0]?.message).toContain('longer than 253 characters');
    try {
      revisionName('repo', 'default/x.y', 'r1-0123456789', nameSources({}));
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(PorchNameError);
      const err = e as PorchNameError;
      expect(err.code).toBe('INVALID_PORCH_NAME');
      expect(err.errorClass).toBe('Configuration');
      expect(err.issues[0]?.path).toBe('metadata.name');
    }
  });

  it('nameSources tells given fields from derived ones', () => {
    expect(nameSources({ porch: { repository: 'r', packageName: 'p' } })).toEqual({
      repositoryPath: 'spec.porch.repository',
      packageNamePath: 'spec.porch.packageName',
    });
    expect(nameSources({})).toEqual({
      repositoryPath: 'repository (controller default)',
      packageNamePath: 'metadata.name',
    });
  });

  it('checks DNS-1123 labels and subdomains with their length limits', () => {
    expect(isDNS1123Label('a'.repeat(63))).toBe(true);
    expect(isDNS1123Label('a'.repeat(64))).toBe(false);
    expect(isDNS1123Label('-a')).toBe(false);
    expect(isDNS1123Subdomain('a.b-c.d')).toBe(true);
    expect(isDNS1123Subdomain(`${'a'.repeat(63)}.`.repeat(4) + 'a')).toBe(false);
  });
});

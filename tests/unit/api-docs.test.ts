import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { OUT_PATH, generate, renderApiDocs } from '../../scripts/gen-api-docs.ts';
import { FUNCTIONS } from '../../lib/catalog.ts';

describe('docs/api.md', () => {
  it('is up to date with the CRD and the catalog (run npm run gen:docs)', async () => {
    expect(readFileSync(OUT_PATH, 'utf8')).toBe(await generate());
  });

  it('documents every spec field, every CEL rule and every function', () => {
    const md = renderApiDocs();
    for (const f of [
      'spec.replicas',
      'spec.networkConfig.interfaces[].cniType',
      'spec.oran.e2.subscriptions[].actions',
    ]) {
      expect(md).toContain(`\`${f}\``);
    }
    for (const f of ['status.lastHealthy.spec', 'status.history[].outcome', 'status.health.lastCheck']) {
      expect(md).toContain(`\`${f}\``);
    }
    expect(md).toContain('replicas must be less than or equal to maxReplicas');
    for (const fn of FUNCTIONS) expect(md).toContain(`| ${fn} |`);
  });
});

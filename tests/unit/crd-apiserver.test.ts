// The TypeScript twins of the CRD's CEL rules against what a real kube-apiserver answered for the same
// specs (tests/fixtures/apiserver: cel-cases.yaml, and cel-answers.json written by capture.ts with
// `kubectl apply --dry-run=server` against the CRD of this checkout). crd.test.ts pairs every rule
// with a twin by location and message; this holds them to the API server's verdicts — the IP/CIDR
// library's reading of addresses and the quantity rules included. Every case passes the OpenAPI
// schema, so the API server ran every rule and reported every CEL failure.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { CEL_RULES, validateCNFDeployment } from '../../lib/validate.ts';

interface Issue {
  path: string;
  message: string;
}
const dir = new URL('../fixtures/apiserver/', import.meta.url);
const cases = parse(readFileSync(new URL('cel-cases.yaml', dir), 'utf8')) as Array<{
  name: string;
  spec: unknown;
}>;
const { apiserver, answers } = JSON.parse(readFileSync(new URL('cel-answers.json', dir), 'utf8')) as {
  apiserver: string;
  answers: Array<{ name: string; issues: Issue[] }>;
};
const celMessages = new Set(CEL_RULES.map((r) => r.message));
const sorted = (issues: Issue[]): Issue[] =>
  [...issues].sort((a, b) => `${a.path} ${a.message}`.localeCompare(`${b.path} ${b.message}`));

describe(`CEL twins agree with kube-apiserver ${apiserver}`, () => {
  it('has an answer for every case, in order (re-run capture.ts after editing the cases)', () => {
    expect(answers.map((a) => a.name)).toEqual(cases.map((c) => c.name));
  });

  it.each(cases.map((c, i) => [c.name, c.spec, answers[i]?.issues ?? []] as const))(
    '%s',
    (_name, spec, want) => {
      const result = validateCNFDeployment({
        apiVersion: 'nephoran.com/v1',
        kind: 'CNFDeployment',
        metadata: { name: 'cel', namespace: 'default' },
        spec,
      });
      const issues = result.ok ? [] : result.issues;
      // The schema passes (as it did for the API server): only CEL rules speak.
      expect(issues.filter((i) => !celMessages.has(i.message))).toEqual([]);
      expect(sorted(issues.map(({ path, message }) => ({ path, message })))).toEqual(sorted(want));
    },
  );
});

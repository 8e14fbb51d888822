/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- untyped YAML */
// The NetworkIntent CRD YAML is the single source of truth. These tests keep what derives from it
// honest: the generated copy in lib/, the TypeScript twins of its CEL rules, the status schema's
// coverage of lib/intent/types.ts, agreement with the catalog, and docs/intent.md (fields, rules,
// words of the grammar, refused sentences and their messages).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { NETWORK_INTENT_CRD } from '../../lib/generated/networkintent-crd.ts';
import { generateIntent, INTENT_OUT_PATH } from '../../scripts/gen-schema.ts';
import { FUNCTIONS } from '../../lib/catalog.ts';
import { crdSchema } from '../../lib/validate.ts';
import { INTENT_CEL_RULES, validateIntentStatus, validateNetworkIntent } from '../../lib/intent/validate.ts';
import { ACCEPTS, parseIntent } from '../../lib/intent/grammar.ts';
import * as lexicon from '../../lib/intent/lexicon.ts';
import { PROFILE_NAMES, PROFILES, SIZES } from '../../lib/intent/sizing.ts';
import type { NetworkIntentStatus } from '../../lib/intent/types.ts';

type Obj = Record<string, any>;
const root = fileURLToPath(new URL('../..', import.meta.url));
const yamlCrd = parse(readFileSync(`${root}manifests/crd/networkintents.nephoran.com.yaml`, 'utf8')) as Obj;
const version = (yamlCrd.spec.versions as Obj[])[0]!;
const schema: Obj = crdSchema(yamlCrd);
const spec = schema.properties.spec as Obj;
const item = spec.properties.functions.items as Obj;
const doc = readFileSync(`${root}docs/intent.md`, 'utf8');

function collectRules(s: Obj, at = ''): Array<Obj & { at: string }> {
  const out: Array<Obj & { at: string }> = [];
  for (const r of (s['x-kubernetes-validations'] ?? []) as Obj[]) out.push({ ...r, at });
  for (const [k, v] of Object.entries((s.properties ?? {}) as Obj))
    out.push(...collectRules(v as Obj, at ? `${at}.${k}` : k));
  if (s.items) out.push(...collectRules(s.items as Obj, `${at}[]`));
  return out;
}

function fieldPaths(s: Obj, path: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries((s.properties ?? {}) as Obj)) {
    out.push(`${path}.${k}`, ...fieldPaths(v as Obj, `${path}.${k}`));
    if ((v as Obj).items?.properties) out.push(...fieldPaths((v as Obj).items as Obj, `${path}.${k}[]`));
  }
  return out;
}

describe('CRD manifests/crd/networkintents.nephoran.com.yaml', () => {
  it('is the CRD the code uses: lib/generated/networkintent-crd.ts equals the YAML (npm run gen:schema)', async () => {
    expect(NETWORK_INTENT_CRD).toEqual(yamlCrd);
    expect(readFileSync(INTENT_OUT_PATH, 'utf8')).toBe(await generateIntent());
  });

  it('is a namespaced v1 CRD with short name ni, a status subresource and the promised columns', () => {
    expect(yamlCrd.metadata.name).toBe('networkintents.nephoran.com');
    expect(yamlCrd.spec).toMatchObject({
      group: 'nephoran.com',
      scope: 'Namespaced',
      names: {
        kind: 'NetworkIntent',
        plural: 'networkintents',
        singular: 'networkintent',
        shortNames: ['ni'],
      },
    });
    expect(version).toMatchObject({ name: 'v1', served: true, storage: true, subresources: { status: {} } });
    const columns = (version.additionalPrinterColumns as Obj[]).map((c) => [c.name, c.jsonPath]);
    expect(columns).toEqual([
      ['Phase', '.status.phase'],
      ['Ready', '.status.ready'],
      ['Age', '.metadata.creationTimestamp'],
      ['Intent', '.spec.intent'],
    ]);
  });

  it('agrees with the catalog and the planner on functions, profiles and sizes', () => {
    expect(item.properties.function.enum).toEqual([...FUNCTIONS]);
    expect(spec.properties.profile.enum).toEqual(PROFILE_NAMES);
    expect(spec.properties.size.enum).toEqual(SIZES);
    expect(item.properties.size.enum).toEqual(SIZES);
    for (const profile of PROFILE_NAMES)
      expect(spec.properties.profile.description).toContain(PROFILES[profile].join(', '));
  });

  it('bounds every array and string a CEL rule iterates (API server cost limits)', () => {
    expect(spec.properties.functions.maxItems).toBe(32);
    expect(item.properties.function.maxLength).toBeGreaterThan(0);
    expect(item.properties.name.maxLength).toBe(22);
    // <intent (≤ 40)>-<name (≤ 22)> is a CNFDeployment name of at most 63 characters.
    expect(40 + 1 + item.properties.name.maxLength).toBeLessThanOrEqual(63);
    const longest = Math.max(...FUNCTIONS.map((f) => f.length));
    expect(40 + 1 + longest).toBeLessThanOrEqual(63);
  });

  describe('CEL rules', () => {
    const rules = collectRules(schema);

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

    it('every CRD rule has a TypeScript twin in lib/intent/validate.ts and vice versa', () => {
      const inCrd = rules.map((r) => `${r.at} | ${r.message as string}`).sort();
      const inTs = INTENT_CEL_RULES.map((r) => `${r.at} | ${r.message}`).sort();
      expect(inTs).toEqual(inCrd);
      expect(rules.some((r) => String(r.rule).includes('oldSelf'))).toBe(false);
    });
  });

  it('validation: schema problems by field path, an intent of either form passes', () => {
    const base = { apiVersion: 'nephoran.com/v1', kind: 'NetworkIntent', metadata: { name: 'x' } };
    expect(validateNetworkIntent({ ...base, spec: { intent: 'Deploy AMF' } }).ok).toBe(true);
    expect(validateNetworkIntent({ ...base, spec: { profile: 'ran-site', site: 'a' } }).ok).toBe(true);
    expect(validateNetworkIntent(null)).toEqual({
      ok: false,
      issues: [{ path: '', message: 'must be an object' }],
    });
    expect(
      validateNetworkIntent({ kind: 'CNFDeployment', spec: { intent: '', extra: 1, functions: [] } }),
    ).toEqual({
      ok: false,
      issues: [
        { path: 'apiVersion', message: 'must be nephoran.com/v1' },
        { path: 'kind', message: 'must be NetworkIntent' },
        { path: 'metadata', message: 'is required' },
        { path: 'spec.extra', message: 'unknown field' },
        { path: 'spec.intent', message: 'must be at least 1 characters long' },
        { path: 'spec.functions', message: 'must have at least 1 items' },
        {
          path: 'spec.intent',
          message:
            'intent cannot be combined with functions or profile (write the sentence or the structured form, not both)',
        },
      ],
    });
    expect(validateNetworkIntent({ ...base, metadata: {} }).ok).toBe(false);
    const wrongType = validateNetworkIntent({ ...base, spec: { functions: [{ function: 7 }] } });
    expect(wrongType.ok ? [] : wrongType.issues).toContainEqual({
      path: 'spec.functions[0].function',
      message: 'must be a string',
    });
  });

  describe('status schema', () => {
    type Full<T> =
      T extends Array<infer U> ? Array<Full<U>> : T extends object ? { [K in keyof T]-?: Full<T[K]> } : T;
    const full: Full<NetworkIntentStatus> = {
      phase: 'Active',
      observedGeneration: 2,
      ready: '1/1',
      functions: [
        {
          name: 'x-amf',
          function: 'AMF',
          replicas: 2,
          readyReplicas: 2,
          phase: 'Active',
          ready: true,
          message: 'm',
        },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AllFunctionsActive',
          message: 'ok',
          lastTransitionTime: 't',
          observedGeneration: 2,
        },
      ],
    };

    it('covers every field of NetworkIntentStatus, so no status write is pruned', () => {
      expect(validateIntentStatus(full)).toEqual([]);
      expect(validateIntentStatus({ ...full, extra: 1, phase: 'Dancing' })).toEqual([
        { path: 'status.extra', message: 'unknown field' },
        {
          path: 'status.phase',
          message: 'must be one of Pending, Progressing, Active, Degraded, Failed, Terminating',
        },
      ]);
    });
  });
});

describe('docs/intent.md', () => {
  it('documents every field of the CRD and every CEL rule', () => {
    for (const path of [
      ...fieldPaths(spec, 'spec'),
      ...fieldPaths(schema.properties.status as Obj, 'status'),
    ]) {
      if (path.startsWith('status.conditions[].')) continue; // the usual condition fields
      expect([path, doc.includes(`\`${path}\``)]).toEqual([path, true]);
    }
    for (const r of collectRules(schema))
      expect([r.message, doc.includes(r.message)]).toEqual([r.message, true]);
  });

  it('lists every word of the grammar', () => {
    const words = [
      ...lexicon.VERBS,
      ...lexicon.REFUSED_VERBS,
      ...lexicon.FILLERS,
      ...lexicon.REPLICA_WORDS,
      ...lexicon.MEMORY_WORDS,
      ...Object.keys(lexicon.NUMBER_WORDS).filter((w) => w === 'zero' || w === 'ten'),
      ...Object.keys(lexicon.SIZE_WORDS),
      ...Object.keys(lexicon.FUNCTION_ALIASES),
      ...Object.keys(lexicon.PROFILE_PHRASES),
      'cpu',
      'cores',
      'vcpus',
    ];
    const text = doc.toLowerCase().replace(/\s+/g, ' ');
    for (const w of words) expect([w, text.includes(w)]).toEqual([w, true]);
  });

  /** Rows of the markdown table under `heading`: cells trimmed, backticks removed. */
  function rows(heading: string): string[][] {
    const start = doc.indexOf(`### ${heading}`);
    expect(start).toBeGreaterThanOrEqual(0);
    const lines = doc.slice(start).split('\n').slice(1);
    const table = lines.slice(lines.findIndex((l) => l.startsWith('|')));
    const body = table.slice(
      2,
      table.findIndex((l) => !l.startsWith('|')),
    );
    return body.map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, '')),
    );
  }

  it('every accepted sentence is accepted', () => {
    const accepted = rows('Accepted sentences');
    expect(accepted.length).toBeGreaterThan(8);
    for (const [sentence] of accepted)
      expect([sentence, parseIntent(sentence!, { namespace: 'default' }).ok]).toEqual([sentence, true]);
  });

  it('every refused sentence is refused with the message shown', () => {
    const refused = rows('Refused sentences');
    expect(refused.length).toBeGreaterThan(8);
    for (const [sentence, message] of refused) {
      const r = parseIntent(sentence!, { namespace: 'default' });
      expect(r.ok).toBe(false);
      const got = r.ok ? '' : r.problems[0]!;
      if (message!.endsWith('…')) {
        expect(got.startsWith(message!.slice(0, -1))).toBe(true);
        expect(got.endsWith(ACCEPTS)).toBe(true);
      } else {
        expect(got).toBe(message);
      }
    }
  });
});

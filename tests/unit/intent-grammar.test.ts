// The intent grammar (lib/intent/grammar.ts): accepted sentences and what they mean, refused ones
// with their exact messages, and properties (never throws, deterministic, generated sentences mean
// what they say). docs/intent.md documents the same sentences.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ACCEPTS, parseIntent, tokenize } from '../../lib/intent/grammar.ts';
import { FUNCTIONS } from '../../lib/catalog.ts';
import { PROFILES } from '../../lib/intent/sizing.ts';
import type { FunctionTemplate } from '../../lib/intent/types.ts';

const parse = (s: string): ReturnType<typeof parseIntent> => parseIntent(s, { namespace: 'default' });

function accepted(s: string): { functions: FunctionTemplate[]; site?: string } {
  const r = parse(s);
  if (!r.ok) throw new Error(`refused ${JSON.stringify(s)}: ${r.problems.join(' | ')}`);
  return r.value;
}

function refused(s: string): string[] {
  const r = parse(s);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(s)}: ${JSON.stringify(r.value)}`);
  return r.problems;
}

const core = (overrides: Record<string, Partial<FunctionTemplate>> = {}): FunctionTemplate[] =>
  PROFILES['minimal-5g-core'].map((fn) => ({ function: fn, ...overrides[fn] }));

describe('accepted sentences', () => {
  it.each<[string, FunctionTemplate[]]>([
    ['Deploy AMF with 3 replicas', [{ function: 'AMF', replicas: 3 }]],
    ['deploy amf', [{ function: 'AMF' }]],
    ['Deploy an AMF.', [{ function: 'AMF' }]],
    ['Scale AMF to 5 replicas', [{ function: 'AMF', replicas: 5 }]],
    ['Scale the AMF to 5', [{ function: 'AMF', replicas: 5 }]],
    ['Deploy 3 AMFs', [{ function: 'AMF', replicas: 3 }]],
    ['Deploy 3 x AMF', [{ function: 'AMF', replicas: 3 }]],
    [
      'Deploy 3x AMF and UPF x2',
      [
        { function: 'AMF', replicas: 3 },
        { function: 'UPF', replicas: 2 },
      ],
    ],
    ['Deploy three replicas of the AMF', [{ function: 'AMF', replicas: 3 }]],
    ['Deploy AMF with zero replicas', [{ function: 'AMF', replicas: 0 }]],
    [
      'Deploy AMF, SMF and UPF with 2 replicas each',
      [
        { function: 'AMF', replicas: 2 },
        { function: 'SMF', replicas: 2 },
        { function: 'UPF', replicas: 2 },
      ],
    ],
    [
      'Deploy AMF with 3 replicas and SMF with 2 replicas',
      [
        { function: 'AMF', replicas: 3 },
        { function: 'SMF', replicas: 2 },
      ],
    ],
    [
      'Deploy AMF with 3 replicas, 2 cpu and 4Gi memory',
      [{ function: 'AMF', replicas: 3, resources: { requests: { cpu: '2', memory: '4Gi' } } }],
    ],
    [
      'Deploy the access and mobility management function with 1.5 cores and 4 GB of RAM',
      [{ function: 'AMF', resources: { requests: { cpu: '1.5', memory: '4Gi' } } }],
    ],
    [
      'Deploy NRF with 500m cpu and memory 512Mi',
      [{ function: 'NRF', resources: { requests: { cpu: '500m', memory: '512Mi' } } }],
    ],
    ['Deploy NRF with cpu 2', [{ function: 'NRF', resources: { requests: { cpu: '2' } } }]],
    ['Deploy 2 large UPFs', [{ function: 'UPF', replicas: 2, size: 'large' }]],
    ['Deploy UPF, medium', [{ function: 'UPF', size: 'medium' }]],
    [
      'Deploy a large user plane function and a small SMF',
      [
        { function: 'UPF', size: 'large' },
        { function: 'SMF', size: 'small' },
      ],
    ],
    ['Bring up the DU and the CU-CP', [{ function: 'O-DU' }, { function: 'O-CU-CP' }]],
    ['Deploy a near-RT RIC with 2 xApps', [{ function: 'Near-RT-RIC' }, { function: 'xApp', replicas: 2 }]],
    ['Deploy a minimal 5G core', core()],
    [
      'Deploy a 5G core with 2 replicas',
      core(Object.fromEntries(PROFILES['minimal-5g-core'].map((f) => [f, { replicas: 2 }]))),
    ],
    ['Deploy a 5G core and AMF with 3 replicas', core({ AMF: { replicas: 3 } })],
    [
      'Deploy AMF with 3 replicas and a 5G core with 2 replicas',
      [
        { function: 'AMF', replicas: 3 },
        ...PROFILES['minimal-5g-core'].filter((f) => f !== 'AMF').map((f) => ({ function: f, replicas: 2 })),
      ],
    ],
    [
      'Deploy a large 5G core',
      core(Object.fromEntries(PROFILES['minimal-5g-core'].map((f) => [f, { size: 'large' as const }]))),
    ],
    ['Deploy a RAN site', [{ function: 'O-CU-CP' }, { function: 'O-CU-UP' }, { function: 'O-DU' }]],
    ['Deploy AMF in namespace default', [{ function: 'AMF' }]],
    ['please roll out the (session management function)!', [{ function: 'SMF' }]],
  ])('%s', (sentence, functions) => {
    expect(accepted(sentence).functions).toEqual(functions);
  });

  it('reads the site', () => {
    expect(accepted('Deploy a minimal 5G core at site edge-1')).toEqual({
      functions: core(),
      site: 'edge-1',
    });
    expect(accepted('Deploy AMF on site Edge-1 and SMF at site edge-1').site).toBe('edge-1');
  });

  it('lists the functions in the order the sentence names them, profile functions in profile order', () => {
    expect(accepted('Deploy UPF and a RAN site and AMF').functions.map((f) => f.function)).toEqual([
      'UPF',
      'O-CU-CP',
      'O-CU-UP',
      'O-DU',
      'AMF',
    ]);
  });
});

describe('refused sentences', () => {
  it('lists every word it did not understand, suggests near misses, and says what it accepts', () => {
    expect(refused('Deploy a flux capacitor with 3 replicas')).toEqual([
      `did not understand "flux", "capacitor". ${ACCEPTS}`,
    ]);
    expect(refused('Deploy AMFX and SMF')).toEqual([
      `did not understand "AMFX" (did you mean AMF?). ${ACCEPTS}`,
    ]);
    expect(refused('Deplyo AMF with 3 replcas')).toEqual([
      `did not understand "Deplyo" (did you mean deploy?), "replcas" (did you mean replicas?). ${ACCEPTS}`,
    ]);
    expect(ACCEPTS).toContain('docs/intent.md');
  });

  it.each<[string, string]>([
    ['', `names no network function or profile. ${ACCEPTS}`],
    ['Deploy', `names no network function or profile. ${ACCEPTS}`],
    [
      'Deploy 3 replicas',
      '"3 replicas" comes before any function: write "AMF with 3 replicas" or "3 replicas of AMF"',
    ],
    [
      'Deploy AMF with 3',
      '"3": a number must say what it counts, e.g. "3 replicas", "2 cpu", "4Gi memory" or "3 AMFs"',
    ],
    ['Deploy AMF with 200 replicas', '"200 replicas": replicas must be a whole number from 0 to 100'],
    ['Deploy AMF with 2.5 replicas', '"2.5 replicas": replicas must be a whole number from 0 to 100'],
    ['Deploy AMF with 4 memory', '"4 memory": memory needs a unit, e.g. "4Gi memory" or "512Mi memory"'],
    ['Deploy AMF with memory', '"memory" needs an amount with a unit, e.g. "4Gi memory"'],
    ['Deploy AMF with cpu 4Gi', '"cpu" needs an amount, e.g. "2 cpu"'],
    [
      'Deploy AMF and AMF',
      'AMF is named twice ("AMF" and "AMF"): name each function once, with all its settings (spec.functions can deploy a function more than once)',
    ],
    ['Deploy 2 AMFs with 3 replicas', 'AMF: replicas given twice ("2" and "3 replicas")'],
    ['Deploy a 5G core and a minimal core', '"minimal core": the profile minimal-5g-core is named twice'],
    [
      'Delete the AMF',
      '"Delete": an intent says what should run; leave a function out of the intent to remove it, or delete the NetworkIntent to remove them all',
    ],
    [
      'Tear down the AMF',
      '"Tear down": an intent says what should run; leave a function out of the intent to remove it, or delete the NetworkIntent to remove them all',
    ],
    [
      'Deploy AMF in namespace prod',
      'namespace "prod": a NetworkIntent creates its CNFDeployments in its own namespace "default"; apply it in namespace "prod" instead',
    ],
    ['Deploy AMF in namespace', '"namespace" must be followed by a namespace name'],
    [
      'Deploy AMF at site',
      '"site" must be followed by the site\'s name, a DNS label such as edge-1 (got nothing)',
    ],
    [
      'Deploy AMF at site edge_1',
      '"site" must be followed by the site\'s name, a DNS label such as edge-1 (got "edge_1")',
    ],
    ['Deploy AMF at site a and SMF at site b', 'two sites: "a" and "b"; an intent belongs to one site'],
  ])('%j', (sentence, message) => {
    expect(refused(sentence)).toEqual([message]);
  });

  it('reports every problem of a sentence, in order', () => {
    expect(refused('Deploy AMF and AMF with 200 replicas in namespace prod')).toEqual([
      expect.stringContaining('AMF is named twice'),
      '"200 replicas": replicas must be a whole number from 0 to 100',
      expect.stringContaining('namespace "prod"'),
    ]);
  });
});

describe('tokenizer', () => {
  it('splits on spaces and punctuation, keeps hyphenated words and quantities, lower-cases', () => {
    expect(tokenize('Deploy O-DU, 3x AMF (4Gi); "SMF".').map((t) => t.word)).toEqual([
      'deploy',
      'o-du',
      ',',
      '3',
      'x',
      'amf',
      '4gi',
      ',',
      'smf',
    ]);
  });
});

describe('properties', () => {
  it('never throws, and answers the same sentence the same way', () => {
    const words = fc.constantFrom(
      'deploy',
      'AMF',
      'smf',
      'with',
      '3',
      'replicas',
      'x',
      'large',
      '4Gi',
      'memory',
      'cpu',
      'site',
      'edge-1',
      'namespace',
      'default',
      'and',
      ',',
      '5G',
      'core',
      'delete',
      'of',
      'to',
      'foo',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.array(words, { maxLength: 30 }).map((w) => w.join(' ')),
        ),
        (s) => {
          const a = parse(s);
          expect(parse(s)).toEqual(a);
          if (!a.ok) {
            expect(a.problems.length).toBeGreaterThan(0);
            for (const p of a.problems) expect(typeof p).toBe('string');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a generated "Deploy F1 with N1 replicas and F2 with N2 replicas …" means exactly that', () => {
    const clause = fc.record({
      fn: fc.constantFrom(...FUNCTIONS),
      replicas: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      size: fc.option(fc.constantFrom('small' as const, 'medium' as const, 'large' as const), {
        nil: undefined,
      }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(clause, { minLength: 1, maxLength: 6, selector: (c) => c.fn }),
        (clauses) => {
          const sentence =
            'Deploy ' +
            clauses
              .map((c) => {
                const mods = [
                  ...(c.replicas === undefined ? [] : [`${c.replicas} replicas`]),
                  ...(c.size === undefined ? [] : [c.size]),
                ];
                return mods.length === 0 ? c.fn : `${c.fn} with ${mods.join(' and ')}`;
              })
              .join(' and ');
          // Functions without modifiers join the next function's group: the generator keeps them apart.
          const grouped = clauses.every(
            (c, i) => i === clauses.length - 1 || c.replicas !== undefined || c.size !== undefined,
          );
          fc.pre(grouped);
          expect(accepted(sentence).functions).toEqual(
            clauses.map((c) => ({
              function: c.fn,
              ...(c.replicas === undefined ? {} : { replicas: c.replicas }),
              ...(c.size === undefined ? {} : { size: c.size }),
            })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

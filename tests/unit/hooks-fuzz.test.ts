/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- JSON requests */
// Fuzz: valid CNFDeployments mutated at every spec path (wrong types, huge and deep values,
// prototype-member keys, "__proto__", unicode, empty strings, nulls, removals) and random statuses
// of every shape the CRD's status schema admits, sent to POST /sync (and /finalize) through the app,
// and specs to the CLI in-process (every third of the fixed list, all random combinations: its YAML
// parser is the slow part). Asserted for each: no answer ≥ 500; a 200 whose answer Metacontroller
// takes and whose status the API server accepts; a spec the validator refuses gets phase Failed with
// its field paths in status.lastError.fields (the first 64: what the CRD lets that list hold), and
// `nephoran-cnf render` exits 2 naming every path; a 400 only for an envelope that is not
// Metacontroller-shaped (a spec that is not an object). One line of figures is printed at the end,
// for the docs to quote. Deterministic: a fixed list of mutations for every path, then fast-check
// with a fixed seed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { issuesForStatus } from '../../lib/errors.ts';
import { crdSchema, validateCNFDeployment, validateStatus } from '../../lib/validate.ts';
import { CRD } from '../../lib/generated/crd.ts';
import { ALLOWED_FINALIZE_KEYS, ALLOWED_SYNC_KEYS, NOW, type Json } from './hooks.helpers.ts';
import { jsonText } from '../../lib/json.ts';
import {
  bases,
  cliRender,
  copy,
  postJson,
  makeHostileApp,
  nested,
  setKey,
  syncRequest,
  type HostileApp,
} from './hostile.helpers.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork();

const SEED = 20261130;
const STATUS_RUNS = 300;
const COMBINED_RUNS = 300;
const CLI_EVERY = 3;

type Path = Array<string | number>;

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Values put at a path in place of what the valid spec holds. */
const VALUES: Array<[string, () => unknown]> = [
  ['zero', () => 0],
  ['negative', () => -1],
  ['fraction', () => 1.5],
  ['huge number', () => 1e308],
  ['unsafe integer', () => 2 ** 53 + 1],
  ['true', () => true],
  ['null', () => null],
  ['empty string', () => ''],
  ['string', () => 'x'],
  ['huge string', () => 'x'.repeat(100_000)],
  ['emoji, bidi and zero-width', () => '😀\u202Eevil\u200B'],
  ['NUL', () => 'a\u0000b'],
  ['lone surrogate', () => '\uD800'],
  ['empty list', () => []],
  ['mixed list', () => [1, 'a', null, {}]],
  ['1000 items', () => Array.from({ length: 1000 }, (_, i) => i)],
  ['empty object', () => ({})],
  ['object', () => ({ a: 1 })],
  ['1000 keys', () => Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]))],
  ['33 levels', () => nested(33)],
  ['1000 levels', () => nested(1000)],
  ['10000 levels', () => nested(10_000)],
  ['1000 levels of lists', () => nested(1000, 'list')],
  ['prototype-polluting object', () => JSON.parse('{"__proto__": {"polluted": true}}') as unknown],
];

/** Keys added to every object of the spec. */
const KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  '',
  '😀',
  'a.b',
  'k'.repeat(10_000),
];
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor']);
const KEY_VALUES: Array<[string, () => unknown]> = [
  ['string', () => '1'],
  ['prototype', () => ({ prototype: { polluted: true } })],
];

interface Case {
  what: string;
  parent: Json;
}

/** Every path of a JSON value (objects and lists) down to 12 levels, the root first. */
function pathsOf(value: unknown): Path[] {
  const out: Path[] = [];
  const stack: Array<[unknown, Path]> = [[value, []]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, at] = top;
    out.push(at);
    if (at.length >= 12 || typeof v !== 'object' || v === null) continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v);
    for (const [k, x] of entries.reverse()) stack.push([x, [...at, k]]);
  }
  return out;
}

const show = (path: Path): string => ['spec', ...path].join('.');

function get(root: Json, path: Path): Json {
  return path.reduce((node: Json, k) => node[k], root);
}

/** The parent with the spec value at `path` replaced (or removed, for `undefined`). */
function withValue(parent: Json, path: Path, value: unknown): Json {
  const p = copy(parent);
  if (path.length === 0) {
    p.spec = value;
    return p;
  }
  const holder = get(p.spec, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(holder)) holder.splice(key as number, 1);
    else delete holder[key];
  } else setKey(holder, key, value);
  return p;
}

const FREE_FORM = new Set(['configuration', 'createSchema', 'policy']);

/**
 * Whether the costly values are worth trying here (the run stays within seconds): 10,000 levels and
 * deep lists at the spec's own fields and the free-form ones (1,000 levels of objects everywhere else
 * already shows a typed field stops at its type), 1,000 keys where the spec holds an object and
 * 1,000 items where it holds a list (elsewhere they are just another "object" or "mixed list").
 */
function worthIt(kind: string, path: Path, node: unknown): boolean {
  if (kind === '10000 levels' || kind === '1000 levels of lists')
    return path.length <= 1 || FREE_FORM.has(String(path[path.length - 1]));
  if (kind === '1000 keys') return isObject(node);
  if (kind === '1000 items') return Array.isArray(node);
  return true;
}

function exhaustiveCases(): Case[] {
  const cases: Case[] = [];
  for (const { name, parent } of bases()) {
    for (const path of pathsOf(parent.spec)) {
      const node = get(parent.spec, path);
      const where = `${name} ${show(path)}`;
      if (path.length > 0)
        cases.push({ what: `${where} removed`, parent: withValue(parent, path, undefined) });
      for (const [kind, value] of VALUES) {
        if (!worthIt(kind, path, node)) continue;
        cases.push({ what: `${where} = ${kind}`, parent: withValue(parent, path, value()) });
      }
      if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
        for (const key of KEYS) {
          // A value of its own only where a prototype member would be replaced.
          for (const [kind, value] of KEY_VALUES.slice(0, PROTOTYPE_KEYS.has(key) ? undefined : 1)) {
            const p = copy(parent);
            setKey(get(p.spec, path), key, value());
            cases.push({ what: `${where}[${JSON.stringify(key.slice(0, 20))}] = ${kind}`, parent: p });
          }
        }
      }
    }
  }
  return cases;
}

// ---- checking one request ---------------------------------------------------------------------------

const tally = {
  requests: 0,
  byCode: new Map<number, number>(),
  crashes: [] as string[],
  failures: [] as string[],
  cli: 0,
  cliByCode: new Map<number | string, number>(),
};
const count = <K>(m: Map<K, number>, k: K): void => void m.set(k, (m.get(k) ?? 0) + 1);

/** What the hook sees of a parent: JSON, a null spec as {}. */
function asSeen(parent: Json): Json {
  const p = copy(parent);
  if (p.spec === null || p.spec === undefined) p.spec = {};
  return p;
}

async function check(h: HostileApp, c: Case, route: '/sync' | '/finalize' = '/sync'): Promise<void> {
  const res = await postJson(h.app, route, syncRequest(c.parent));
  tally.requests++;
  count(tally.byCode, res.statusCode);
  const fail = (why: string): void => void tally.failures.push(`${c.what} (${route}): ${why}`);
  if (res.statusCode >= 500) {
    tally.crashes.push(`${c.what} (${route}): ${res.statusCode} ${res.body.slice(0, 200)}`);
    return;
  }
  const envelopeOk = c.parent.spec === null || isObject(c.parent.spec);
  if (!envelopeOk) {
    if (res.statusCode !== 400) fail(`envelope not Metacontroller-shaped: want 400, got ${res.statusCode}`);
    return;
  }
  if (res.statusCode !== 200) return fail(`want 200, got ${res.statusCode}: ${res.body.slice(0, 200)}`);
  const body = res.json<Json>();
  const allowed = route === '/sync' ? ALLOWED_SYNC_KEYS : ALLOWED_FINALIZE_KEYS;
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length > 0) fail(`answer keys Metacontroller refuses: ${extra.join(', ')}`);
  const statusIssues = validateStatus(body.status);
  if (statusIssues.length > 0) fail(`status the API server refuses: ${JSON.stringify(statusIssues)}`);
  if (route !== '/sync') return;
  const v = validateCNFDeployment(asSeen(c.parent));
  if (v.ok) return;
  // Every issue's path, up to the 64 paths status.lastError.fields may hold.
  const want = issuesForStatus(v.issues).fields;
  const fields: unknown = body.status.lastError?.fields;
  if (body.status.phase !== 'Failed') fail(`refused spec: phase ${body.status.phase}, want Failed`);
  if (JSON.stringify(fields) !== JSON.stringify(want))
    fail(`refused spec: status.lastError.fields ${JSON.stringify(fields)}, want ${JSON.stringify(want)}`);
}

function checkCli(c: Case): void {
  const cnf = copy(c.parent);
  delete cnf.status;
  const text = jsonText(cnf);
  tally.cli++;
  let out;
  try {
    out = cliRender(text);
  } catch (e) {
    count(tally.cliByCode, 'threw');
    tally.crashes.push(`${c.what} (CLI): threw ${(e as Error).message}`);
    return;
  }
  count(tally.cliByCode, out.code);
  const v = validateCNFDeployment(JSON.parse(text));
  if (v.ok) {
    if (out.code !== 0 && out.code !== 2) tally.failures.push(`${c.what} (CLI): exit ${out.code}`);
    return;
  }
  if (out.code !== 2) tally.failures.push(`${c.what} (CLI): refused spec, exit ${out.code}, want 2`);
  for (const issue of v.issues) {
    if (!out.stderr.includes(`  ${issue.path || '(root)'}: `))
      tally.failures.push(`${c.what} (CLI): stderr misses ${issue.path}`);
  }
}

// ---- statuses of every shape the CRD admits -------------------------------------------------------

const TIMES = [
  '2026-02-16T10:00:00Z',
  '2026-02-16T09:59:00.000Z',
  '9999-12-31T23:59:59Z',
  '1970-01-01T00:00:00Z',
];

/** Values of one status schema node: any subset of an object's fields, strings of every sort. */
function statusArb(schema: Json, lastHealthySpecs: Json[]): fc.Arbitrary<unknown> {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && schema.properties === undefined) {
    return fc.oneof(
      fc.constantFrom(...lastHealthySpecs),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.constant(nested(5000)),
    );
  }
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'string':
      return fc.oneof(fc.constantFrom(...TIMES, '', 'not a time', 'constructor', '__proto__'), fc.string());
    case 'integer':
      return fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(2 ** 31, -(2 ** 31), 2 ** 53 - 1));
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(statusArb(schema.items, lastHealthySpecs), { maxLength: 3 });
    case 'object':
      return fc.record(
        Object.fromEntries(
          Object.entries(schema.properties as Record<string, Json>).map(([k, s]) => [
            k,
            statusArb(s, lastHealthySpecs),
          ]),
        ),
        { requiredKeys: [] },
      );
    default:
      throw new Error(`no arbitrary for ${JSON.stringify(schema).slice(0, 80)}`);
  }
}

// ---- the runs -----------------------------------------------------------------------------------------

let h: HostileApp;
beforeAll(async () => {
  h = await makeHostileApp();
});
afterAll(async () => {
  await h.close();
  const codes = (m: Map<number | string, number>): string =>
    [...m]
      .sort(([a], [b]) => String(a).localeCompare(String(b)))
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
  process.stdout.write(
    `\nhooks fuzz: ${tally.requests} requests, answers by code {${codes(tally.byCode)}}; ` +
      `${tally.cli} CLI renders, exits by code {${codes(tally.cliByCode)}}; ` +
      `crashes (answers ≥ 500, CLI throws): ${tally.crashes.length}; failed checks: ${tally.failures.length}\n`,
  );
});

const expectClean = (): void => {
  expect(tally.crashes.slice(0, 3).map((c) => c.slice(0, 600))).toEqual([]);
  expect(tally.failures.slice(0, 10)).toEqual([]);
};

describe('fuzz: hostile specs and statuses through POST /sync, /finalize and the CLI', () => {
  it('every spec path of every base, with every mutation: no crash, a field path for every refusal', async () => {
    // The CLI on every third case: its YAML parser reads these specs far slower than the hook.
    for (const [i, c] of exhaustiveCases().entries()) {
      await check(h, c);
      if (i % CLI_EVERY === 0) checkCli(c);
    }
    expectClean();
  }, 120_000);

  it(`random statuses of every shape the CRD status schema admits (${STATUS_RUNS} runs, seed ${SEED})`, async () => {
    const status = (crdSchema(CRD).properties as Json).status;
    const all = bases();
    const specs = all.map((b) => b.parent.spec);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(all.length - 1),
        statusArb(status, specs),
        fc.boolean(),
        async (i, s, deleting) => {
          const parent = copy(all[i]!.parent);
          parent.status = s;
          if (deleting) parent.metadata.deletionTimestamp = new Date(NOW - 60_000).toISOString();
          const c = { what: `status ${jsonText(s).slice(0, 300)}`, parent };
          await check(h, c, deleting ? '/finalize' : '/sync');
        },
      ),
      { seed: SEED, numRuns: STATUS_RUNS },
    );
    expectClean();
  }, 120_000);

  it(`random combinations of mutations (${COMBINED_RUNS} runs, seed ${SEED})`, async () => {
    const all = bases();
    const mutation = fc.tuple(fc.nat(), fc.nat(VALUES.length + KEYS.length - 1));
    await fc.assert(
      fc.asyncProperty(
        fc.nat(all.length - 1),
        fc.array(mutation, { minLength: 2, maxLength: 4 }),
        async (i, ms) => {
          let parent = copy(all[i]!.parent);
          const what: string[] = [all[i]!.name];
          for (const [p, m] of ms) {
            if (!isObject(parent.spec)) break;
            const paths = pathsOf(parent.spec).filter((path) => path.length > 0);
            const path = paths[p % paths.length]!;
            if (m < VALUES.length) {
              const [kind, value] = VALUES[m]!;
              // Deep values once per case at most: one is enough to be refused.
              if (kind.includes('levels') && what.some((w) => w.includes('levels'))) continue;
              parent = withValue(parent, path, value());
              what.push(`${show(path)} = ${kind}`);
            } else {
              const key = KEYS[m - VALUES.length]!;
              const holder = get(parent.spec, path.slice(0, -1));
              if (!isObject(holder)) continue; // JSON lists have no keys
              setKey(holder, key, '1');
              what.push(`${show(path.slice(0, -1))}[${JSON.stringify(key.slice(0, 20))}]`);
            }
          }
          const c = { what: what.join('; '), parent };
          await check(h, c);
          checkCli(c);
        },
      ),
      { seed: SEED, numRuns: COMBINED_RUNS },
    );
    expectClean();
  }, 120_000);

  it('leaves Object.prototype alone', () => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Json).polluted).toBeUndefined();
  });
});

// The intent grammar: one English sentence → the CNF templates it asks for. Small, deterministic and
// documented in docs/intent.md (every word is in lexicon.ts). The sentence is read left to right:
//
//   - a function name or alias ("AMF", "user plane function") adds that function; a profile phrase
//     ("minimal 5G core") adds each of its functions;
//   - functions named one after another (only fillers such as "and" between) form a group; the
//     modifiers that follow ("with 3 replicas", "2 cpu", "4Gi memory", "large") apply to every
//     function of the group, and the next function named after a modifier starts a new group;
//   - a count or size right before a function ("3 AMFs", "3 replicas of AMF", "a large UPF") applies
//     to that function only, and ends its group (modifiers right after it still apply to it);
//   - "site <name>" labels every function; "namespace <name>" must name the intent's own namespace;
//   - verbs are synonyms (the intent says what should run), fillers are skipped, anything else is a
//     word the grammar did not understand: the sentence is refused with every such word listed.
import { PROFILES, SIZE_FACTORS } from './sizing.ts';
import {
  CPU_WORDS,
  FILLERS,
  FUNCTION_PHRASES,
  MEMORY_UNITS,
  MEMORY_WORDS,
  NAMESPACE_WORD,
  NUMBER_WORDS,
  PROFILE_PHRASES,
  REFUSED_VERBS,
  REPLICA_WORDS,
  SITE_WORD,
  SIZE_WORDS,
  VERBS,
} from './lexicon.ts';
import type { FunctionTemplate, ProfileName, Size } from './types.ts';

export interface ParsedIntent {
  /** The functions in the order the sentence first names them (a profile's in profile order). */
  functions: FunctionTemplate[];
  site?: string;
}

export type ParseResult = { ok: true; value: ParsedIntent } | { ok: false; problems: string[] };

/** What a refusal adds after the words it did not understand. */
export const ACCEPTS =
  'An intent is a sentence such as "Deploy AMF with 3 replicas" or "Deploy a minimal 5G core at site edge-1": ' +
  'network functions by name or alias (AMF, SMF, UPF, NRF, AUSF, UDM, UDR, PCF, NSSF, O-DU, "user plane function", …) ' +
  'or a profile ("minimal 5G core", "RAN site"), optionally with replica counts ("with 3 replicas", "3 AMFs"), ' +
  'sizes (small, medium, large), resources ("2 cpu", "4Gi memory") and a site ("at site edge-1"); ' +
  'docs/intent.md lists every word';

export const MAX_REPLICAS = 100;

interface Token {
  text: string;
  word: string;
}

type Phrase =
  | { kind: 'verb' }
  | { kind: 'refused' }
  | { kind: 'function'; fn: string }
  | { kind: 'profile'; profile: ProfileName };

const PHRASES: ReadonlyMap<string, Phrase> = new Map<string, Phrase>([
  ...VERBS.map((v): [string, Phrase] => [v, { kind: 'verb' }]),
  ...REFUSED_VERBS.map((v): [string, Phrase] => [v, { kind: 'refused' }]),
  ...Object.entries(PROFILE_PHRASES).map(([p, profile]): [string, Phrase] => [
    p,
    { kind: 'profile', profile },
  ]),
  ...[...FUNCTION_PHRASES].map(([p, fn]): [string, Phrase] => [p, { kind: 'function', fn }]),
]);
const LONGEST_PHRASE = Math.max(...[...PHRASES.keys()].map((p) => p.split(' ').length));

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ARTICLES: ReadonlySet<string> = new Set(['a', 'an', 'the']);

export function tokenize(sentence: string): Token[] {
  return sentence
    .replace(/[,;:]/g, ' , ')
    .replace(/[()"'“”‘’`]/g, ' ')
    .split(/\s+/)
    .flatMap((raw): string[] => {
      const t = raw.replace(/[.!?]+$/, '');
      const times = /^(\d+)([x×])$/i.exec(t) ?? /^([x×])(\d+)$/i.exec(t);
      return times ? [times[1]!, times[2]!] : t === '' ? [] : [t];
    })
    .map((text) => ({ text, word: text.toLowerCase() }));
}

/** A number as written: a count, a cpu amount ("500m") or a memory amount ("4Gi", "4 GB"). */
interface Amount {
  kind: 'count' | 'cpu' | 'memory';
  /** Kubernetes quantity text. */
  value: string;
  /** Whole number, when it is one. */
  count?: number;
  text: string;
  tokens: number;
}

function readAmount(tokens: readonly Token[], i: number): Amount | undefined {
  const t = tokens[i];
  if (t === undefined) return undefined;
  const words = NUMBER_WORDS[t.word];
  if (words !== undefined)
    return { kind: 'count', value: String(words), count: words, text: t.text, tokens: 1 };
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(t.word);
  if (!m) return undefined;
  const [, num = '', suffix = ''] = m;
  const count = /^\d+$/.test(num) ? Number(num) : undefined;
  const plain = { value: num, ...(count === undefined ? {} : { count }) };
  if (suffix === '') {
    const unit = tokens[i + 1] === undefined ? undefined : MEMORY_UNITS[tokens[i + 1]!.word];
    if (unit !== undefined) {
      return { kind: 'memory', value: `${num}${unit}`, text: `${t.text} ${tokens[i + 1]!.text}`, tokens: 2 };
    }
    return { kind: 'count', ...plain, text: t.text, tokens: 1 };
  }
  if (suffix === 'm') return { kind: 'cpu', value: `${num}m`, text: t.text, tokens: 1 };
  const unit = MEMORY_UNITS[suffix];
  return unit === undefined ? undefined : { kind: 'memory', value: `${num}${unit}`, text: t.text, tokens: 1 };
}

type Modifier =
  | { kind: 'replicas'; count: number }
  | { kind: 'size'; size: Size }
  | { kind: 'cpu'; value: string }
  | { kind: 'memory'; value: string };

interface Item {
  template: FunctionTemplate;
  /** Named by the sentence itself (not only through a profile), and where. */
  named?: string;
  /** Per modifier kind: the text that set it, and whether it was set through a profile. */
  set: Map<Modifier['kind'], { text: string; viaProfile: boolean }>;
}

interface Member {
  item: Item;
  viaProfile: boolean;
}

class Reader {
  readonly items: Item[] = [];
  readonly problems: string[] = [];
  readonly unknown: string[] = [];
  /** Problems that may only follow from a word not understood (e.g. the count of an unknown word). */
  readonly followUps: string[] = [];
  site: string | undefined;
  private group: Member[] = [];
  /** The current group is a profile's: a function named next starts a group of its own. */
  private groupIsProfile = false;
  private afterModifier = false;
  private pending: Array<{ modifier: Modifier; text: string }> = [];
  private profiles = new Set<ProfileName>();
  private i = 0;
  private readonly tokens: readonly Token[];
  private readonly namespace: string;

  constructor(tokens: readonly Token[], namespace: string) {
    this.tokens = tokens;
    this.namespace = namespace;
  }

  run(): void {
    while (this.i < this.tokens.length) this.step();
  }

  private word(at: number): string | undefined {
    return this.tokens[at]?.word;
  }

  /** The longest phrase starting at `at`, with the number of tokens it spans. */
  private phraseAt(at: number): { phrase: Phrase; tokens: number; text: string } | undefined {
    for (let n = Math.min(LONGEST_PHRASE, this.tokens.length - at); n >= 1; n--) {
      const slice = this.tokens.slice(at, at + n);
      const phrase = PHRASES.get(slice.map((t) => t.word).join(' '));
      if (phrase) return { phrase, tokens: n, text: slice.map((t) => t.text).join(' ') };
    }
    return undefined;
  }

  /** A function or profile is named at `at` (after any articles). */
  private names(at: number): boolean {
    let j = at;
    while (ARTICLES.has(this.word(j) ?? '')) j += 1;
    const p = this.phraseAt(j)?.phrase.kind;
    return p === 'function' || p === 'profile';
  }

  private step(): void {
    const token = this.tokens[this.i]!;
    // Phrases first: "5G core" is a profile, not 5Gi of memory.
    const hit = this.phraseAt(this.i);
    if (hit) {
      this.i += hit.tokens;
      this.onPhrase(hit.phrase, hit.text);
      return;
    }
    const amount = readAmount(this.tokens, this.i);
    if (amount) {
      this.i += amount.tokens;
      this.onAmount(amount);
      return;
    }
    this.i += 1;
    const w = token.word;
    if (Object.hasOwn(SIZE_WORDS, w)) this.onSize(SIZE_WORDS[w]!, token.text);
    else if (CPU_WORDS.includes(w) || MEMORY_WORDS.includes(w)) this.onResourceWord(token);
    else if (w === SITE_WORD) this.onSite(token);
    else if (w === NAMESPACE_WORD) this.onNamespace(token);
    else if (!REPLICA_WORDS.includes(w) && !FILLERS.includes(w)) this.unknown.push(token.text);
  }

  private onPhrase(phrase: Phrase, text: string): void {
    if (phrase.kind === 'function') this.onFunctions([phrase.fn], text, false);
    else if (phrase.kind === 'profile') this.onProfile(phrase.profile, text);
    else if (phrase.kind === 'refused') {
      this.problems.push(
        `"${text}": an intent says what should run; leave a function out of the intent to remove it, or delete the NetworkIntent to remove them all`,
      );
    }
  }

  private onProfile(profile: ProfileName, text: string): void {
    if (this.profiles.has(profile)) {
      this.problems.push(`"${text}": the profile ${profile} is named twice`);
      return;
    }
    this.profiles.add(profile);
    this.onFunctions(PROFILES[profile], text, true);
  }

  private onFunctions(fns: readonly string[], text: string, viaProfile: boolean): void {
    if (this.afterModifier || viaProfile || this.groupIsProfile) {
      this.group = [];
      this.afterModifier = false;
    }
    this.groupIsProfile = viaProfile;
    const members = fns.map((fn) => ({ item: this.itemFor(fn, text, viaProfile), viaProfile }));
    this.group.push(...members);
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) this.apply(members, p.modifier, p.text);
    // "3 AMFs and UPF with 2 replicas": a function with a count or size of its own ends its group.
    if (pending.length > 0) this.afterModifier = true;
  }

  private itemFor(fn: string, text: string, viaProfile: boolean): Item {
    let item = this.items.find((it) => it.template.function === fn);
    if (item === undefined) {
      item = { template: { function: fn }, set: new Map() };
      this.items.push(item);
    } else if (!viaProfile && item.named !== undefined) {
      this.problems.push(
        `${fn} is named twice ("${item.named}" and "${text}"): name each function once, with all its settings (spec.functions can deploy a function more than once)`,
      );
    }
    if (!viaProfile) item.named ??= text;
    return item;
  }

  /** Before a function: applies to the functions named next. After: to the current group. */
  private modify(modifier: Modifier, text: string, before: boolean): void {
    if (before) {
      this.pending.push({ modifier, text });
      return;
    }
    if (this.group.length === 0) {
      this.followUps.push(
        `"${text}" comes before any function: write "AMF with ${text}" or "${text} of AMF"`,
      );
      return;
    }
    this.apply(this.group, modifier, text);
    this.afterModifier = true;
  }

  private apply(members: readonly Member[], modifier: Modifier, text: string): void {
    for (const { item, viaProfile } of members) {
      const before = item.set.get(modifier.kind);
      if (before !== undefined && !before.viaProfile && viaProfile) continue; // a name's own wins
      if (before !== undefined && !before.viaProfile && !viaProfile) {
        this.problems.push(
          `${item.template.function}: ${modifier.kind} given twice ("${before.text}" and "${text}")`,
        );
        continue;
      }
      item.set.set(modifier.kind, { text, viaProfile });
      setModifier(item.template, modifier);
    }
  }

  private onAmount(a: Amount): void {
    if (a.kind === 'memory' || a.kind === 'cpu') {
      this.skip('of');
      const words = a.kind === 'memory' ? MEMORY_WORDS : CPU_WORDS;
      const noun = this.word(this.i);
      if (noun !== undefined && words.includes(noun)) this.i += 1;
      this.modify({ kind: a.kind, value: a.value }, a.text, false);
      return;
    }
    this.onCount(a);
  }

  private onCount(a: Amount): void {
    const next = this.word(this.i);
    const prev = this.word(this.i - a.tokens - 1);
    if (next !== undefined && REPLICA_WORDS.includes(next)) {
      this.i += 1;
      const text = `${a.text} ${this.tokens[this.i - 1]!.text}`;
      const of = this.word(this.i) === 'of' || this.word(this.i) === 'for';
      this.replicas(a, text, of && this.names(this.i + 1));
    } else if (next !== undefined && CPU_WORDS.includes(next)) {
      this.i += 1;
      this.modify({ kind: 'cpu', value: a.value }, `${a.text} ${this.tokens[this.i - 1]!.text}`, false);
    } else if (next !== undefined && MEMORY_WORDS.includes(next)) {
      this.i += 1;
      this.problems.push(`"${a.text} ${next}": memory needs a unit, e.g. "4Gi memory" or "512Mi memory"`);
    } else if (this.namesAfterCount(this.i)) {
      this.replicas(a, a.text, true);
    } else if (prev === 'to' || prev === 'x' || prev === '×' || prev === 'at') {
      this.replicas(a, a.text, false);
    } else {
      this.followUps.push(
        `"${a.text}": a number must say what it counts, e.g. "3 replicas", "2 cpu", "4Gi memory" or "3 AMFs"`,
      );
    }
  }

  /** A function (or a size, then a function) follows, possibly after "x". */
  private namesAfterCount(at: number): boolean {
    let j = at;
    if (this.word(j) === 'x' || this.word(j) === '×') j += 1;
    if (Object.hasOwn(SIZE_WORDS, this.word(j) ?? '')) j += 1;
    return this.names(j);
  }

  private replicas(a: Amount, text: string, before: boolean): void {
    if (a.count === undefined || a.count > MAX_REPLICAS) {
      this.problems.push(`"${text}": replicas must be a whole number from 0 to ${MAX_REPLICAS}`);
      return;
    }
    this.modify({ kind: 'replicas', count: a.count }, text, before);
  }

  private onSize(size: Size, text: string): void {
    this.modify({ kind: 'size', size }, text, this.names(this.i));
  }

  /** "cpu 2", "memory 4Gi" (the amount after the word). */
  private onResourceWord(token: Token): void {
    this.skip('of');
    const a = readAmount(this.tokens, this.i);
    const memory = MEMORY_WORDS.includes(token.word);
    const fits = a !== undefined && (memory ? a.kind === 'memory' : a.kind !== 'memory');
    if (a === undefined || !fits) {
      const example = memory ? '"4Gi memory"' : '"2 cpu"';
      this.problems.push(`"${token.text}" needs an amount${memory ? ' with a unit' : ''}, e.g. ${example}`);
      return;
    }
    this.i += a.tokens;
    const kind = memory ? 'memory' : 'cpu';
    this.modify({ kind, value: a.value }, `${token.text} ${a.text}`, false);
  }

  private onSite(token: Token): void {
    const name = this.tokens[this.i];
    if (name !== undefined) this.i += 1;
    if (name === undefined || !DNS_LABEL.test(name.word) || name.word.length > 63) {
      const got = name === undefined ? 'nothing' : `"${name.text}"`;
      this.problems.push(
        `"${token.text}" must be followed by the site's name, a DNS label such as edge-1 (got ${got})`,
      );
      return;
    }
    if (this.site !== undefined && this.site !== name.word) {
      this.problems.push(`two sites: "${this.site}" and "${name.word}"; an intent belongs to one site`);
      return;
    }
    this.site = name.word;
  }

  private onNamespace(token: Token): void {
    const name = this.tokens[this.i];
    if (name === undefined) {
      this.problems.push(`"${token.text}" must be followed by a namespace name`);
      return;
    }
    this.i += 1;
    if (name.word !== this.namespace) {
      this.problems.push(
        `namespace "${name.text}": a NetworkIntent creates its CNFDeployments in its own namespace "${this.namespace}"; apply it in namespace "${name.text}" instead`,
      );
    }
  }

  private skip(word: string): void {
    if (this.word(this.i) === word) this.i += 1;
  }
}

function setModifier(t: FunctionTemplate, m: Modifier): void {
  switch (m.kind) {
    case 'replicas':
      t.replicas = m.count;
      return;
    case 'size':
      t.size = m.size;
      return;
    case 'cpu':
    case 'memory':
      t.resources = { ...t.resources, requests: { ...t.resources?.requests, [m.kind]: m.value } };
      return;
  }
}

// ---- suggestions --------------------------------------------------------------------------------

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** Single words a misspelling may be meant as, with how to show them. */
const SUGGESTIONS: ReadonlyArray<[string, string]> = [
  ...[...FUNCTION_PHRASES]
    .filter(([p, fn]) => !p.includes(' ') && p === fn.toLowerCase())
    .map(([p, fn]): [string, string] => [p, fn]),
  ...[...VERBS, ...Object.keys(SIZE_FACTORS), ...REPLICA_WORDS, ...CPU_WORDS, ...MEMORY_WORDS]
    .filter((w) => !w.includes(' '))
    .map((w): [string, string] => [w, w]),
];

function suggestion(word: string): string | undefined {
  const w = word.toLowerCase();
  if (w.length < 3) return undefined;
  const limit = w.length <= 4 ? 1 : 2;
  let best: { d: number; show: string } | undefined;
  for (const [candidate, show] of SUGGESTIONS) {
    const d = distance(w, candidate);
    if (d <= limit && (best === undefined || d < best.d)) best = { d, show };
  }
  return best?.show;
}

function unknownProblem(words: readonly string[]): string {
  const listed = [...new Set(words)].map((w) => {
    const s = suggestion(w);
    return s === undefined ? `"${w}"` : `"${w}" (did you mean ${s}?)`;
  });
  return `did not understand ${listed.join(', ')}. ${ACCEPTS}`;
}

/**
 * Parses a sentence. `namespace` is the intent's own: a sentence may name it ("in namespace
 * default") but no other. Problems are whole sentences, in the order found.
 */
export function parseIntent(sentence: string, options: { namespace: string }): ParseResult {
  const reader = new Reader(tokenize(sentence), options.namespace);
  reader.run();
  const problems = [...reader.problems];
  if (reader.unknown.length > 0) problems.unshift(unknownProblem(reader.unknown));
  else problems.push(...reader.followUps);
  if (problems.length === 0 && reader.items.length === 0) {
    problems.push(`names no network function or profile. ${ACCEPTS}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const value: ParsedIntent = { functions: reader.items.map((it) => it.template) };
  if (reader.site !== undefined) value.site = reader.site;
  return { ok: true, value };
}

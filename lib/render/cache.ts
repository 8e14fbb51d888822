// Memoization of renderPackage. Metacontroller resyncs every parent over and over with an unchanged
// spec, and rendering (YAML serialization) is most of what a sync costs; so the packages rendered
// last are kept, keyed by an exact encoding of everything the renderer reads from its input. Still a
// pure function: same input → same output, the cache only skips recomputing it. Callers get their own
// copy of the files map, so nothing they do can change a cached package.
import type { RenderedPackage } from '../types.ts';
import { Lru } from '../lru.ts';
import { sha256Hex } from '../sha256.ts';

/**
 * Packages kept, least recently used evicted: ~6 KiB each for a typical CNF. Enough for one entry per
 * CNF a replica serves, up to this many CNFs; beyond that a round-robin resync misses every time and
 * each sync pays the full render (see docs/performance.md).
 */
export const RENDER_CACHE_ENTRIES = 512;
/** Bound on the characters cached (keys and files): a few large configurations cannot hold more. */
const RENDER_CACHE_CHARS = 16 * 1024 * 1024;
/**
 * Inputs whose exact encoding is longer than this (a big spec.configuration) are keyed by its
 * SHA-256 instead: rendering a large configuration is the one expensive step of a sync (~300 ms for
 * 500 KiB, the YAML emitter), and without a cache entry every resync of that CNF paid it again,
 * stalling the event loop. The cached files are counted in the size bound as usual.
 */
const MAX_KEY_LENGTH = 16 * 1024;

interface Entry {
  key: string;
  pkg: RenderedPackage;
}

const sizeOf = (e: Entry): number =>
  e.key.length + Object.entries(e.pkg.files).reduce((n, [path, text]) => n + path.length + text.length, 0);

const cache = new Lru<Entry>({ maxEntries: RENDER_CACHE_ENTRIES, maxSize: RENDER_CACHE_CHARS, sizeOf });

/**
 * Encodes plain JSON-like data exactly: key order kept (it shows in the output: e.g. ipv4 objects
 * are written as given), -0 ≠ 0, undefined ≠ missing ≠ null, non-finite numbers kept. undefined for
 * anything else (class instances, functions, bigints, ...): such inputs are not cached.
 */
function encode(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'null';
      const parts: string[] = [];
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) {
          const e = encode(item);
          if (e === undefined) return undefined;
          parts.push(e);
        }
        return `[${parts.join(',')}]`;
      }
      if (!isPlainObject(value)) return undefined;
      for (const k of Object.keys(value)) {
        const e = encode((value as Record<string, unknown>)[k]);
        if (e === undefined) return undefined;
        parts.push(`${JSON.stringify(k)}:${e}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

/** An object literal's (or JSON.parse's, or structuredClone's: any realm's) or a null-prototype one. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  if (proto === null || proto === Object.prototype) return true;
  return Object.getPrototypeOf(proto) === null && proto.constructor?.name === 'Object';
}

const copyOf = (pkg: RenderedPackage): RenderedPackage => ({
  files: { ...pkg.files },
  contentHash: pkg.contentHash,
});

/**
 * `render(input)` through the cache. `parts` is everything the renderer reads; inputs that cannot be
 * encoded exactly, or whose encoding is too long, are rendered every time. Errors are not cached.
 */
export function memoized<I>(
  parts: unknown[],
  input: I,
  render: (input: I) => RenderedPackage,
): RenderedPackage {
  const exact = encode(parts);
  if (exact === undefined) return render(input);
  const encoded = exact.length > MAX_KEY_LENGTH ? `sha256:${sha256Hex(exact)}` : exact;
  const hit = cache.get(encoded);
  if (hit !== undefined) return copyOf(hit.pkg);
  const pkg = render(input);
  cache.set(encoded, { key: encoded, pkg });
  return copyOf(pkg);
}

/** Packages currently cached (tests and the benchmark). */
export function renderCacheSize(): number {
  return cache.size;
}

/** Empties the cache (tests; the benchmark's every-request-misses server). */
export function clearRenderCache(): void {
  cache.clear();
}

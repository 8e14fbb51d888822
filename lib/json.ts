// Plain-JSON helpers shared by the pure core: one definition each.

export type JsonObject = Record<string, unknown>;

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A copy with object keys sorted at every level (arrays keep their order), so serialization is
 * deterministic. Without recursion: any nesting JSON.stringify takes is safe.
 */
export function sortKeys(value: unknown): unknown {
  return copyWith(value, Infinity, (keys) => keys.sort()).value;
}

/** JSON with object keys sorted at every level: equal content, equal text, equal hash. */
export function canonicalJson(value: unknown): string {
  return jsonText(sortKeys(value));
}

/**
 * JSON.stringify for data of any depth: V8's serializer recurses on some objects (e.g. maps with
 * many keys) and then overflows the stack some thousands of levels down, where the API server stores
 * 10,000; this one falls back to a serializer without recursion (same text) when that happens.
 */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return stringifyWithoutRecursion(value);
  }
}

const skipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** JSON.stringify's text without recursion (jsonText's fallback; exported for its tests). */
export function stringifyWithoutRecursion(root: unknown): string {
  interface Frame {
    node: object;
    keys: Array<string | number>;
    next: number;
    written: number;
    list: boolean;
  }
  const out: string[] = [];
  const stack: Frame[] = [];
  const write = (raw: unknown, key: string | number, inList: boolean): boolean => {
    let v = raw;
    if (isContainer(v) && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON: (k: string) => unknown }).toJSON(String(key));
    }
    if (skipped(v)) {
      if (inList) out.push('null');
      return inList;
    }
    if (!isContainer(v)) {
      out.push(JSON.stringify(v));
      return true;
    }
    const list = Array.isArray(v);
    out.push(list ? '[' : '{');
    const keys = list ? Array.from((v as unknown[]).keys()) : Object.keys(v);
    stack.push({ node: v, keys, next: 0, written: 0, list });
    return true;
  };
  if (!write(root, '', false)) return JSON.stringify(root); // undefined, like JSON.stringify
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.next >= f.keys.length) {
      out.push(f.list ? ']' : '}');
      stack.pop();
      continue;
    }
    const k = f.keys[f.next++]!;
    const v = (f.node as Record<string | number, unknown>)[k];
    if (!f.list && skipped(v)) continue;
    const mark = out.length;
    if (f.written > 0) out.push(',');
    if (!f.list) out.push(`${JSON.stringify(k)}:`);
    if (write(v, k, f.list)) f.written++;
    else out.length = mark; // toJSON gave nothing: the member is left out
  }
  return out.join('');
}

/** A copy of `obj` without `keys`. */
export function without<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Omit<T, K> {
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}

/** `obj[key]` when `key` is an own property of `obj` (never a member of Object.prototype). */
export function ownValue(obj: unknown, key: string): unknown {
  return isObject(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets an own data property, "__proto__" included (assigning that one would change the prototype). */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object';

/**
 * A deep copy of JSON data without recursion, so any nesting is safe to copy: a container more than
 * `maxDepth` levels below `value` is replaced by null and `cut` is set. Objects are copied key by key
 * as own data properties ("__proto__" and "constructor" stay plain keys).
 */
export function copyJson(value: unknown, maxDepth: number): { value: unknown; cut: boolean } {
  return copyWith(value, maxDepth, (keys) => keys);
}

function copyWith(
  value: unknown,
  maxDepth: number,
  order: (keys: string[]) => string[],
): { value: unknown; cut: boolean } {
  if (!isContainer(value)) return { value, cut: false };
  let cut = false;
  const fresh = (v: object): JsonObject | unknown[] => (Array.isArray(v) ? [] : {});
  const root = fresh(value);
  const stack: Array<[object, JsonObject | unknown[], number]> = [[value, root, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [from, to, depth] = top;
    const put = (k: string | number, v: unknown): void => {
      let out = v;
      if (isContainer(v)) {
        if (depth + 1 > maxDepth) {
          cut = true;
          out = null;
        } else {
          out = fresh(v);
          stack.push([v, out as JsonObject | unknown[], depth + 1]);
        }
      }
      if (Array.isArray(to)) to[k as number] = out;
      else setOwn(to, String(k), out);
    };
    if (Array.isArray(from)) (from as unknown[]).forEach((v, i) => put(i, v));
    else for (const k of order(Object.keys(from))) put(k, (from as JsonObject)[k]);
  }
  return { value: root, cut };
}

/**
 * The path (keys and indexes) of the first container nested more than `maxLevels` levels deep in
 * `value`, which is level 1 itself; breadth-first, without recursion. Undefined when there is none.
 */
export function nestedTooDeep(value: unknown, maxLevels: number): Array<string | number> | undefined {
  if (!isContainer(value)) return undefined;
  let level: Array<[object, Array<string | number>]> = [[value, []]];
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > maxLevels) return level[0]![1];
    const next: Array<[object, Array<string | number>]> = [];
    for (const [node, path] of level) {
      const entries: Array<[string | number, unknown]> = Array.isArray(node)
        ? (node as unknown[]).map((v, i) => [i, v])
        : Object.keys(node).map((k) => [k, (node as JsonObject)[k]]);
      for (const [k, v] of entries) if (isContainer(v)) next.push([v, [...path, k]]);
    }
    level = next;
  }
  return undefined;
}

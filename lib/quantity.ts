// Kubernetes resource quantities ("500m", "2Gi", "1e3", 4) parsed into exact rationals, so that
// lib/validate.ts can mirror the CRD's CEL `quantity(...).compareTo(...)` rules and the renderer can
// keep limits ≥ requests without floating-point surprises.

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?\d+))?$/;

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A non-normalised fraction num/den with den > 0. */
export interface Rational {
  num: bigint;
  den: bigint;
}

/** Parses a quantity; undefined when it is not one (the CRD pattern rejects those). */
export function parseQuantity(q: string | number): Rational | undefined {
  if (typeof q === 'number') {
    if (!Number.isSafeInteger(q)) return undefined;
    return { num: BigInt(q), den: 1n };
  }
  if (typeof q !== 'string') return undefined; // callers may pass values read from unvalidated input
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const [, sign, mantissa, bin, dec, exp] = m;
  const [whole = '', frac = ''] = mantissa!.split('.');
  let num = BigInt((whole || '0') + frac);
  let den = 10n ** BigInt(frac.length);
  if (sign === '-') num = -num;
  let pow10 = 0;
  if (bin) num *= 2n ** BigInt(BINARY[bin]!);
  if (dec) pow10 = DECIMAL[dec]!;
  if (exp) pow10 = Number(exp);
  if (Math.abs(pow10) > 64) return undefined;
  if (pow10 > 0) num *= 10n ** BigInt(pow10);
  if (pow10 < 0) den *= 10n ** BigInt(-pow10);
  return { num, den };
}

/** -1, 0 or 1 like CEL's quantity compareTo; undefined when either side is not a quantity. */
export function compareQuantities(a: string | number, b: string | number): -1 | 0 | 1 | undefined {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (!x || !y) return undefined;
  const l = x.num * y.den;
  const r = y.num * x.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * Resources Kubernetes never overcommits — hugepages-<size> and extended resources <domain>/<name>:
 * a container's request and limit of them must be equal, and a limit is required.
 */
export const notOvercommitted = (name: string): boolean =>
  name.startsWith('hugepages-') || name.includes('/');

// TypeScript twins of the CRD's CEL rules on the data-plane profile (spec.performance), resources
// Kubernetes does not overcommit (hugepages, extended resources) and placement (nodeSelector,
// tolerations). Same messages and field paths as the CRD (tests/unit/crd.test.ts pairs them). User
// keys (resource names, label keys) are read as own properties only. See lib/validate.ts.
import type { CelTwin } from './validate.ts';
import { isObject, ownValue, type JsonObject } from './json.ts';
import { compareQuantities, notOvercommitted } from './quantity.ts';

const obj = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);
const quantity = (v: unknown): string | number | undefined =>
  typeof v === 'string' || typeof v === 'number' ? v : undefined;

/** A DNS-1123 subdomain prefix and '/', optional, then a name: a Kubernetes label key. */
export const LABEL_KEY =
  '([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const LABEL_KEY_NAME = new RegExp(`^${LABEL_KEY}$`);
/** The longest label key: a 253-character prefix, '/', a 63-character name. */
const MAX_LABEL_KEY = 317;

/** Keys of `requests` whose value in `limits` is a different quantity (both present). */
function unequalKeys(requests: JsonObject, limits: JsonObject, only: (key: string) => boolean): string[] {
  return Object.keys(requests).filter((k) => {
    if (!only(k) || !Object.hasOwn(limits, k)) return false;
    const req = quantity(ownValue(requests, k));
    const lim = quantity(ownValue(limits, k));
    const order = req === undefined || lim === undefined ? undefined : compareQuantities(req, lim);
    return order !== undefined && order !== 0;
  });
}

const pinning = (spec: JsonObject): boolean => obj(spec.performance)?.cpuPinning === true;

/** A whole number of CPUs written as one ('4' or 4; not '4000m' or '3.5'): the CRD rule's regex. */
const wholeCpus = (q: unknown): boolean =>
  (typeof q === 'string' || typeof q === 'number') && /^[1-9][0-9]*$/.test(String(q));

const tolerationsOf = (spec: JsonObject): unknown[] => {
  const list = obj(spec.placement)?.tolerations;
  return Array.isArray(list) ? list : [];
};

function perToleration(message: string, field: string, bad: (t: JsonObject) => boolean): CelTwin {
  return {
    at: 'spec.placement.tolerations[]',
    message,
    check: (spec) =>
      tolerationsOf(spec).flatMap((t, i) => {
        const o = obj(t);
        return o && bad(o) ? [`spec.placement.tolerations[${i}].${field}`] : [];
      }),
  };
}

export const DATAPLANE_RULES: readonly CelTwin[] = [
  {
    at: 'spec.performance',
    message:
      'performance.cpuPinning requires performance.qos Guaranteed (the static CPU manager pins only Guaranteed pods)',
    check: (spec) =>
      pinning(spec) && obj(spec.performance)?.qos !== 'Guaranteed' ? ['spec.performance.qos'] : [],
  },
  {
    at: 'spec',
    message:
      "performance.cpuPinning requires resources.requests.cpu as a whole number of CPUs, e.g. '4' (not 4000m or 3.5: the static CPU manager pins only whole CPUs)",
    check: (spec: JsonObject): string[] => {
      const requests = obj(obj(spec.resources)?.requests);
      const cpu = requests && Object.hasOwn(requests, 'cpu') ? requests.cpu : undefined;
      return pinning(spec) && !wholeCpus(cpu) ? ['spec.resources.requests.cpu'] : [];
    },
  },
  {
    at: 'spec',
    message:
      'performance.qos Guaranteed requires every resources.limits value to equal its resources.requests value (one given alone is used for both)',
    check: (spec: JsonObject): string[] => {
      const requests = obj(obj(spec.resources)?.requests);
      const limits = obj(obj(spec.resources)?.limits);
      if (obj(spec.performance)?.qos !== 'Guaranteed' || !requests || !limits) return [];
      return unequalKeys(requests, limits, () => true).length > 0 ? ['spec.resources.limits'] : [];
    },
  },
  {
    at: 'spec.resources',
    message:
      'resources.limits of hugepages and extended resources must equal their resources.requests (Kubernetes does not overcommit them; one given alone is used for both)',
    check: (spec: JsonObject): string[] => {
      const requests = obj(obj(spec.resources)?.requests);
      const limits = obj(obj(spec.resources)?.limits);
      if (!requests || !limits) return [];
      return unequalKeys(requests, limits, notOvercommitted).length > 0 ? ['spec.resources.limits'] : [];
    },
  },
  {
    at: 'spec.placement.nodeSelector',
    message:
      'placement.nodeSelector keys must be label keys, [<DNS subdomain>/]<name> (e.g. kubernetes.io/hostname)',
    check: (spec: JsonObject): string[] => {
      const selector = obj(obj(spec.placement)?.nodeSelector);
      const bad = Object.keys(selector ?? {}).some(
        (k) => k.length > MAX_LABEL_KEY || !LABEL_KEY_NAME.test(k),
      );
      return bad ? ['spec.placement.nodeSelector'] : [];
    },
  },
  perToleration(
    'a toleration with operator Exists has no value',
    'value',
    (t) => t.operator === 'Exists' && t.value !== undefined && t.value !== '',
  ),
  perToleration(
    'a toleration without a key must have operator Exists (it then tolerates every taint)',
    'operator',
    (t) => (t.key === undefined || t.key === '') && t.operator !== 'Exists',
  ),
  perToleration(
    'tolerationSeconds applies to effect NoExecute only',
    'tolerationSeconds',
    (t) => t.tolerationSeconds !== undefined && t.effect !== 'NoExecute',
  ),
];

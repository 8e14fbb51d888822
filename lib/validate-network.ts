// TypeScript twins of the CRD's CEL rules on Multus interface addressing (static ipv4/ipv6, ipPool),
// MTU and SR-IOV VFs, and on the Service's IP families. Same messages and field paths as the CRD
// (tests/unit/crd.test.ts pairs them); addresses are read the way the CEL IP/CIDR library reads
// them (lib/ip.ts). See lib/validate.ts for how twins are run.
import type { CelTwin } from './validate.ts';
import { isObject, type JsonObject } from './json.ts';
import { cidrFamily, containsCIDR, containsIP, parseCIDR, parseIP } from './ip.ts';

const obj = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const interfacesOf = (spec: JsonObject): unknown[] => {
  const list = obj(spec.networkConfig)?.interfaces;
  return Array.isArray(list) ? list : [];
};

const IFACES = 'spec.networkConfig.interfaces';

/** A rule on every interface: `bad(iface)` → the field (relative to the interface) it names, or undefined. */
function perInterface(
  at: string,
  message: string,
  bad: (iface: JsonObject) => string | undefined,
  reason?: CelTwin['reason'],
): CelTwin {
  return {
    at,
    message,
    ...(reason ? { reason } : {}),
    check: (spec) =>
      interfacesOf(spec).flatMap((i, idx) => {
        const iface = obj(i);
        const field = iface ? bad(iface) : undefined;
        return field === undefined ? [] : [`${IFACES}[${idx}].${field}`];
      }),
  };
}

/** A rule on every interface's `key` object (ipv6, ipPool), reported at `key.<field>`. */
function perObject(
  key: 'ipv6' | 'ipPool',
  message: string,
  bad: (o: JsonObject) => string | undefined,
): CelTwin {
  return perInterface(`${IFACES}[].${key}`, message, (iface) => {
    const o = obj(iface[key]);
    const field = o ? bad(o) : undefined;
    return field === undefined ? undefined : `${key}.${field}`;
  });
}

const poolRange = (pool: JsonObject): ReturnType<typeof parseCIDR> => {
  const range = str(pool.range);
  return range === undefined ? undefined : parseCIDR(range);
};

/** ipPool.range has no room for two addresses: whereabouts skips the first and last of the range. */
function tooNarrow(pool: JsonObject): boolean {
  const range = poolRange(pool);
  return range !== undefined && range.bits > (range.ip.family === 4 ? 30 : 126);
}

function gatewayOutside(pool: JsonObject): boolean {
  const range = poolRange(pool);
  if (pool.gateway === undefined || range === undefined) return false;
  const gw = typeof pool.gateway === 'string' ? parseIP(pool.gateway) : undefined;
  return gw === undefined || !containsIP(range, gw);
}

function excludeOutside(pool: JsonObject): boolean {
  const range = poolRange(pool);
  if (!Array.isArray(pool.exclude) || range === undefined) return false;
  return !(pool.exclude as unknown[]).every((e) => {
    const c = typeof e === 'string' ? parseCIDR(e) : undefined;
    return c !== undefined && containsCIDR(range, c);
  });
}

/** The interface has an IPv6 address: static ipv6, or a pool of IPv6 addresses. */
const hasIPv6 = (iface: JsonObject): boolean =>
  iface.ipv6 !== undefined || cidrFamily(obj(iface.ipPool)?.range) === 6;

export const NETWORK_RULES: readonly CelTwin[] = [
  perInterface(
    `${IFACES}[]`,
    'an interface has either static addresses (ipv4, ipv6) or an ipPool, not both',
    (i) => (i.ipPool !== undefined && (i.ipv4 !== undefined || i.ipv6 !== undefined) ? 'ipPool' : undefined),
  ),
  perInterface(
    `${IFACES}[]`,
    'vfs is for sriov interfaces (the number of VFs of master the pod gets)',
    (i) => (i.vfs !== undefined && i.cniType !== 'sriov' ? 'vfs' : undefined),
  ),
  perInterface(
    `${IFACES}[]`,
    'mtu must be at least 1280 on an interface with IPv6 addresses (the IPv6 minimum link MTU)',
    (i) => (typeof i.mtu === 'number' && i.mtu < 1280 && hasIPv6(i) ? 'mtu' : undefined),
  ),
  perObject('ipv6', 'ipv6.address must be an IPv6 address with prefix length, e.g. fd00:10:3::10/64', (o) =>
    typeof o.address === 'string' && cidrFamily(o.address) !== 6 ? 'address' : undefined,
  ),
  perObject('ipv6', 'ipv6.gateway must be an IPv6 address, e.g. fd00:10:3::1', (o) =>
    typeof o.gateway === 'string' && parseIP(o.gateway)?.family !== 6 ? 'gateway' : undefined,
  ),
  perObject(
    'ipPool',
    'ipPool.range must be a CIDR, IPv4 or IPv6, e.g. 10.10.3.0/24 or fd00:10:6::/64',
    (o) => (typeof o.range === 'string' && parseCIDR(o.range) === undefined ? 'range' : undefined),
  ),
  perObject(
    'ipPool',
    'ipPool.range must hold at least two addresses (at most /30 for IPv4, /126 for IPv6; whereabouts hands out neither the first nor the last address)',
    (o) => (tooNarrow(o) ? 'range' : undefined),
  ),
  perObject('ipPool', 'ipPool.gateway must be an address inside ipPool.range', (o) =>
    gatewayOutside(o) ? 'gateway' : undefined,
  ),
  perObject('ipPool', 'ipPool.exclude entries must be CIDRs inside ipPool.range', (o) =>
    excludeOutside(o) ? 'exclude' : undefined,
  ),
  {
    at: 'spec.networkConfig',
    message: 'ipFamilies with two families needs ipFamilyPolicy PreferDualStack or RequireDualStack',
    check: (spec: JsonObject): string[] => {
      const nc = obj(spec.networkConfig);
      const two = Array.isArray(nc?.ipFamilies) && nc.ipFamilies.length >= 2;
      const dual = nc?.ipFamilyPolicy !== undefined && nc.ipFamilyPolicy !== 'SingleStack';
      return two && !dual ? ['spec.networkConfig.ipFamilyPolicy'] : [];
    },
  },
];

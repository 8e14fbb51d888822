// IP addresses and CIDRs as the Kubernetes CEL library reads them (`ip()`/`isIP()`, `cidr()`/
// `isCIDR()`, k8s.io/apiserver/pkg/cel/library, which parses with Go's net/netip): the TypeScript
// twins of the CRD's address rules use these, so a value the API server refuses is refused here.
// Pure: no node:net (the core imports no I/O modules), and node's isIP would accept zones and
// IPv4-mapped IPv6 addresses, which the CEL library refuses.
//
// Accepted as netip accepts them: dotted-quad IPv4 without leading zeros; IPv6 with at most one
// "::", hex groups of 1-4 digits, optionally ending in a dotted quad. Refused as the CEL library
// refuses them: zones (fe80::1%eth0) and IPv4-mapped IPv6 (::ffff:1.2.3.4). A CIDR is
// <address>/<bits> with bits in decimal without leading zeros, 0-32 or 0-128; bits past the prefix
// may be set (cidr('10.0.0.5/24') is valid: static addresses are written that way).

export type IPFamily = 4 | 6;

export interface IP {
  family: IPFamily;
  /** 4 or 16 bytes, network order. */
  bytes: number[];
}

export interface CIDR {
  ip: IP;
  bits: number;
}

function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

/** Hex groups of one side of "::" (and a trailing dotted quad) → bytes; undefined when malformed. */
function groupsToBytes(side: string, allowQuad: boolean): number[] | undefined {
  if (side === '') return [];
  const groups = side.split(':');
  const bytes: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (allowQuad && i === groups.length - 1 && g.includes('.')) {
      const quad = parseIPv4(g);
      if (!quad) return undefined;
      bytes.push(...quad);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
      const n = parseInt(g, 16);
      bytes.push(n >> 8, n & 0xff);
    }
  }
  return bytes;
}

function parseIPv6(s: string): number[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  if (halves.length === 1) {
    const bytes = groupsToBytes(s, true);
    return bytes?.length === 16 ? bytes : undefined;
  }
  const head = groupsToBytes(halves[0]!, false);
  const tail = groupsToBytes(halves[1]!, true);
  // "::" stands for at least one group of zeros.
  if (!head || !tail || head.length + tail.length > 14) return undefined;
  return [...head, ...new Array<number>(16 - head.length - tail.length).fill(0), ...tail];
}

const isMapped4 = (b: number[]): boolean =>
  b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** CEL `ip(s)`: undefined where `isIP(s)` is false. */
export function parseIP(s: string): IP | undefined {
  if (s.includes(':')) {
    const bytes = parseIPv6(s);
    return bytes && !isMapped4(bytes) ? { family: 6, bytes } : undefined;
  }
  const bytes = parseIPv4(s);
  return bytes ? { family: 4, bytes } : undefined;
}

/** CEL `cidr(s)`: undefined where `isCIDR(s)` is false. */
export function parseCIDR(s: string): CIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const bitsText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const bits = Number(bitsText);
  if (!ip || bits > ip.bytes.length * 8) return undefined;
  return { ip, bits };
}

/** The first `bits` bits of a and b are equal (same length). */
function samePrefix(a: number[], b: number[], bits: number): boolean {
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/** CEL `cidr(c).containsIP(ip)`: same family, and ip inside the network (bits past the prefix ignored). */
export function containsIP(c: CIDR, ip: IP): boolean {
  return c.ip.family === ip.family && samePrefix(c.ip.bytes, ip.bytes, c.bits);
}

/** CEL `cidr(c).containsCIDR(other)`: same family, other no wider and inside c. */
export function containsCIDR(c: CIDR, other: CIDR): boolean {
  return (
    c.ip.family === other.ip.family && c.bits <= other.bits && samePrefix(c.ip.bytes, other.ip.bytes, c.bits)
  );
}

/** The family of a CIDR string, undefined when it is not one. */
export function cidrFamily(s: unknown): IPFamily | undefined {
  return typeof s === 'string' ? parseCIDR(s)?.ip.family : undefined;
}

/** An address as a one-address CIDR (/32 or /128), e.g. to exclude a gateway from a pool. */
export function hostCIDR(ip: string): string {
  return `${ip}/${parseIP(ip)?.family === 6 ? 128 : 32}`;
}

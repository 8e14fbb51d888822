// lib/ip.ts reads addresses the way the CRD's CEL IP/CIDR library does (Go's net/netip, minus zones
// and IPv4-mapped IPv6): cases from that library's own documentation and netip's parser, and a
// property test against node:net for the addresses both accept.
import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cidrFamily, containsCIDR, containsIP, hostCIDR, parseCIDR, parseIP } from '../../lib/ip.ts';

const cidr = (s: string) => parseCIDR(s)!;
const ip = (s: string) => parseIP(s)!;

describe('parseIP (CEL isIP / ip)', () => {
  it.each([
    ['192.168.0.1', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['::', 6],
    ['::1', 6],
    ['fd00:10:6::1', 6],
    ['2001:DB8::A', 6],
    ['1:2:3:4:5:6:7:8', 6],
    ['1:2:3:4:5:6:7::', 6],
    ['::2:3:4:5:6:7:8', 6],
    ['::1.2.3.4', 6], // IPv4-compatible (not mapped): netip accepts it
    ['64:ff9b::192.0.2.33', 6],
  ])('accepts %s (IPv%i)', (s, family) => {
    expect(parseIP(s)?.family).toBe(family);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4', // leading zeros: netip refuses them
    '1.2.3.-4',
    ' 1.2.3.4',
    '::ffff:1.2.3.4', // IPv4-mapped: the CEL library refuses it
    '::FFFF:102:304',
    'fe80::1%eth0', // zone: the CEL library refuses it
    '1::2::3',
    ':1::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    '1.2.3.4::',
    '::1.2.3',
    'g::1',
  ])('refuses %j', (s) => {
    expect(parseIP(s)).toBeUndefined();
  });

  it('gives the bytes in network order', () => {
    expect(ip('10.1.2.3').bytes).toEqual([10, 1, 2, 3]);
    expect(ip('fd00::1:2').bytes).toEqual([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]);
    expect(ip('::1.2.3.4').bytes.slice(12)).toEqual([1, 2, 3, 4]);
  });
});

describe('parseCIDR (CEL isCIDR / cidr)', () => {
  it.each([
    ['192.168.0.0/16', 4, 16],
    ['192.168.0.1/24', 4, 24], // host bits allowed (cidr('192.168.0.1/24').ip() is documented)
    ['0.0.0.0/0', 4, 0],
    ['::1/128', 6, 128],
    ['fd00:10:6::/64', 6, 64],
  ])('accepts %s', (s, family, bits) => {
    expect(parseCIDR(s)).toEqual({ ip: expect.objectContaining({ family }), bits });
  });

  it.each([
    '192.168.0.0/33',
    '::1/129',
    '10.0.0.0/08', // netip refuses leading zeros in the bits
    '10.0.0.0/+8',
    '10.0.0.0/',
    '10.0.0.0',
    '10.0.0.0/8/8',
    '::ffff:1.2.3.4/120',
    'fe80::1%eth0/64',
    '10.0.0.0-10.0.0.9',
  ])('refuses %j', (s) => {
    expect(parseCIDR(s)).toBeUndefined();
  });

  it('containsIP and containsCIDR as the CEL library documents them', () => {
    expect(containsIP(cidr('192.168.0.0/24'), ip('192.168.0.1'))).toBe(true);
    expect(containsIP(cidr('192.168.0.0/24'), ip('192.168.1.1'))).toBe(false);
    expect(containsIP(cidr('192.168.0.77/24'), ip('192.168.0.1'))).toBe(true); // host bits ignored
    expect(containsIP(cidr('10.0.0.0/8'), ip('fd00::1'))).toBe(false);
    expect(containsIP(cidr('::/0'), ip('10.0.0.1'))).toBe(false);
    expect(containsIP(cidr('fd00::/124'), ip('fd00::f'))).toBe(true);
    expect(containsIP(cidr('fd00::/125'), ip('fd00::f'))).toBe(false);
    expect(containsCIDR(cidr('192.168.0.0/16'), cidr('192.168.10.0/24'))).toBe(true);
    expect(containsCIDR(cidr('192.168.1.0/24'), cidr('192.168.2.0/24'))).toBe(false);
    expect(containsCIDR(cidr('192.168.1.0/24'), cidr('192.168.0.0/16'))).toBe(false);
    expect(containsCIDR(cidr('192.168.1.0/24'), cidr('192.168.1.0/24'))).toBe(true);
    expect(containsCIDR(cidr('10.0.0.0/8'), cidr('fd00::/64'))).toBe(false);
  });

  it('cidrFamily and hostCIDR', () => {
    expect(cidrFamily('10.0.0.0/8')).toBe(4);
    expect(cidrFamily('fd00::/8')).toBe(6);
    expect(cidrFamily('x')).toBeUndefined();
    expect(cidrFamily(42)).toBeUndefined();
    expect(hostCIDR('10.0.0.1')).toBe('10.0.0.1/32');
    expect(hostCIDR('fd00::1')).toBe('fd00::1/128');
  });
});

describe('property: agrees with node:net where both rules apply', () => {
  const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
  /** An IPv6 address, full or with one run of groups written as "::", and its 8 groups. */
  const ipv6 = fc
    .tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.nat(8), fc.nat(8), fc.boolean())
    .map(([g, a, b, mapped]) => {
      // ::ffff:a:b, the IPv4-mapped form, now and then
      const [from, to] = [Math.min(a, b), Math.max(a, b)];
      // the groups "::" stands for are zeros
      const groups = (mapped ? ['0', '0', '0', '0', '0', 'ffff', g[6]!, g[7]!] : g).map((x, i) =>
        i >= from && i < to ? '0' : x,
      );
      const text =
        from === to ? groups.join(':') : `${groups.slice(0, from).join(':')}::${groups.slice(to).join(':')}`;
      return { text, groups };
    });

  it('every IPv6 address node:net accepts, but an IPv4-mapped one, is read as IPv6 with its groups', () => {
    fc.assert(
      fc.property(ipv6, ({ text, groups }) => {
        const mapped =
          groups.slice(0, 5).every((x) => parseInt(x, 16) === 0) && parseInt(groups[5]!, 16) === 0xffff;
        expect(isIPv6(text)).toBe(true);
        const got = parseIP(text);
        expect(got?.family).toBe(mapped ? undefined : 6);
        if (got) {
          const words = groups.map((x) => parseInt(x, 16));
          expect(got.bytes).toEqual(words.flatMap((w) => [w >> 8, w & 0xff]));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('IPv4 strings: accepted exactly when node:net accepts them', () => {
    const part = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom('00', '01', '-1', '', 'a'),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 3, maxLength: 5 }), (parts) => {
        const s = parts.join('.');
        expect(parseIP(s)?.family === 4).toBe(isIPv4(s));
      }),
      { numRuns: 500 },
    );
  });
});

// SHA-256 (FIPS 180-4) as lowercase hex, via node:crypto. The pure core may import node:crypto for
// this one module (see eslint.config.js): hashing is a deterministic function of its input with no
// I/O, clock or randomness, and OpenSSL's implementation is far faster than the pure-JS one this
// replaced. Content hashes are plain SHA-256, so they are identical wherever they are computed.
// Verified against NIST vectors in tests/unit/sha256.test.ts.
import { createHash } from 'node:crypto';

/** SHA-256 of a string's UTF-8 encoding, as lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

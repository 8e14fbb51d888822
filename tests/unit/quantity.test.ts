import { describe, expect, it } from '@jest/globals';
import { compareQuantities, parseQuantity } from '../../lib/quantity.ts';

describe('quantities', () => {
  it.each([
    ['1', '1000m', 0],
    ['500m', '0.5', 0],
    ['2Gi', '2048Mi', 0],
    ['1Gi', '1G', 1],
    ['1k', '1Ki', -1],
    ['1e3', '1k', 0],
    ['1.5', '1500m', 0],
    ['.5', '500m', 0],
    [2, '2', 0],
    [1, '999m', 1],
    ['100n', '1u', -1],
    ['1E', '1Ei', -1],
    ['-1', '0', -1],
    ['1E-3', '1m', 0],
  ] as const)('%s vs %s → %d', (a, b, want) => {
    expect(compareQuantities(a, b)).toBe(want);
  });

  it('rejects what is not a quantity', () => {
    expect(parseQuantity('abc')).toBeUndefined();
    expect(parseQuantity('1.5.5')).toBeUndefined();
    expect(parseQuantity(1.5)).toBeUndefined();
    expect(parseQuantity('1e999')).toBeUndefined();
    expect(compareQuantities('x', '1')).toBeUndefined();
  });
});

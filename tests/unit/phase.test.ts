import { describe, it, expect } from '@jest/globals';
import { PHASES, TRANSITIONS, isTransitionAllowed, shortestPath, stepTowards } from '../../lib/phase.ts';
import type { Phase } from '../../lib/types.ts';

describe('state machine transitions (table-driven)', () => {
  const seed: Array<[Phase, Phase]> = [
    ['Pending', 'Provisioning'],
    ['Provisioning', 'Configuring'],
    ['Configuring', 'Active'],
    ['Active', 'Scaling'],
    ['Scaling', 'Active'],
    ['Active', 'Updating'],
    ['Updating', 'Active'],
    ['Active', 'Degraded'],
    ['Degraded', 'Healing'],
    ['Healing', 'Active'],
    ['Active', 'Terminating'],
    ['Terminating', 'Deleted'],
  ];
  it.each(seed)('seed transition %s → %s is allowed', (from, to) => {
    expect(isTransitionAllowed(from, to)).toBe(true);
  });

  const extra: Array<[Phase, Phase]> = [
    ['Degraded', 'Active'],
    ['Updating', 'Degraded'],
    ['Scaling', 'Degraded'],
    ['Healing', 'Degraded'],
    ['Failed', 'Provisioning'],
    ['Failed', 'Updating'],
    ['Failed', 'Scaling'],
    ['Failed', 'Pending'],
    ['Failed', 'Active'],
    ['Failed', 'Degraded'],
    ['Configuring', 'Provisioning'],
    ['Scaling', 'Updating'],
    ['Updating', 'Scaling'],
    ['Degraded', 'Updating'],
    ['Degraded', 'Scaling'],
    ['Active', 'Configuring'],
    ['Updating', 'Configuring'],
  ];
  it.each(extra)('documented extra transition %s → %s is allowed', (from, to) => {
    expect(isTransitionAllowed(from, to)).toBe(true);
  });

  const forbidden: Array<[Phase, Phase]> = [
    ['Pending', 'Active'],
    ['Provisioning', 'Active'],
    ['Active', 'Deleted'],
    ['Active', 'Healing'],
    ['Deleted', 'Pending'],
    ['Terminating', 'Active'],
    ['Terminating', 'Failed'],
    ['Active', 'Pending'],
  ];
  it.each(forbidden)('%s → %s is not allowed', (from, to) => {
    expect(isTransitionAllowed(from, to)).toBe(false);
  });

  it('every live phase can reach Failed and Terminating directly', () => {
    for (const p of PHASES) {
      if (p === 'Terminating' || p === 'Deleted' || p === 'Failed') continue;
      expect(TRANSITIONS[p]).toContain('Failed');
      expect(TRANSITIONS[p]).toContain('Terminating');
    }
    expect(TRANSITIONS.Failed).toContain('Terminating');
  });

  it('every phase except Deleted can reach every live phase or the end', () => {
    for (const from of PHASES) {
      if (from === 'Deleted' || from === 'Terminating') continue;
      for (const to of PHASES) expect(shortestPath(from, to)).toBeDefined();
    }
  });

  it('steps along the shortest path: Provisioning → Active goes through Configuring', () => {
    expect(shortestPath('Provisioning', 'Active')).toEqual(['Provisioning', 'Configuring', 'Active']);
    expect(stepTowards('Provisioning', 'Active')).toEqual({ phase: 'Configuring', intermediate: true });
    expect(stepTowards('Configuring', 'Active')).toEqual({ phase: 'Active', intermediate: false });
    expect(stepTowards('Updating', 'Healing')).toEqual({ phase: 'Degraded', intermediate: true });
    expect(stepTowards('Active', 'Active')).toEqual({ phase: 'Active', intermediate: false });
  });

  it('an unreachable target leaves the phase unchanged', () => {
    expect(shortestPath('Deleted', 'Active')).toBeUndefined();
    expect(stepTowards('Deleted', 'Active')).toEqual({ phase: 'Deleted', intermediate: false });
  });

  it('the table only names known phases', () => {
    for (const [from, tos] of Object.entries(TRANSITIONS)) {
      expect(PHASES).toContain(from);
      for (const to of tos) expect(PHASES).toContain(to);
    }
  });
});

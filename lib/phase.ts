// The CNF phase state machine as data. reconcile() computes a target phase from what it observes,
// then moves along this table: directly when the edge exists, otherwise one step along a shortest
// legal path (and asks for a quick resync), so every phase change a user sees is an edge below.
import type { Phase } from './types.ts';

export const PHASES: readonly Phase[] = [
  'Pending',
  'Provisioning',
  'Configuring',
  'Active',
  'Scaling',
  'Updating',
  'Degraded',
  'Healing',
  'Terminating',
  'Failed',
  'Deleted',
];

/**
 * Allowed transitions. The seed's list plus the edges documented in docs/lifecycle.md
 * ("Extra transitions"); `Failed` and `Terminating` are reachable from every live phase.
 */
export const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  Pending: ['Provisioning', 'Failed', 'Terminating'],
  Provisioning: ['Configuring', 'Failed', 'Terminating'],
  Configuring: ['Active', 'Provisioning', 'Failed', 'Terminating'],
  Active: ['Scaling', 'Updating', 'Degraded', 'Configuring', 'Failed', 'Terminating'],
  Scaling: ['Active', 'Updating', 'Degraded', 'Failed', 'Terminating'],
  Updating: ['Active', 'Scaling', 'Degraded', 'Configuring', 'Failed', 'Terminating'],
  Degraded: ['Healing', 'Active', 'Scaling', 'Updating', 'Failed', 'Terminating'],
  Healing: ['Active', 'Degraded', 'Failed', 'Terminating'],
  Failed: ['Pending', 'Provisioning', 'Updating', 'Scaling', 'Active', 'Degraded', 'Terminating'],
  Terminating: ['Deleted'],
  Deleted: [],
};

/** The edges out of `from`; none for a value that is no phase (status is read back from the parent). */
const edges = (from: Phase): readonly Phase[] => (Object.hasOwn(TRANSITIONS, from) ? TRANSITIONS[from] : []);

export function isTransitionAllowed(from: Phase, to: Phase): boolean {
  return from === to || edges(from).includes(to);
}

/** Shortest legal path from `from` to `to` (both ends included), or undefined when unreachable. */
export function shortestPath(from: Phase, to: Phase): Phase[] | undefined {
  if (from === to) return [from];
  const prev = new Map<Phase, Phase>();
  const queue: Phase[] = [from];
  const seen = new Set<Phase>([from]);
  while (queue.length > 0) {
    const at = queue.shift() as Phase;
    for (const next of edges(at)) {
      if (seen.has(next)) continue;
      seen.add(next);
      prev.set(next, at);
      if (next === to) {
        const path: Phase[] = [to];
        for (let p = prev.get(to); p !== undefined; p = prev.get(p)) path.unshift(p);
        return path;
      }
      queue.push(next);
    }
  }
  return undefined;
}

export interface PhaseStep {
  /** The phase to report now. */
  phase: Phase;
  /** True when `phase` is an intermediate step towards the target (caller resyncs quickly). */
  intermediate: boolean;
}

/**
 * One move towards `target`: the target itself when the edge exists, else the next phase on a
 * shortest legal path. An unreachable target (only from Deleted) leaves the phase unchanged.
 */
export function stepTowards(current: Phase, target: Phase): PhaseStep {
  const path = shortestPath(current, target);
  if (path === undefined) return { phase: current, intermediate: false };
  const next = path[1] ?? current;
  return { phase: next, intermediate: next !== target };
}

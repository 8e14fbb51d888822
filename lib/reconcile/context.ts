// What every step of one reconcile shares: the input, the previous status, the generation and the
// time, read once. Steps take this and the facts earlier steps produced, and return new facts.
import type { CNFDeployment, CNFDeploymentStatus, Phase, ReconcileInput } from '../types.ts';
import { stepTowards, type PhaseStep } from '../phase.ts';
import { withPorchCopies } from '../porch-view.ts';

export interface Ctx {
  input: ReconcileInput;
  parent: CNFDeployment;
  /** The previous status (empty for a new CNF). */
  prev: CNFDeploymentStatus;
  generation: number;
  /** RFC 3339, passed in: the core reads no clock. */
  now: string;
  namespace: string;
}

/** The facts every step reads; the children as Porch lists them where it did (porch-view.ts). */
export function context(observed: ReconcileInput): Ctx {
  const input = withPorchCopies(observed);
  return {
    input,
    parent: input.parent,
    prev: input.parent.status ?? {},
    generation: input.parent.metadata.generation ?? 0,
    now: input.now,
    namespace: input.parent.metadata.namespace ?? 'default',
  };
}

/** Resync hints, in seconds. */
export const RESYNC = {
  /** While anything is in flight: status must track reality within 5 s. */
  inFlight: 2,
  /** After an intermediate phase step. */
  step: 1,
  /** While waiting for dependencies. */
  dependencies: 10,
  /** While an A1 policy stays NOT_ENFORCED (the A1 mediator may enforce it later). */
  oranPoll: 10,
  /** While finalizing. */
  finalize: 2,
} as const;

export function secondsBetween(fromIso: string, toIso: string): number {
  return (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
}

export function addSeconds(iso: string, s: number): string {
  return new Date(Date.parse(iso) + s * 1000).toISOString();
}

/** Removes keys whose value is undefined (exactOptionalPropertyTypes; deep-equal stability). */
export function compact<T extends object>(obj: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out = { ...obj } as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}

/** One legal step from the previous phase towards `target` (lib/phase.ts). */
export function stepFrom(prev: CNFDeploymentStatus, target: Phase): PhaseStep {
  return stepTowards(prev.phase ?? 'Pending', target);
}

/** When the phase began: kept while it stays the same. */
export function phaseSince(prev: CNFDeploymentStatus, phase: Phase, now: string): string {
  return prev.phase === phase && prev.phaseSince !== undefined ? prev.phaseSince : now;
}

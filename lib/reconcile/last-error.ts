// Step 6, errors: status.lastError from, in order, a failed observation (Transient, backed off), a
// still-needed action that failed last time (carried, with its backoff), or a rollout failure
// (Permanent). Every class has its own resync rule (docs/lifecycle.md, "Errors").
import type { Action, StatusError } from '../types.ts';
import { actionKey, backoffSeconds, countFailure } from '../backoff.ts';
import { compact, type Ctx } from './context.ts';
import type { Failure } from './rollout.ts';

export interface ErrorFacts {
  lastError: StatusError | undefined;
  /** Overrides every other resync hint when set (the backoff of the error). */
  resyncAfterSeconds: number | undefined;
}

export function lastErrorFor(
  ctx: Ctx,
  actions: readonly Action[],
  heldKeys: readonly string[],
  failure: Failure | undefined,
): ErrorFacts {
  const { prev, now, generation } = ctx;
  const observed = ctx.input.observations.errors?.[0];
  if (observed !== undefined) {
    const counted = countFailure(
      prev.lastError,
      compact({
        class: observed.class,
        reason: observed.reason,
        message: observed.message,
        action: observed.action,
      }),
      now,
    );
    return {
      lastError: counted.error,
      resyncAfterSeconds: counted.resyncAfterSeconds,
    };
  }
  const carried = prev.lastError;
  const stillNeeded = new Set([...actions.map(actionKey), ...heldKeys]);
  if (carried?.action !== undefined && stillNeeded.has(carried.action)) {
    return {
      lastError: carried,
      resyncAfterSeconds: backoffSeconds(carried.failures ?? 1, carried.class),
    };
  }
  if (failure !== undefined) {
    const same =
      carried?.class === 'Permanent' &&
      carried.reason === failure.reason &&
      carried.generation === generation;
    const lastError: StatusError = same
      ? { ...carried, message: failure.message }
      : { class: 'Permanent', reason: failure.reason, message: failure.message, generation, since: now };
    return { lastError, resyncAfterSeconds: undefined };
  }
  return { lastError: undefined, resyncAfterSeconds: undefined };
}

// Error bookkeeping for status.lastError with a backoff that cannot hot-loop: Metacontroller
// re-syncs on every status change, so a failure is counted at most once per backoff window and the
// error object stays deep-equal inside the window.
import type { Action, ErrorClass, StatusError } from './types.ts';

/**
 * Per class: the wait after the first counted failure, doubled per further one, up to the cap. A
 * Transient failure clears by itself, so it is retried soon. A Permanent or Configuration failure of
 * an action (Porch refusing a write as such, RBAC 403) needs someone to change something that is
 * not always the spec (a role binding, a revision in Porch), so it is retried too, but slowly.
 */
const SCHEDULE: Record<ErrorClass, { first: number; cap: number }> = {
  Transient: { first: 2, cap: 60 },
  Permanent: { first: 30, cap: 300 },
  Configuration: { first: 30, cap: 300 },
};

/** Transient: 2, 4, 8, … 60 s; Permanent and Configuration: 30, 60, 120, … 300 s after the n-th counted failure. */
export function backoffSeconds(failures: number, cls: ErrorClass = 'Transient'): number {
  const n = Math.max(1, failures);
  const { first, cap } = SCHEDULE[cls];
  return Math.min(cap, first * 2 ** (n - 1));
}

/** How an action is named in StatusError.action: `<type>:<PackageRevision name>`. */
export function actionKey(action: Action): string {
  return `${action.type}:${action.name}`;
}

interface TransientResult {
  error: StatusError;
  resyncAfterSeconds: number;
}

/**
 * Folds one failure into the previous error. Same failure (class, reason, action) inside the window
 * of the previous counted failure: unchanged, resync at the end of the window. Otherwise: counted.
 */
export function countFailure(
  previous: StatusError | undefined,
  failure: Omit<StatusError, 'since' | 'failures' | 'lastFailure'>,
  now: string,
): TransientResult {
  const same =
    previous !== undefined &&
    previous.class === failure.class &&
    previous.reason === failure.reason &&
    previous.action === failure.action;
  if (same && previous.lastFailure !== undefined) {
    const windowEnd =
      Date.parse(previous.lastFailure) + backoffSeconds(previous.failures ?? 1, previous.class) * 1000;
    const remaining = Math.ceil((windowEnd - Date.parse(now)) / 1000);
    if (remaining > 0) return { error: previous, resyncAfterSeconds: remaining };
  }
  const failures = same ? (previous.failures ?? 0) + 1 : 1;
  const error: StatusError = { ...failure, since: same ? previous.since : now, failures, lastFailure: now };
  return { error, resyncAfterSeconds: backoffSeconds(failures, failure.class) };
}

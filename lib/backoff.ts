// Error bookkeeping for status.lastError with a backoff that cannot hot-loop: Metacontroller
// re-syncs on every status change, so a failure is counted at most once per backoff window and the
// error object stays deep-equal inside the window.
import type { Action, StatusError } from './types.ts';

const BACKOFF_BASE_SECONDS = 2;
const BACKOFF_CAP_SECONDS = 60;

/** 2, 4, 8, … seconds after the n-th counted failure, capped at 60. */
export function backoffSeconds(failures: number): number {
  const n = Math.max(1, failures);
  return Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS ** n);
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
    const windowEnd = Date.parse(previous.lastFailure) + backoffSeconds(previous.failures ?? 1) * 1000;
    const remaining = Math.ceil((windowEnd - Date.parse(now)) / 1000);
    if (remaining > 0) return { error: previous, resyncAfterSeconds: remaining };
  }
  const failures = same ? (previous.failures ?? 0) + 1 : 1;
  const error: StatusError = { ...failure, since: same ? previous.since : now, failures, lastFailure: now };
  return { error, resyncAfterSeconds: backoffSeconds(failures) };
}

/** The resync an error asks for: a Transient one after its backoff; the others wait for a change. */
export function resyncFor(error: StatusError, backoff: number): number | undefined {
  return error.class === 'Transient' ? backoff : undefined;
}

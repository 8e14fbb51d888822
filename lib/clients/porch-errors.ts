// How Porch's refusals map onto the one error type (ApiError): the reasons the reconciler acts on
// (Conflict: re-read and retry; NotDraft; DraftBranchMissing: a new revision) and the deletion
// webhook's refusal of a Published revision.
import { errorReasonOf } from '../errors.ts';
import { ApiError, classifyStatus, isRetryableStatus, statusDetails, type JsonResponse } from './http.ts';

/** Porch (its admission webhook) refuses to delete a Published revision that is not DeletionProposed. */
export function mustProposeDeletion(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    (err.httpStatus === 403 || err.httpStatus === 400 || err.httpStatus === 422) &&
    /proposed for deletion|DeletionProposed/i.test(err.message)
  );
}

export function httpError(method: string, path: string, res: JsonResponse): ApiError {
  const details = statusDetails(res.data);
  const message = details.message ?? res.unparsed ?? `HTTP ${res.status}`;
  // Porch reports a stale resourceVersion as 500 "the object has been modified" and a write to a
  // non-Draft as an error mentioning "must be Draft": the first is worth a re-read and retry, the
  // second never is.
  if (/must be draft/i.test(message)) {
    return new ApiError(`${method} ${path}: ${message}`, {
      class: 'Permanent',
      reason: 'NotDraft',
      httpStatus: res.status,
    });
  }
  // A draft branch Porch cannot find never comes back: the reconciler moves to a new revision.
  const reason = /the object has been modified/i.test(message)
    ? 'Conflict'
    : /cannot find draft package branch/i.test(message)
      ? 'DraftBranchMissing'
      : errorReasonOf(details.reason, res.status);
  return new ApiError(`${method} ${path}: ${res.status} ${message}`, {
    class: classifyStatus(res.status),
    reason,
    httpStatus: res.status,
    retryable: isRetryableStatus(res.status),
  });
}

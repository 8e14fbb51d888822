// The error vocabulary of status.lastError (and of the Synced condition), and the error the pure
// core raises for input it cannot accept.
import type { ErrorClass } from './types.ts';

/**
 * Every reason status.lastError may carry, whichever layer found the error: spec validation, the
 * reconciler's rollout judgement, the hook shell's observations, and the API clients' failures
 * (Porch, A1, E2). Kubernetes Status reasons that Porch answers with are kept when they are listed
 * here; any other refusal is `HTTP<status>`. Documented in docs/troubleshooting.md (a test checks).
 */
export const ERROR_REASONS = [
  // validation (Configuration)
  'InvalidSpec',
  'ReplicasExceedMax',
  'PackageInUse',
  // rollout judgement (Permanent)
  'RolloutFailed',
  'RollbackFailed',
  'HealingExhausted',
  // the hook shell
  'ActionFailed',
  'PorchObserveFailed',
  'A1ObserveFailed',
  'NoOranClients',
  // any API client: transport and budget
  'DeadlineExceeded',
  'Timeout',
  'ConnectionFailed',
  'Aborted',
  'ClientError',
  'MalformedResponse',
  // Porch
  'NoCluster',
  'Conflict',
  'WriteNotConfirmed',
  'ContentNotWritten',
  'NotDraft',
  'NotProposed',
  'DraftBranchMissing',
  // the hook's own refusals: writes act on what the API server confirms
  'NotOwned',
  'ParentNotConfirmed',
  // Kubernetes Status reasons Porch answers with
  'NotFound',
  'Forbidden',
  'Unauthorized',
  'AlreadyExists',
  'Invalid',
  'BadRequest',
  'InternalError',
  'ServiceUnavailable',
  'TooManyRequests',
  // RIC endpoints (A1 mediator, E2 subscription manager)
  'InvalidEndpoint',
  'InvalidPolicyType',
  'UnknownPolicyType',
  'PolicyInvalid',
  'E2NodeNotConnected',
  'InvalidSubscription',
] as const;

/** A listed reason, or `HTTP<status>` for a refusal without a listed reason. */
export type ErrorReason = (typeof ERROR_REASONS)[number] | `HTTP${number}`;

const LISTED: ReadonlySet<string> = new Set(ERROR_REASONS);

/** A Kubernetes Status reason when it is one of ours, else `HTTP<status>`. */
export function errorReasonOf(statusReason: string | undefined, httpStatus: number): ErrorReason {
  return statusReason !== undefined && LISTED.has(statusReason)
    ? (statusReason as ErrorReason)
    : `HTTP${httpStatus}`;
}

export interface FieldIssue {
  /** JSON path of the offending field, e.g. spec.networkConfig.interfaces[0].cniType. */
  path: string;
  message: string;
  /** When the problem has a reason of its own (else it is InvalidSpec). */
  reason?: Extract<ErrorReason, 'ReplicasExceedMax' | 'PackageInUse'>;
}

/** Errors the pure core raises for input it cannot accept, each problem with its field path. */
export abstract class FieldIssuesError extends Error {
  abstract readonly code: string;
  readonly errorClass: ErrorClass = 'Configuration';
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], fallback: string, options?: { cause?: unknown }) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; ') || fallback, options);
    this.issues = issues;
  }
}

/** Field paths status.lastError.fields may hold (the CRD's maxItems: a longer list fails the status write). */
export const MAX_STATUS_FIELDS = 64;

/**
 * Issues as status reports them: the first MAX_STATUS_FIELDS in `message` (`path: message`, joined
 * by "; ", then how many more there are) and their distinct paths in `fields`.
 */
export function issuesForStatus(issues: readonly FieldIssue[]): { fields: string[]; message: string } {
  const shown = issues.slice(0, MAX_STATUS_FIELDS);
  const more = issues.length - shown.length;
  const message =
    shown.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ') +
    (more > 0 ? `; and ${more} more` : '');
  return { fields: [...new Set(shown.map((i) => i.path))], message };
}

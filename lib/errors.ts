// Errors the pure core raises for input it cannot accept. Each carries every problem with the field
// path it came from, so callers (the reconciler, the CLI) can report all of them at once.
import type { ErrorClass } from './types.ts';

export interface FieldIssue {
  /** JSON path of the offending field, e.g. spec.networkConfig.interfaces[0].cniType. */
  path: string;
  message: string;
}

export abstract class FieldIssuesError extends Error {
  abstract readonly code: string;
  readonly errorClass: ErrorClass = 'Configuration';
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], fallback: string, options?: { cause?: unknown }) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; ') || fallback, options);
    this.issues = issues;
  }
}

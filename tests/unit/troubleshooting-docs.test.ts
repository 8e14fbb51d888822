// Drift test: every condition reason and every status.lastError reason the code can write must be
// documented in docs/troubleshooting.md ("## Status conditions and reasons", as `Reason` in a table
// row), so adding a reason without documenting it fails here.
//
// How reasons are extracted (statically: the sources are read with node:fs and parsed with the
// TypeScript compiler's parser, never imported or run):
//
// - Every property named `reason` in an object literal (`reason: <expr>`, and the shorthand
//   `{ reason }`) in the files below is a candidate: condition specs (`{ type, status, reason,
//   message }`), StatusErrors/action errors (`{ class, reason, message }`) and the reconciler's
//   `failure = { reason, message }` (which becomes status.lastError and the Synced reason).
// - Its value is followed to its string-literal leaves: `a ? 'X' : 'Y'` (nested, over any number of
//   lines), `x ?? 'X'`, `x || 'X'`, parentheses and `as const`. A bare identifier (`reason`,
//   `provisioningReason`, `oranReason`) is resolved to the initializers of the same-named `const`/
//   `let` declarations in the same file, recursively. A template literal (`HTTP${status}`) counts as
//   its literal head (`HTTP`), which must appear in the doc followed by something (e.g. `HTTP5xx`).
// - Anything else (a property access such as `f.lastError.reason`, `step.phase`, a call) is dynamic
//   and not collected here; those values are covered separately (Active/Ready carry the phase name,
//   Synced carries status.lastError.reason, whose sources are the files below).
// - Kubernetes condition reasons are UpperCamelCase tokens. The only `reason` properties whose values
//   are sentences are the per-item reasons of status.oran policies/subscriptions (lib/oran.ts) and
//   status.rollback.reason (lib/reconcile.ts); one token is a revision reason (Create|Scale|Update|
//   Heal|Rollback) of the desired revision. None of them is a condition or lastError reason: they are
//   excluded through the explicit, commented allow-list NOT_CONDITION_REASONS below (file + value);
//   a sentence anywhere else fails the test, and any other token must be documented.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';
import { CONDITION_TYPES } from '../../lib/conditions.ts';
import { PHASES } from '../../lib/phase.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = join(ROOT, 'docs', 'troubleshooting.md');
const SECTION = '## Status conditions and reasons';

/** The reconciler: condition specs, lastError written by the pure core. */
const CONDITION_FILES = [
  'lib/reconcile.ts',
  'lib/conditions.ts',
  'lib/health.ts',
  'lib/revisions.ts',
  'lib/finalize.ts',
  'lib/oran.ts',
  'lib/history.ts',
  'lib/backoff.ts',
];

/**
 * Where action and observation errors get their reasons: they reach status.lastError and the Synced
 * condition through applyActionResults() and observations.errors.
 */
const ERROR_FILES = [
  ...readdirSync(join(ROOT, 'lib', 'clients'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `lib/clients/${f}`),
  'hooks/sync.ts',
  'hooks/oran.ts',
];

/**
 * Explicit allow-list of `reason` properties that are not condition/lastError reasons (matched by
 * file and value). Keep it short: everything else the extraction finds must be documented, and a
 * free-text reason elsewhere fails the test.
 */
const NOT_CONDITION_REASONS: ReadonlyArray<{ file: string; value: RegExp; why: string }> = [
  {
    file: 'lib/oran.ts',
    value: /./,
    why:
      'the human-readable `reason` of status.oran.policies[]/subscriptions[] entries (e.g. "waiting ' +
      'for the workload to be ready"), shown inside the Configured message; lib/oran.ts writes no condition',
  },
  {
    file: 'lib/reconcile.ts',
    value: /^revision /,
    why: 'status.rollback.reason: the failed-rollout message (`revision <name> (<reason>) failed its rollout: …`)',
  },
  {
    file: 'lib/reconcile.ts',
    value: /^Update$/,
    why:
      'a deferred scale keeps the current revision: `desired.reason` becomes the revision reason ' +
      'Update (nephoran.com/revision-reason, Create|Scale|Update|Heal|Rollback), not a condition reason',
  },
];

const excluded = (f: Found): boolean =>
  NOT_CONDITION_REASONS.some((a) => a.file === f.file && a.value.test(f.reason));

const TOKEN = /^[A-Z][A-Za-z0-9]*$/;

interface Found {
  /** The reason, or for a template literal its literal head followed by `…`. */
  reason: string;
  file: string;
  line: number;
}

function declarationsOf(sf: ts.SourceFile, name: string): ts.Expression[] {
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (
      ts.isVariableDeclaration(n) &&
      ts.isIdentifier(n.name) &&
      n.name.text === name &&
      n.initializer !== undefined
    ) {
      out.push(n.initializer);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function leaves(sf: ts.SourceFile, expr: ts.Expression, seen: Set<string>): string[] {
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return [expr.text];
  if (ts.isTemplateExpression(expr)) return expr.head.text === '' ? [] : [`${expr.head.text}…`];
  if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr))
    return leaves(sf, expr.expression, seen);
  if (ts.isConditionalExpression(expr))
    return [...leaves(sf, expr.whenTrue, seen), ...leaves(sf, expr.whenFalse, seen)];
  if (
    ts.isBinaryExpression(expr) &&
    (expr.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
      expr.operatorToken.kind === ts.SyntaxKind.BarBarToken)
  ) {
    return [...leaves(sf, expr.left, seen), ...leaves(sf, expr.right, seen)];
  }
  if (ts.isIdentifier(expr) && !seen.has(expr.text)) {
    const next = new Set(seen).add(expr.text);
    return declarationsOf(sf, expr.text).flatMap((init) => leaves(sf, init, next));
  }
  return []; // dynamic: property access, call, …
}

/** Every literal a `reason` property can take in one file (see the comment at the top). */
function extractReasons(file: string, source: string): Found[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Found[] = [];
  const add = (n: ts.Node, values: string[]): void => {
    const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    for (const reason of values) found.push({ reason, file, line });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAssignment(n) && n.name.getText(sf).replace(/['"]/g, '') === 'reason') {
      add(n, leaves(sf, n.initializer, new Set()));
    } else if (ts.isShorthandPropertyAssignment(n) && n.name.text === 'reason') {
      add(n, leaves(sf, n.name, new Set()));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function extractAll(files: readonly string[]): Found[] {
  return files.flatMap((f) => extractReasons(f, readFileSync(join(ROOT, f), 'utf8')));
}

/** The "Status conditions and reasons" section: from its heading to the next `## ` heading. */
function conditionsSection(doc: string): string {
  const start = doc.indexOf(`\n${SECTION}\n`);
  if (start === -1) throw new Error(`docs/troubleshooting.md has no "${SECTION}" section`);
  const rest = doc.slice(start + SECTION.length + 2);
  const end = rest.search(/^## /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** Reasons (or template heads) that no table row of the section shows as `Reason`. */
function undocumented(doc: string, reasons: readonly string[]): string[] {
  const rows = conditionsSection(doc)
    .split('\n')
    .filter((l) => l.trimStart().startsWith('|'))
    .join('\n');
  return [...new Set(reasons)].filter((r) =>
    r.endsWith('…') ? !rows.includes(`\`${r.slice(0, -1)}`) : !rows.includes(`\`${r}\``),
  );
}

/** UpperCamelCase reasons (or template heads) that are not allow-listed: these must be documented. */
function tokens(found: readonly Found[]): Found[] {
  return found.filter(
    (f) =>
      !excluded(f) && (TOKEN.test(f.reason) || (f.reason.endsWith('…') && TOKEN.test(f.reason.slice(0, -1)))),
  );
}

describe('docs/troubleshooting.md documents every reason (drift test)', () => {
  const doc = readFileSync(DOC, 'utf8');
  const conditionReasons = extractAll(CONDITION_FILES);
  const errorReasons = extractAll(ERROR_FILES);

  it('finds the reasons it is meant to find (the extraction is not vacuous)', () => {
    const got = new Set(conditionReasons.map((f) => f.reason));
    for (const r of [
      'InvalidSpec', // const reason = … ? 'ReplicasExceedMax' : 'InvalidSpec', used as shorthand
      'ReplicasExceedMax',
      'Provisioned', // through provisioningReason
      'ProvisioningFailed',
      'PolicyNotEnforced', // through oranReason
      'NoWorkload', // the Ready chain of ternaries
      'Unhealthy',
      'WritingContent', // target.written ? 'Proposing' : 'WritingContent'
      'RolloutFailed', // failure = { reason: 'RolloutFailed', … }
      'HealingExhausted',
      'ActionFailed', // `class: 'Transient' as const`, reason next to it
      'Finalized',
      'TimedOut',
    ]) {
      expect(got).toContain(r);
    }
    const errs = new Set(errorReasons.map((f) => f.reason));
    for (const r of [
      'WriteNotConfirmed',
      'NotDraft',
      'Conflict',
      'HTTP…',
      'PorchObserveFailed',
      'A1ObserveFailed',
    ])
      expect(errs).toContain(r);
  });

  it('sees only UpperCamelCase reasons outside the allow-list', () => {
    const bad = [...conditionReasons, ...errorReasons].filter(
      (f) => !excluded(f) && tokens([f]).length === 0,
    );
    expect(bad).toEqual([]);
  });

  it('documents every condition reason of the reconciler as `Reason` in a table', () => {
    const missing = undocumented(
      doc,
      tokens(conditionReasons).map((f) => f.reason),
    );
    const where = tokens(conditionReasons).filter((f) => missing.includes(f.reason));
    expect(where).toEqual([]);
  });

  it('documents every status.lastError reason of actions and observations as `Reason` in a table', () => {
    const missing = undocumented(
      doc,
      tokens(errorReasons).map((f) => f.reason),
    );
    const where = tokens(errorReasons).filter((f) => missing.includes(f.reason));
    expect(where).toEqual([]);
  });

  it('documents every phase name (the reason of Active=False, and of Ready=False while deleting)', () => {
    expect(
      undocumented(
        doc,
        PHASES.filter((p) => p !== 'Active'),
      ),
    ).toEqual([]);
  });

  it('has a subsection for every condition type', () => {
    const section = conditionsSection(doc);
    const missing = CONDITION_TYPES.filter((t) => !new RegExp(`^### \`${t}\``, 'm').test(section));
    expect(missing).toEqual([]);
  });

  it('keeps every allow-list entry in use (a stale exclusion could hide a new reason)', () => {
    const all = [...conditionReasons, ...errorReasons];
    const unused = NOT_CONDITION_REASONS.filter(
      (a) => !all.some((f) => f.file === a.file && a.value.test(f.reason)),
    );
    expect(unused).toEqual([]);
  });

  it('fails when a reason is removed from the doc', () => {
    // Remove every mention of one reason from the tables: the check must report exactly it.
    const without = doc.replaceAll('`AwaitingApproval`', 'AwaitingApproval');
    expect(undocumented(without, ['AwaitingApproval', 'Approving'])).toEqual(['AwaitingApproval']);
    expect(undocumented(doc, ['AwaitingApproval', 'Approving'])).toEqual([]);
  });
});

// Drift test: docs/troubleshooting.md ("## Status conditions and reasons") documents exactly the
// vocabulary of lib/conditions.ts — every condition type has a `### \`Type\`` subsection, every
// reason of the table appears in a row of that subsection with its status, every status.lastError
// reason (lib/errors.ts) appears in the Synced subsection, and no row documents a reason the table
// does not have. The code cannot write a reason outside the table (ConditionSpec is typed from it),
// so a reason added, renamed or removed in the code fails here until the doc follows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CONDITIONS, CONDITION_TYPES, type ConditionType } from '../../lib/conditions.ts';
import { ERROR_REASONS } from '../../lib/errors.ts';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'troubleshooting.md');
const SECTION = '## Status conditions and reasons';

/** The "Status conditions and reasons" section: from its heading to the next `## ` heading. */
function conditionsSection(doc: string): string {
  const start = doc.indexOf(`\n${SECTION}\n`);
  if (start === -1) throw new Error(`docs/troubleshooting.md has no "${SECTION}" section`);
  const rest = doc.slice(start + SECTION.length + 2);
  const end = rest.search(/^## /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** The `### \`Type\`` subsection of one condition type (empty when missing). */
function subsection(doc: string, type: ConditionType): string {
  const section = conditionsSection(doc);
  const start = section.search(new RegExp(`^### \`${type}\`$`, 'm'));
  if (start === -1) return '';
  const rest = section.slice(start + 1);
  const end = rest.search(/^### /m);
  return end === -1 ? rest : rest.slice(0, end);
}

interface Row {
  /** The first cell when it is True/False (condition tables), else undefined (the lastError table). */
  status: string | undefined;
  /** Every `Token` in the reason cell. */
  reasons: string[];
}

function rows(text: string): Row[] {
  return text
    .split('\n')
    .filter((l) => l.trimStart().startsWith('|') && !/^\|\s*-/.test(l.trim()))
    .map((l) => l.split('|').map((c) => c.trim()))
    .map((cells) => {
      const [, first = '', second = ''] = cells;
      const status = first === 'True' || first === 'False' ? first : undefined;
      const cell = status === undefined ? first : second;
      return { status, reasons: [...cell.matchAll(/`([A-Za-z0-9]+)`/g)].map((m) => m[1]!) };
    });
}

function documented(doc: string, type: ConditionType, status: 'True' | 'False'): Set<string> {
  return new Set(
    rows(subsection(doc, type))
      .filter((r) => r.status === status)
      .flatMap((r) => r.reasons),
  );
}

/** Reasons of the table missing from the doc, as `Type/Status/Reason`. */
function missingReasons(doc: string): string[] {
  return CONDITION_TYPES.flatMap((type) =>
    (['True', 'False'] as const).flatMap((status) => {
      if (type === 'Synced' && status === 'False') return []; // the lastError table, below
      const have = documented(doc, type, status);
      const want: readonly string[] = CONDITIONS[type][status];
      return want.filter((r) => !have.has(r)).map((r) => `${type}/${status}/${r}`);
    }),
  );
}

describe('docs/troubleshooting.md documents the status vocabulary (drift test)', () => {
  const doc = readFileSync(DOC, 'utf8');

  it('has a subsection for every condition type', () => {
    expect(CONDITION_TYPES.filter((t) => subsection(doc, t) === '')).toEqual([]);
  });

  it('documents every reason of every condition type with its status', () => {
    expect(missingReasons(doc)).toEqual([]);
  });

  it('documents every status.lastError reason (and HTTP<status>) in the Synced subsection', () => {
    const synced = rows(subsection(doc, 'Synced')).flatMap((r) => r.reasons);
    expect(ERROR_REASONS.filter((r) => !synced.includes(r))).toEqual([]);
    expect(synced).toContain('HTTP5xx');
  });

  it('documents no reason the code cannot write (stale rows)', () => {
    const stale = CONDITION_TYPES.flatMap((type) =>
      (['True', 'False'] as const).flatMap((status) => {
        const allowed: readonly string[] =
          type === 'Synced' && status === 'False' ? ERROR_REASONS : CONDITIONS[type][status];
        return [...documented(doc, type, status)]
          .filter((r) => !allowed.includes(r) && !(type === 'Synced' && r === 'HTTP5xx'))
          .map((r) => `${type}/${status}/${r}`);
      }),
    );
    expect(stale).toEqual([]);
  });

  it('fails when a reason is removed from the doc', () => {
    const without = doc.replaceAll('`AwaitingApproval`', 'AwaitingApproval');
    expect(missingReasons(without)).toEqual(['PackagePublished/False/AwaitingApproval']);
  });
});

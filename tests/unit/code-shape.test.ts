// Keeps the code readable in one sitting: no function in lib/ or hooks/ longer than 120 lines, no
// module longer than 500 (generated code aside), and the layers where the README says they are —
// I/O only in lib/clients/ and hooks/ (the pure core's imports are also checked by eslint).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');
const MAX_FUNCTION_LINES = 120;
const MAX_MODULE_LINES = 500;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === 'generated' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const FILES = [...sources('lib'), ...sources('hooks')];

interface Span {
  where: string;
  lines: number;
}

function functionSpans(file: string): Span[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const spans: Span[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body !== undefined) {
      const start = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      spans.push({ where: `${file}:${start + 1}`, lines: end - start + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return spans;
}

describe('code shape', () => {
  it('finds the sources it is meant to check', () => {
    expect(FILES).toContain('lib/reconcile/index.ts');
    expect(FILES).toContain('hooks/flow.ts');
    expect(FILES.some((f) => f.startsWith('lib/generated/'))).toBe(false);
  });

  it(`has no function longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const long = FILES.flatMap(functionSpans).filter((s) => s.lines > MAX_FUNCTION_LINES);
    expect(long).toEqual([]);
  });

  it(`has no module longer than ${MAX_MODULE_LINES} lines`, () => {
    const long = FILES.map((f) => ({
      where: f,
      lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length,
    })).filter((s) => s.lines > MAX_MODULE_LINES);
    expect(long).toEqual([]);
  });

  it('keeps I/O in lib/clients/ and hooks/: nothing else imports node:http, undici or client-node', () => {
    const io = /from '(node:(http|https|net|fs|child_process)|undici|@kubernetes\/client-node|fastify)'/;
    const offenders = FILES.filter((f) => !f.startsWith('lib/clients/') && !f.startsWith('hooks/')).filter(
      (f) => io.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(offenders.map((f) => relative(ROOT, join(ROOT, f)))).toEqual([]);
  });
});

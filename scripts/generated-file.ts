// Writes a generated file, or with --check fails when the file on disk differs from what the
// generator produces now (so CI catches a hand edit or a forgotten regeneration).
import { readFileSync, writeFileSync } from 'node:fs';

export function writeOrCheck(path: string, text: string, regenerate: string, argv = process.argv): void {
  if (!argv.includes('--check')) {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
    return;
  }
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${path} is stale: run ${regenerate}`);
    process.exit(1);
  }
}

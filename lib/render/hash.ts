// The content hash of a rendered package (RenderedPackage.contentHash, ANNOTATION_CONTENT_HASH):
//   1. render every file WITHOUT the content-hash annotation (Kptfile and Deployment);
//   2. contentHash = sha256 hex of the UTF-8 bytes of
//        JSON.stringify([[path, content], ...])   with the pairs sorted by path (code-unit order);
//   3. add the annotation set to that hash to the Kptfile and the Deployment.
// So the hash identifies the content, not itself, and anyone can recompute it by removing the
// annotation line from those two files (see tests/unit/render.test.ts). Step 3 does not serialize
// the two files again: it inserts the annotation's lines (serialized by the same `toYaml`) where a
// second stringify would put them, which is byte-for-byte the same and saves a third of the work.
import { parse } from 'yaml';
import { ANNOTATION_CONTENT_HASH } from '../labels.ts';
import { sha256Hex } from '../sha256.ts';
import { toYaml } from './yaml.ts';

/** sha256 over the files as documented at the top of this module. */
export function computeContentHash(files: Record<string, string>): string {
  const pairs = Object.keys(files)
    .sort()
    .map((path) => [path, files[path]]);
  return sha256Hex(JSON.stringify(pairs));
}

/**
 * Adds `entries` (one more key, or the last keys, of a map nested `depth` levels deep) to a document
 * serialized by toYaml, right before the line of the top-level `key`: what toYaml would have printed
 * had the entries been in the object. The entries are serialized by toYaml too, so quoting is the
 * same, and indented the way it indents block maps (2 spaces a level). Only for documents whose
 * preceding lines are all nested under an earlier top-level key (a line starting `key:` is then
 * that key's own line: deeper lines are indented, multi-line scalars included).
 */
function insertBeforeTopLevelKey(
  doc: string,
  key: string,
  entries: Record<string, unknown>,
  depth: number,
): string {
  const at = doc.indexOf(`\n${key}:`) + 1;
  if (at === 0) throw new Error(`render: no top-level "${key}" to insert before`);
  const pad = '  '.repeat(depth);
  const lines = toYaml(entries).replace(/^(?=.)/gm, pad);
  return doc.slice(0, at) + lines + doc.slice(at);
}

/**
 * Steps 2 and 3: the hash of the files, and the files with it stamped on the Kptfile (its
 * metadata.annotations is followed by the top-level `info`) and the Deployment (its metadata has no
 * annotations yet and is followed by `spec`). Files come back sorted by path.
 */
export function stampContentHash(
  files: Record<string, string>,
  kptfile: string,
  deployment: string,
): { files: Record<string, string>; contentHash: string } {
  const contentHash = computeContentHash(files);
  const annotation = { [ANNOTATION_CONTENT_HASH]: contentHash };
  const stamped = { ...files };
  stamped[kptfile] = insertBeforeTopLevelKey(files[kptfile]!, 'info', annotation, 2);
  stamped[deployment] = insertBeforeTopLevelKey(files[deployment]!, 'spec', { annotations: annotation }, 1);
  return {
    files: Object.fromEntries(
      Object.keys(stamped)
        .sort()
        .map((k) => [k, stamped[k]!]),
    ),
    contentHash,
  };
}

/** The content hash recorded in a package's Kptfile; null when absent or unparseable. */
export function readContentHash(kptfile: string | undefined): string | null {
  if (kptfile === undefined) return null;
  try {
    const doc = parse(kptfile) as { metadata?: { annotations?: Record<string, unknown> } } | null;
    const hash = doc?.metadata?.annotations?.[ANNOTATION_CONTENT_HASH];
    return typeof hash === 'string' && hash !== '' ? hash : null;
  } catch {
    return null;
  }
}

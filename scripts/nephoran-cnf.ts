#!/usr/bin/env node
// nephoran-cnf: render a CNFDeployment into the kpt package the controller would publish, offline;
// or a NetworkIntent into the CNFDeployments its controller would create (docs/intent.md).
// Everything is validated and rendered before anything is written: bad input writes nothing and exits
// 2 with every problem and its field path on stderr. `run` takes its I/O injected so tests drive it.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { INTENT_KIND } from '../lib/intent/types.ts';
import { planIntent } from '../lib/intent/plan.ts';
import { checkPorchNames, defaultPackageName, nameSources } from '../lib/naming.ts';
import { RenderError, renderPackage } from '../lib/render/index.ts';
import { FREE_FORM_MAX_LEVELS, validateCNFDeployment } from '../lib/validate.ts';
import type { CNFDeployment, RenderedPackage } from '../lib/types.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;
export const DEFAULT_REPOSITORY = 'deployments';

export interface CliIO {
  readFile(path: string): string;
  mkdir(path: string): void;
  writeFile(path: string, text: string): void;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const USAGE = `Usage:
  nephoran-cnf render -f <cnf.yaml or intent.yaml> [-o <dir>] [--repository <name>]
  nephoran-cnf --help

Validates a CNFDeployment against the CRD (schema and CEL rules) and renders the kpt package the
controller would publish to Porch: Kptfile, deployment.yaml, service.yaml, configmap.yaml,
function-config.yaml and, with Multus interfaces, network-attachment-def.yaml. A file with several
CNFDeployment documents (a function and what it depends on) renders each, into <dir>/<name>/.

Given a NetworkIntent instead (kind: NetworkIntent), validates it (its sentence too, see
docs/intent.md) and renders the CNFDeployments its controller would create.

Options:
  -f, --file <path>        CNFDeployment YAML (one or more documents) or NetworkIntent YAML (one)
  -o, --output <dir>       write the package files (for an intent: <name>.yaml per CNFDeployment)
                           into <dir> (created); default: print a YAML stream
      --repository <name>  Porch repository when spec.porch.repository is unset (default ${DEFAULT_REPOSITORY})
  -h, --help               show this help

Exit codes: 0 rendered, 1 could not write, 2 invalid input (every problem is printed with its field path).
`;

interface Problem {
  path: string;
  message: string;
}

type Outcome =
  | { ok: true; pkg: RenderedPackage }
  | { ok: true; packages: Array<{ name: string; pkg: RenderedPackage }> }
  | { ok: true; children: CNFDeployment[] }
  | { ok: false; problems: Problem[] };

const STACK_OVERFLOW = /Maximum call stack size exceeded/;

/**
 * The documents of the file (at least one). The YAML parser recurses: a document nested deeper than
 * it can follow (hundreds of levels) is read as JSON when it is JSON (any depth, so validation names
 * the too-deep field), else reported at its line and column.
 */
function readDocuments(
  file: string,
  text: string,
): { ok: true; values: unknown[] } | { ok: false; problems: Problem[] } {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const errors = list.flatMap((d) => [...d.errors]);
  if (errors.length > 0 && errors.every((e) => STACK_OVERFLOW.test(e.message))) {
    try {
      return { ok: true, values: [JSON.parse(text) as unknown] };
    } catch {
      // not JSON: reported below
    }
  }
  const syntax = errors.map((e) => {
    const at = e.linePos?.[0];
    const first = e.message.split('\n')[0] ?? e.message;
    return {
      path: at ? `${file}:${at.line}:${at.col}` : file,
      message: STACK_OVERFLOW.test(first)
        ? `nested too deep for the YAML parser (free-form fields may nest at most ${FREE_FORM_MAX_LEVELS} levels; as JSON the file would be read and the field named)`
        : first,
    };
  });
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const nonEmpty = list.filter((d) => d.contents !== null);
  if (nonEmpty.length === 0) {
    return {
      ok: false,
      problems: [{ path: file, message: 'expected a CNFDeployment document, found none' }],
    };
  }
  try {
    return { ok: true, values: nonEmpty.map((d) => d.toJS() as unknown) };
  } catch (e) {
    // e.g. the parser's alias-expansion bound ("Excessive alias count")
    return { ok: false, problems: [{ path: file, message: (e as Error).message }] };
  }
}

/** Reads, parses, validates and renders; never writes. */
function build(file: string, repositoryFlag: string | undefined, io: CliIO): Outcome {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (e) {
    return { ok: false, problems: [{ path: file, message: `cannot read: ${(e as Error).message}` }] };
  }
  const docs = readDocuments(file, text);
  if (!docs.ok) return docs;
  const [first] = docs.values;
  if (docs.values.length === 1 && (first as { kind?: unknown } | null)?.kind === INTENT_KIND) {
    const plan = planIntent(first);
    return plan.ok ? { ok: true, children: plan.children } : { ok: false, problems: plan.issues };
  }
  return docs.values.length === 1 ? buildOne(first, repositoryFlag) : buildMany(docs.values, repositoryFlag);
}

/**
 * Several CNFDeployments in one file (a function and what it depends on, as `kubectl apply -f`
 * takes them): each rendered, each problem prefixed with the document it is in.
 */
function buildMany(values: unknown[], repositoryFlag: string | undefined): Outcome {
  const problems: Problem[] = [];
  const packages: Array<{ name: string; pkg: RenderedPackage }> = [];
  const seen = new Set<string>();
  values.forEach((value, i) => {
    const name = (value as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    const label = typeof name === 'string' && name !== '' ? name : `document ${i + 1}`;
    const at = (p: Problem): Problem => ({ path: `${label}: ${p.path || '(root)'}`, message: p.message });
    if ((value as { kind?: unknown } | null)?.kind === INTENT_KIND) {
      problems.push(at({ path: 'kind', message: 'a NetworkIntent must be the only document of its file' }));
      return;
    }
    if (seen.has(label)) {
      problems.push(at({ path: 'metadata.name', message: 'is used by an earlier document of the file' }));
      return;
    }
    seen.add(label);
    const one = buildOne(value, repositoryFlag);
    if (!one.ok) problems.push(...one.problems.map(at));
    else if ('pkg' in one) packages.push({ name: label, pkg: one.pkg });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, packages };
}

/** One CNFDeployment: validated, its Porch names checked, rendered. */
function buildOne(value: unknown, repositoryFlag: string | undefined): Outcome {
  const result = validateCNFDeployment(value);
  if (!result.ok) return { ok: false, problems: result.issues };
  const cnf = result.value;
  const namespace = cnf.metadata.namespace ?? 'default';
  const repository = cnf.spec.porch?.repository ?? repositoryFlag ?? DEFAULT_REPOSITORY;
  const packageName = defaultPackageName(namespace, cnf.metadata.name, cnf.spec);
  const sources = nameSources(cnf.spec);
  const naming = checkPorchNames(repository, packageName, 'r1-0000000000', {
    ...sources,
    ...(cnf.spec.porch?.repository === undefined ? { repositoryPath: '--repository' } : {}),
  });
  if (naming.length > 0) return { ok: false, problems: naming };
  try {
    return {
      ok: true,
      pkg: renderPackage({ name: cnf.metadata.name, namespace, spec: cnf.spec, packageName, repository }),
    };
  } catch (e) {
    if (e instanceof RenderError) return { ok: false, problems: e.issues };
    throw e;
  }
}

export function run(argv: string[], io: CliIO): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        file: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        repository: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.stderr(`error: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT_BAD_INPUT;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (positionals[0] !== 'render' || positionals.length !== 1) {
    io.stderr(
      `error: ${positionals.length === 0 ? 'missing command' : `unknown command "${positionals.join(' ')}"`}\n\n${USAGE}`,
    );
    return EXIT_BAD_INPUT;
  }
  if (values.file === undefined) {
    io.stderr(`error: render needs -f <cnf.yaml>\n\n${USAGE}`);
    return EXIT_BAD_INPUT;
  }

  const outcome = build(values.file, values.repository, io);
  if (!outcome.ok) {
    const n = outcome.problems.length;
    io.stderr(
      `error: ${values.file}: ${n} problem${n === 1 ? '' : 's'}, nothing written\n` +
        outcome.problems.map((p) => `  ${p.path || '(root)'}: ${p.message}\n`).join(''),
    );
    return EXIT_BAD_INPUT;
  }

  if ('children' in outcome) return writeChildren(outcome.children, values.output, io);
  if ('packages' in outcome) return writePackages(outcome.packages, values.output, io);
  const { files, contentHash } = outcome.pkg;
  if (values.output === undefined) {
    io.stdout(
      Object.entries(files)
        .map(([path, text]) => `---\n# Source: ${path}\n${text}`)
        .join(''),
    );
    return EXIT_OK;
  }
  try {
    io.mkdir(values.output);
    for (const [path, text] of Object.entries(files)) io.writeFile(join(values.output, path), text);
  } catch (e) {
    io.stderr(`error: cannot write ${values.output}: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  io.stderr(`wrote ${Object.keys(files).length} files to ${values.output} (content hash ${contentHash})\n`);
  return EXIT_OK;
}

/** Several packages: a YAML stream (# Source: <cnf>/<file>), or <output>/<cnf>/<file>. */
function writePackages(
  packages: Array<{ name: string; pkg: RenderedPackage }>,
  output: string | undefined,
  io: CliIO,
): number {
  if (output === undefined) {
    io.stdout(
      packages
        .flatMap(({ name, pkg }) =>
          Object.entries(pkg.files).map(([path, text]) => `---\n# Source: ${name}/${path}\n${text}`),
        )
        .join(''),
    );
    return EXIT_OK;
  }
  try {
    for (const { name, pkg } of packages) {
      io.mkdir(join(output, name));
      for (const [path, text] of Object.entries(pkg.files)) io.writeFile(join(output, name, path), text);
    }
  } catch (e) {
    io.stderr(`error: cannot write ${output}: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  const hashes = packages.map(({ name, pkg }) => `${name} ${pkg.contentHash}`).join(', ');
  io.stderr(`wrote ${packages.length} packages to ${output} (content hashes: ${hashes})\n`);
  return EXIT_OK;
}

/** A NetworkIntent's CNFDeployments: a YAML stream, or one <name>.yaml each in `output`. */
function writeChildren(children: CNFDeployment[], output: string | undefined, io: CliIO): number {
  const docs = children.map((c) => [c.metadata.name, stringify(c)] as const);
  if (output === undefined) {
    io.stdout(docs.map(([name, text]) => `---\n# CNFDeployment ${name}\n${text}`).join(''));
    return EXIT_OK;
  }
  try {
    io.mkdir(output);
    for (const [name, text] of docs) io.writeFile(join(output, `${name}.yaml`), text);
  } catch (e) {
    io.stderr(`error: cannot write ${output}: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  io.stderr(`wrote ${docs.length} CNFDeployments to ${output}\n`);
  return EXIT_OK;
}

export const nodeIO: CliIO = {
  readFile: (path) => readFileSync(path, 'utf8'),
  mkdir: (path) => mkdirSync(path, { recursive: true }),
  writeFile: (path, text) => writeFileSync(path, text),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

if (import.meta.main) {
  process.exitCode = run(process.argv.slice(2), nodeIO);
}

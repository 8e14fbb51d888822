#!/usr/bin/env node
// `npm run local`: the whole product on one machine, without Docker.
//
//   1. builds missing binaries (scripts/local/build.ts; cached under ~/.cache/nephoran-local);
//   2. a kwok cluster (real etcd, kube-apiserver, controller-manager, scheduler; fake nodes);
//   3. Porch's test git server, porch-server (aggregated API), a Porch Repository;
//   4. the CNFDeployment and NetworkIntent CRDs, Metacontroller, the hook server of this checkout
//      (`npm start`) and the two CompositeControllers pointed at it;
//   5. Flux (source-controller + kustomize-controller, stack/flux.ts) applying what Porch publishes
//      on the deployment repositories' branches to the cluster, with prune;
//   6. applies examples/amf.yaml and prints its phase changes until Active (stack/example.ts).
//
// Options: see USAGE below (`npm run local -- --help`).
//
// NEPHORAN_BIN_<BINARY> (e.g. NEPHORAN_BIN_PORCH_SERVER=/path/porch-server) uses a binary of your own
// instead of asking build.ts for it. Ports: NEPHORAN_{PORCH,PORCH_WEBHOOK,GIT,HOOK}_PORT, see
// stack/util.ts settings().
//
// Re-running while a stack is up REUSES it: the cluster, git server, Porch and Metacontroller are
// kept when they answer their health checks (anything down is started again), Flux's controllers
// too; the hook server is always restarted so that the code of the working tree is what runs; all
// manifests are re-applied (idempotent). Logs: .local/logs/<component>.log. Stop: npm run local:down.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

import { elapsed, errorMessage, parseCli, run, runMain, say, setLogStamp, writeJson } from './common.ts';
import { down } from './down.ts';
import * as cluster from './stack/cluster.ts';
import type { ExampleTimings } from './stack/example.ts';
import { watchExample } from './stack/example.ts';
import * as flux from './stack/flux.ts';
import * as gitserver from './stack/gitserver.ts';
import * as hooks from './stack/hooks.ts';
import * as metacontroller from './stack/metacontroller.ts';
import * as porch from './stack/porch.ts';
import {
  BINARIES,
  KUBECONFIG,
  LOCAL,
  LOGS,
  MANIFESTS,
  PIDS,
  ROOT,
  STACK_FILE,
  StackError,
  kubectl,
  kubectlApply,
  logFile,
  rel,
  settings as loadSettings,
  type Binary,
  type Bins,
  type StackContext,
  type StackFile,
} from './stack/util.ts';
import { waitForCrds } from './stack/wait.ts';
import { loadVersions } from './versions.ts';

export const USAGE = `usage: npm run local [-- --fresh] [--infra-only] [--no-example] [--example FILE] [--without-metacontroller]
       (or: node scripts/local/up.ts ...)

Brings up the local stack (kwok cluster, git server, Porch, Metacontroller, the hook server of this
checkout, Flux) and applies examples/amf.yaml until it is Active. A running stack is reused; the
hook server is always restarted.

  --fresh                   stop and delete any running stack first (npm run local:down), then start anew
  --infra-only              the cluster, git server, Porch, CRDs and Metacontroller only: no hook
                            server, CompositeController, Flux or example
  --no-example              everything but the example
  --example FILE            apply FILE instead of examples/amf.yaml
  --without-metacontroller  everything but Metacontroller (and so no CompositeController, no
                            example): for when Metacontroller cannot be built
  -h, --help                show this help

Environment: NEPHORAN_BIN_<BINARY> (use your own binary), NEPHORAN_{PORCH,PORCH_WEBHOOK,GIT,HOOK}_PORT,
NEPHORAN_MC_{METRICS,HEALTH}_PORT, NEPHORAN_FLUX_PORT_BASE, NEPHORAN_CLUSTER, NEPHORAN_NAMESPACE, PORCH_REPOSITORY,
NEPHORAN_ACTIVE_TIMEOUT (seconds). Logs: .local/logs/<component>.log. Stop: npm run local:down.
`;

export interface UpOptions {
  help: boolean;
  fresh: boolean;
  infraOnly: boolean;
  metacontroller: boolean;
  /** The example to apply, or null for none. */
  example: string | null;
}

export function parseOptions(argv: string[]): UpOptions {
  const { values } = parseCli(argv, {
    fresh: { type: 'boolean', default: false },
    'infra-only': { type: 'boolean', default: false },
    'no-example': { type: 'boolean', default: false },
    example: { type: 'string' },
    'without-metacontroller': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  return {
    help: values.help,
    fresh: values.fresh,
    infraOnly: values['infra-only'],
    metacontroller: !values['without-metacontroller'],
    example: values['no-example']
      ? null
      : path.resolve(values.example ?? path.join(ROOT, 'examples', 'amf.yaml')),
  };
}

/**
 * build.ts --print-paths for the named binaries: builds what is missing (its progress goes straight
 * to our stderr), returns { binary: path }.
 */
async function buildPaths(names: string[]): Promise<Record<string, string>> {
  const res = await run(
    process.execPath,
    [path.join(ROOT, 'scripts', 'local', 'build.ts'), '--print-paths', ...names],
    {
      cwd: ROOT,
      stderr: 'inherit',
    },
  );
  if (res.code !== 0) {
    throw new StackError(
      'build',
      `scripts/local/build.ts exited ${res.code} (see the messages above)`,
      'the output above',
    );
  }
  try {
    return JSON.parse(res.stdout) as Record<string, string>;
  } catch (err) {
    throw new StackError(
      'build',
      `unexpected output of build.ts --print-paths: ${errorMessage(err)}`,
      'the output above',
      { cause: err },
    );
  }
}

/** NEPHORAN_BIN_PORCH_SERVER etc.: use a binary of your own instead of building that one. */
const overrideVar = (binary: string): string => `NEPHORAN_BIN_${binary.toUpperCase().replace(/-/g, '_')}`;

async function binaries(required: Binary[]): Promise<Bins> {
  const bins: Record<string, string> = {};
  for (const b of required) {
    const p = process.env[overrideVar(b)];
    if (!p) continue;
    if (!existsSync(p))
      throw new StackError('build', `${overrideVar(b)}=${p}: no such file`, 'your environment');
    bins[b] = path.resolve(p);
    say(`build: ${b} from ${overrideVar(b)} (${bins[b]})`);
  }
  const toBuild = required.filter((b) => !bins[b]);
  if (toBuild.length > 0) {
    say(
      'build: checking binaries (scripts/local/build.ts builds what is missing; the first build takes long)',
    );
    Object.assign(bins, await buildPaths(toBuild));
  }
  const missing = required.filter((b) => !bins[b]);
  if (missing.length) {
    throw new StackError('build', `build.ts did not report ${missing.join(', ')}`, 'the output above');
  }
  return bins as Bins;
}

async function applyCrds(ctx: StackContext): Promise<void> {
  await kubectlApply(
    ctx.bins,
    'cluster',
    await readFile(path.join(MANIFESTS, 'network-attachment-definition-crd.yaml'), 'utf8'),
  );
  const res = await kubectl(ctx.bins, ['apply', '-k', path.join(ROOT, 'manifests', 'crd')], {
    logFile: logFile('cluster'),
  });
  if (res.code !== 0) throw new StackError('cluster', `applying manifests/crd failed: ${res.stderr.trim()}`);
  await waitForCrds(
    ctx.bins,
    'cluster',
    'CRDs cnfdeployments.nephoran.com, networkintents.nephoran.com and network-attachment-definitions.k8s.cni.cncf.io Established',
    [
      'cnfdeployments.nephoran.com',
      'networkintents.nephoran.com',
      'network-attachment-definitions.k8s.cni.cncf.io',
    ],
  );
  say(
    'crds: CNFDeployment and NetworkIntent (manifests/crd) and NetworkAttachmentDefinition (local minimal) established',
  );
}

/** .local/timings.json */
interface Timings {
  cluster?: { seconds: number; reused: boolean };
  gitserver?: { seconds: number };
  porch?: { seconds: number; apiSeconds: number };
  metacontroller?: { seconds: number };
  hooks?: { seconds: number };
  flux?: { seconds: number };
  example?: ExampleTimings;
  totalSeconds?: number;
}

/** Steps 2-6 in order; what each took. */
async function start(ctx: StackContext, opts: UpOptions): Promise<Timings> {
  const timings: Timings = {};
  timings.cluster = await cluster.up(ctx);
  timings.gitserver = await gitserver.up(ctx);
  timings.porch = await porch.up(ctx);
  await applyCrds(ctx);
  if (opts.metacontroller) timings.metacontroller = await metacontroller.up(ctx);
  if (opts.infraOnly) return timings;
  timings.hooks = await hooks.up(ctx);
  if (opts.metacontroller) await metacontroller.applyCompositeController(ctx);
  timings.flux = await flux.up(ctx);
  if (opts.example && opts.metacontroller) timings.example = await watchExample(ctx, opts.example);
  else if (opts.example) say('example: not applied: without Metacontroller nothing would call the hooks');
  return timings;
}

function summary(ctx: StackContext, opts: UpOptions, started: number): string {
  const { settings } = ctx;
  const kc = `KUBECONFIG=${rel(KUBECONFIG)}`;
  return (
    [
      '',
      `Local stack is up (${elapsed(started)}). It keeps running in the background.`,
      `  cluster:   ${kc} kubectl get cnfd,packagerevisions,deployments,pods -A`,
      `             (or: export KUBECONFIG=$PWD/${rel(KUBECONFIG)})`,
      `  porch:     ${kc} kubectl get repositories,packagerevisions -n ${settings.namespace}`,
      `  git:       git ls-remote ${gitserver.repoUrl(settings)}`,
      opts.infraOnly ? '' : `  hooks:     curl -s http://127.0.0.1:${settings.hookPort}/metrics | grep cnf_`,
      `  logs:      ${rel(LOGS)}/<component>.log (cluster, porch, gitserver, metacontroller, hooks, flux-source, flux-kustomize, kube-apiserver, ...)`,
      '  again:     npm run local          (reuses what runs, restarts hooks)',
      '  stop:      npm run local:down',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n'
  );
}

async function main(): Promise<void> {
  setLogStamp('elapsed');
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  const started = Date.now();
  if (opts.fresh) {
    say('--fresh: stopping and deleting the current stack first');
    await down();
  }
  await mkdir(LOGS, { recursive: true });
  await mkdir(PIDS, { recursive: true });
  say(`local stack in ${rel(LOCAL)}; logs in ${rel(LOGS)}/`);

  const bins = await binaries(BINARIES.filter((b) => b !== 'metacontroller' || opts.metacontroller));
  const ctx: StackContext = { bins, settings: loadSettings(), versions: await loadVersions() };
  const stackFile: StackFile = { bins, settings: ctx.settings, startedAt: new Date().toISOString() };
  await writeJson(STACK_FILE, stackFile);

  const timings = await start(ctx, opts);
  timings.totalSeconds = (Date.now() - started) / 1000;
  await writeJson(path.join(LOCAL, 'timings.json'), timings);
  process.stdout.write(summary(ctx, opts, started));
}

if (import.meta.main) {
  runMain(USAGE, main, (err) => {
    process.stderr.write(`\nFAILED: ${errorMessage(err)}\n`);
    if (err instanceof StackError) {
      process.stderr.write('What did start is left running for inspection; `npm run local:down` stops it.\n');
    } else if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  });
}

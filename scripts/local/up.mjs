#!/usr/bin/env node
// `npm run local`: the whole product on one machine, without Docker.
//
//   1. builds missing binaries (scripts/local/build.ts; cached under ~/.cache/nephoran-local);
//   2. a kwok cluster (real etcd, kube-apiserver, controller-manager, scheduler; fake nodes);
//   3. Porch's test git server, porch-server (aggregated API), a Porch Repository;
//   4. the CNFDeployment CRD, Metacontroller, the hook server of this checkout (`npm start`) and the
//      CompositeController pointed at it;
//   5. the GitOps stand-in (scripts/local/gitops.mjs) applying published packages to the cluster;
//   6. applies examples/amf.yaml and prints its phase changes until Active.
//
// Options (after `npm run local --`):
//   --fresh         stop and delete any running stack first (npm run local:down), then start anew
//   --infra-only    steps 1-4 without the hook server and CompositeController (and no 5, 6)
//   --no-example    everything but step 6
//   --example FILE  apply FILE instead of examples/amf.yaml
//   --without-metacontroller  everything but Metacontroller (and so no CompositeController, no
//                   example): for when Metacontroller cannot be built
//
// NEPHORAN_BIN_<BINARY> (e.g. NEPHORAN_BIN_PORCH_SERVER=/path/porch-server) uses a binary of your own
// instead of asking build.ts for it. Ports: NEPHORAN_{PORCH,PORCH_WEBHOOK,GIT,HOOK}_PORT, see
// stack/util.mjs settings().
//
// Re-running while a stack is up REUSES it: the cluster, git server, Porch and Metacontroller are
// kept when they answer their health checks (anything down is started again); the hook server and
// the GitOps stand-in are always restarted so that the code of the working tree is what runs; all
// manifests are re-applied (idempotent). Logs: .local/logs/<component>.log. Stop: npm run local:down.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { parse } from 'yaml';

import * as cluster from './stack/cluster.mjs';
import * as gitops from './stack/gitops.mjs';
import * as gitserver from './stack/gitserver.mjs';
import * as hooks from './stack/hooks.mjs';
import * as metacontroller from './stack/metacontroller.mjs';
import * as porch from './stack/porch.mjs';
import {
  KUBECONFIG,
  LOCAL,
  LOGS,
  MANIFESTS,
  PIDS,
  ROOT,
  STACK_FILE,
  StackError,
  assertRunning,
  elapsed,
  kubectl,
  kubectlApply,
  logFile,
  rel,
  say,
  settings as loadSettings,
  sleep,
  waitFor,
  writeJson,
} from './stack/util.mjs';

function parseArgs(argv) {
  const opts = {
    fresh: false,
    infraOnly: false,
    metacontroller: true,
    example: path.join(ROOT, 'examples', 'amf.yaml'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--fresh') opts.fresh = true;
    else if (a === '--infra-only') opts.infraOnly = true;
    else if (a === '--no-example') opts.example = null;
    else if (a === '--without-metacontroller') opts.metacontroller = false;
    else if (a === '--example') opts.example = path.resolve(argv[++i] ?? '');
    else if (a === '-h' || a === '--help') {
      process.stdout.write(
        'usage: npm run local [-- --fresh] [--infra-only] [--no-example] [--example FILE] [--without-metacontroller]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

/**
 * build.ts --print-paths for the named binaries: builds what is missing (progress on stderr),
 * returns { binary: path }.
 */
function buildPaths(names) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'scripts', 'local', 'build.ts'), '--print-paths', ...names],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new StackError(
            'build',
            `scripts/local/build.ts exited ${code} (see the messages above)`,
            'the output above',
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(out));
      } catch (err) {
        reject(
          new StackError(
            'build',
            `unexpected output of build.ts --print-paths: ${err.message}`,
            'the output above',
          ),
        );
      }
    });
  });
}

const REQUIRED = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'kwokctl',
  'porch-server',
  'porch-git-server',
  'metacontroller',
];

/** NEPHORAN_BIN_PORCH_SERVER etc.: use a binary of your own instead of building that one. */
const overrideVar = (binary) => `NEPHORAN_BIN_${binary.toUpperCase().replace(/-/g, '_')}`;

async function binaries(required) {
  const bins = {};
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
  return bins;
}

async function applyCrds(ctx) {
  await kubectlApply(
    ctx.bins,
    'cluster',
    await readFile(path.join(MANIFESTS, 'network-attachment-definition-crd.yaml'), 'utf8'),
  );
  const res = await kubectl(ctx.bins, ['apply', '-k', path.join(ROOT, 'manifests', 'crd')], {
    log: logFile('cluster'),
  });
  if (res.code !== 0) throw new StackError('cluster', `applying manifests/crd failed: ${res.stderr.trim()}`);
  await waitFor(
    'cluster',
    'CRDs cnfdeployments.nephoran.com and network-attachment-definitions.k8s.cni.cncf.io Established',
    async () =>
      (
        await kubectl(ctx.bins, [
          'wait',
          '--for=condition=Established',
          '--timeout=5s',
          'crd/cnfdeployments.nephoran.com',
          'crd/network-attachment-definitions.k8s.cni.cncf.io',
        ])
      ).code === 0,
    { timeoutMs: 60_000 },
  );
  say('crds: CNFDeployment (manifests/crd) and NetworkAttachmentDefinition (local minimal) established');
}

const cond = (o, type) => (o?.status?.conditions ?? []).find((c) => c.type === type);

/** Applies the example and prints phase, PackageRevision and workload changes until Active. */
async function watchExample(ctx, file) {
  const doc = parse(await readFile(file, 'utf8'));
  const name = doc.metadata.name;
  const ns = doc.metadata.namespace ?? 'default';
  const t0 = Date.now();
  await kubectlApply(ctx.bins, 'example', await readFile(file, 'utf8'));
  say(
    `example: applied ${rel(file)} (CNFDeployment ${ns}/${name}); waiting up to ${ctx.settings.activeTimeoutSeconds}s for phase Active`,
  );
  const seen = { phase: undefined, prs: new Map(), ready: undefined, events: new Map(), conditions: '' };
  let lastWarning = '';
  let firstPublished = null;
  let last = null;
  const deadline = t0 + ctx.settings.activeTimeoutSeconds * 1000;
  const since = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
  while (Date.now() < deadline) {
    for (const c of ['hooks', 'metacontroller', 'porch', 'gitops']) await assertRunning(c);
    const got = await kubectl(ctx.bins, ['get', 'cnfdeployments.nephoran.com', name, '-n', ns, '-o', 'json']);
    if (got.code === 0) {
      last = JSON.parse(got.stdout);
      const phase = last.status?.phase;
      if (phase !== seen.phase) {
        say(`example: ${since()} phase ${seen.phase ?? '(none)'} → ${phase ?? '(none)'}`);
        seen.phase = phase;
      }
      const conds = (last.status?.conditions ?? [])
        .map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ''}`)
        .join(' ');
      if (conds !== seen.conditions) {
        say(`example: ${since()} conditions ${conds || '(none)'}`);
        seen.conditions = conds;
      }
      if (phase === 'Active') {
        const secs = (Date.now() - t0) / 1000;
        say(`example: ${ns}/${name} is Active after ${secs.toFixed(1)}s`);
        return { activeSeconds: secs, firstPublishedSeconds: firstPublished };
      }
      if (phase === 'Failed') {
        throw new StackError(
          'hooks',
          `CNFDeployment ${ns}/${name} went to phase Failed: ${JSON.stringify(last.status?.conditions ?? [], null, 2)}`,
        );
      }
    }
    const prs = await kubectl(ctx.bins, ['get', 'packagerevisions.porch.kpt.dev', '-n', ns, '-o', 'json']);
    if (prs.code === 0) {
      for (const pr of JSON.parse(prs.stdout).items ?? []) {
        if (pr.spec?.repository !== ctx.settings.repository) continue;
        const state = `${pr.spec?.lifecycle ?? '?'} rev ${pr.spec?.revision ?? '?'}`;
        if (seen.prs.get(pr.metadata.name) !== state) {
          say(
            `example: ${since()} PackageRevision ${pr.metadata.name}: ${seen.prs.get(pr.metadata.name) ?? 'new'} → ${state}`,
          );
          seen.prs.set(pr.metadata.name, state);
        }
        if (pr.spec?.lifecycle === 'Published' && firstPublished === null)
          firstPublished = (Date.now() - t0) / 1000;
      }
    }
    const dep = await kubectl(ctx.bins, [
      'get',
      'deployment',
      name,
      '-n',
      ns,
      '-o',
      'jsonpath={.status.readyReplicas}/{.spec.replicas}',
    ]);
    const ready = dep.code === 0 ? dep.stdout.trim() : 'absent';
    if (ready !== seen.ready) {
      say(`example: ${since()} Deployment ${ns}/${name} (applied by gitops) ready ${ready}`);
      seen.ready = ready;
    }
    const ev = await kubectl(ctx.bins, [
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      `involvedObject.name=${name}`,
      '-o',
      'json',
    ]);
    if (ev.code === 0) {
      const at = (e) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp) || 0;
      for (const e of (JSON.parse(ev.stdout).items ?? []).sort((a, b) => at(a) - at(b))) {
        // each event once, a repeating one again at most every 30 s with its count
        const count = e.count ?? e.series?.count ?? 1;
        const prev = seen.events.get(e.metadata.uid);
        if (prev && (prev.count === count || Date.now() - prev.at < 30_000)) continue;
        seen.events.set(e.metadata.uid, { count, at: Date.now() });
        const msg = (e.message ?? '').slice(0, 300);
        if (e.type === 'Warning') lastWarning = `${e.reason}: ${msg}`;
        const kind = e.involvedObject?.kind ?? '?';
        say(
          `example: ${since()} event ${kind} ${e.type} ${e.reason}${count > 1 ? ` (x${count})` : ''}: ${msg}`,
        );
      }
    }
    await sleep(1000);
  }
  throw new StackError(
    'hooks',
    `CNFDeployment ${ns}/${name} did not reach phase Active within ${ctx.settings.activeTimeoutSeconds}s ` +
      `(last phase ${last?.status?.phase ?? '(none)'}, Ready=${cond(last, 'Ready')?.status ?? '?'}).\n` +
      (lastWarning ? `  Last Warning event: ${lastWarning}\n` : '') +
      `  Look at: ${rel(logFile('hooks'))} (hook answers), ${rel(logFile('metacontroller'))} (sync errors), ` +
      `${rel(logFile('porch'))}, ${rel(logFile('gitops'))} (what was applied)\n` +
      `  KUBECONFIG=${rel(KUBECONFIG)} kubectl describe cnfd ${name} -n ${ns}`,
  );
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (opts.fresh) {
    say('--fresh: stopping and deleting the current stack first');
    const { down } = await import('./down.mjs');
    await down({ quiet: false });
  }
  await mkdir(LOGS, { recursive: true });
  await mkdir(PIDS, { recursive: true });
  say(`local stack in ${rel(LOCAL)}; logs in ${rel(LOGS)}/`);

  const bins = await binaries(REQUIRED.filter((b) => b !== 'metacontroller' || opts.metacontroller));
  const versions = JSON.parse(await readFile(path.join(ROOT, 'scripts', 'local', 'versions.json'), 'utf8'));
  const settings = loadSettings();
  const ctx = { bins, settings, versions };
  await writeJson(STACK_FILE, { bins, settings, startedAt: new Date().toISOString() });

  const timings = {};
  timings.cluster = await cluster.up(ctx);
  timings.gitserver = await gitserver.up(ctx);
  timings.porch = await porch.up(ctx);
  await applyCrds(ctx);
  if (opts.metacontroller) timings.metacontroller = await metacontroller.up(ctx);
  if (!opts.infraOnly) {
    timings.hooks = await hooks.up(ctx);
    if (opts.metacontroller) await metacontroller.applyCompositeController(ctx);
    await gitops.up(ctx);
    if (opts.example && opts.metacontroller) timings.example = await watchExample(ctx, opts.example);
    else if (opts.example) {
      say('example: not applied: without Metacontroller nothing would call the hooks');
    }
  }
  timings.totalSeconds = (Date.now() - started) / 1000;
  await writeJson(path.join(LOCAL, 'timings.json'), timings);

  const kc = `KUBECONFIG=${rel(KUBECONFIG)}`;
  process.stdout.write(
    [
      '',
      `Local stack is up (${elapsed(started)}). It keeps running in the background.`,
      `  cluster:   ${kc} kubectl get cnfd,packagerevisions,deployments,pods -A`,
      `             (or: export KUBECONFIG=$PWD/${rel(KUBECONFIG)})`,
      `  porch:     ${kc} kubectl get repositories,packagerevisions -n ${settings.namespace}`,
      `  git:       git ls-remote ${gitserver.repoUrl(settings)}`,
      opts.infraOnly ? '' : `  hooks:     curl -s http://127.0.0.1:${settings.hookPort}/metrics | grep cnf_`,
      `  logs:      ${rel(LOGS)}/<component>.log (cluster, porch, gitserver, metacontroller, hooks, gitops, kube-apiserver, ...)`,
      '  again:     npm run local          (reuses what runs, restarts hooks + gitops)',
      '  stop:      npm run local:down',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`\nFAILED: ${err.message}\n`);
  if (err instanceof StackError) {
    process.stderr.write('What did start is left running for inspection; `npm run local:down` stops it.\n');
  } else if (err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});

#!/usr/bin/env node
// GitOps stand-in for the LOCAL STACK ONLY. Never shipped with the product (the Dockerfile copies
// hooks/ and lib/ only) and not a substitute for Config Sync or Flux in a real deployment: it exists
// because neither can run on a machine without containers. It does the one thing the local stack
// needs from them: make what Porch publishes on the deployment repository's branch exist in the
// cluster, so that the CNFDeployment's related objects (Deployments, Pods) appear and its status can
// reach Active.
//
// Every --interval-ms (1 s) it:
//   1. asks the git server for the branch head (`git ls-remote`);
//   2. when the head moved (or every --resync-seconds, to undo drift), fetches it into a local clone
//      (<state-dir>/clone) and finds every package directory (a directory holding a Kptfile);
//   3. applies each package's resources with `kubectl apply --server-side` (field manager
//      nephoran-local-gitops). Skipped: the Kptfile, any object annotated
//      config.kubernetes.io/local-config: "true", and objects whose kind the cluster does not serve
//      (logged; e.g. a FunctionConfig without a CRD);
//   4. prunes: deletes every object it applied earlier that no package on the branch holds any more
//      (the package directory disappeared, or the object left its package). What it applied is kept
//      in <state-dir>/inventory.json, so pruning works across restarts.
// Each apply/prune is logged with the package directory and the commit it came from.
//
// This file: options and the loop; the work is in gitops/sync.ts. up.ts starts it (stack/gitops.ts);
// standalone: npm run local:gitops -- --repo URL ... (see USAGE).
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

import { UsageError, errorMessage, parseCli, runMain, say as log, setLogStamp } from './common.ts';
import { GitOps, short, type GitOpsConfig } from './gitops/sync.ts';

export const USAGE = `usage: node scripts/local/gitops.ts --repo URL [--branch main] [--kubeconfig FILE] [--kubectl BIN]
         [--state-dir DIR] [--interval-ms 1000] [--resync-seconds 30] [--once]
       (or: npm run local:gitops -- ...)

The local stack's GitOps stand-in: applies every package (directory with a Kptfile) on the branch
of the git repository to the cluster with kubectl apply --server-side, and prunes what it applied
before and no package holds any more. \`npm run local\` runs it in the background (log
.local/logs/gitops.log).

  --repo URL            git repository (required), e.g. http://127.0.0.1:9446/cnf-packages
  --branch NAME         branch to follow (default main)
  --kubeconfig FILE     kubeconfig for kubectl (default $KUBECONFIG)
  --kubectl BIN         kubectl to run (default kubectl on PATH)
  --state-dir DIR       clone and inventory.json (default .local/gitops)
  --interval-ms N       how often to look at the branch head (default 1000)
  --resync-seconds N    re-apply an unchanged head this often, to undo drift (default 30)
  --once                one pass, then exit (1 when something failed)
  -h, --help            show this help
`;

export interface GitOpsOptions extends GitOpsConfig {
  help: boolean;
  intervalMs: number;
  once: boolean;
}

function positive(name: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} needs a positive number, got "${value}"`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): GitOpsOptions {
  const { values } = parseCli(argv, {
    repo: { type: 'string' },
    branch: { type: 'string', default: 'main' },
    kubeconfig: { type: 'string' },
    kubectl: { type: 'string', default: 'kubectl' },
    'state-dir': { type: 'string' },
    'interval-ms': { type: 'string' },
    'resync-seconds': { type: 'string' },
    once: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (!values.repo && !values.help) throw new UsageError('--repo <git url> is required');
  return {
    help: values.help,
    repo: values.repo ?? '',
    branch: values.branch,
    kubeconfig: values.kubeconfig !== undefined ? path.resolve(values.kubeconfig) : (env.KUBECONFIG ?? ''),
    kubectl: values.kubectl,
    stateDir: path.resolve(values['state-dir'] ?? path.join('.local', 'gitops')),
    intervalMs: positive('interval-ms', values['interval-ms'], 1000),
    resyncSeconds: positive('resync-seconds', values['resync-seconds'], 30),
    once: values.once,
  };
}

async function main(): Promise<void> {
  // its output is a daemon's log (.local/logs/gitops.log): every line with the wall clock
  setLogStamp('clock');
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  const gitops = new GitOps(opts);
  await gitops.init();
  log(
    `watching ${opts.repo} branch ${opts.branch} every ${opts.intervalMs} ms (state ${opts.stateDir}; ` +
      `last applied ${gitops.inventory.commit ? short(gitops.inventory.commit) : 'nothing'})`,
  );
  if (opts.once) {
    process.exitCode = (await gitops.tick()) ? 0 : 1;
    return;
  }
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      log(`${sig}: stopping`);
      stopping = true;
    });
  }
  let lastError = '';
  while (!stopping) {
    try {
      await gitops.tick();
      lastError = '';
    } catch (err) {
      // the same error every second is logged once
      const msg = errorMessage(err);
      if (msg !== lastError) log(`ERROR ${msg}`);
      lastError = msg;
    }
    await sleep(opts.intervalMs);
  }
}

if (import.meta.main) {
  runMain(USAGE, main, (err) => log(`FATAL ${errorMessage(err)}`));
}

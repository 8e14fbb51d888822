// Starts the GitOps stand-in (scripts/local/gitops.ts, see its header) against the Porch
// repository's branch main on the test git server, and a second one for the edge Repository's branch. Always restarted by up.ts (it keeps its
// inventory in .local/gitops/inventory.json, so a restart prunes and applies correctly).
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

import { say } from '../common.ts';
import { assertRunning, startDaemon, stopDaemon } from './daemon.ts';
import { repoUrl } from './gitserver.ts';
import { KUBECONFIG, LOCAL, ROOT, logFile, rel, type StackContext } from './util.ts';

const COMPONENT = 'gitops';
const EDGE_COMPONENT = 'gitops-edge';

/**
 * A stand-in for one git repository's branch, as a daemon named `component` keeping its state in
 * `stateDir`. up.ts starts the product's own; the scale benchmark one per site.
 */
export async function startGitOps(
  bins: Pick<StackContext['bins'], 'kubectl'>,
  url: string,
  component: string,
  stateDir: string,
  branch = 'main',
): Promise<void> {
  await stopDaemon(component, { quiet: true });
  await startDaemon(
    component,
    process.execPath,
    [
      path.join(ROOT, 'scripts', 'local', 'gitops.ts'),
      '--repo',
      url,
      '--branch',
      branch,
      '--kubeconfig',
      KUBECONFIG,
      '--kubectl',
      bins.kubectl,
      '--state-dir',
      stateDir,
    ],
    { marker: 'gitops.ts' },
  );
  await sleep(1000);
  await assertRunning(component);
}

export async function up({ bins, settings }: StackContext): Promise<void> {
  await startGitOps(bins, repoUrl(settings), COMPONENT, path.join(LOCAL, 'gitops'));
  const edge = repoUrl(settings, settings.edgeRepository);
  await startGitOps(bins, edge, EDGE_COMPONENT, path.join(LOCAL, EDGE_COMPONENT), settings.edgeBranch);
  say(
    `gitops: stand-ins syncing ${repoUrl(settings)} (main) and ${edge} (${settings.edgeBranch}) into the cluster (logs ${rel(logFile(COMPONENT))}, ${rel(logFile(EDGE_COMPONENT))})`,
  );
}

export async function down(): Promise<void> {
  await stopDaemon(COMPONENT);
  await stopDaemon(EDGE_COMPONENT);
}

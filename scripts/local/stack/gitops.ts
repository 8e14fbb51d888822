// Starts the GitOps stand-in (scripts/local/gitops.ts, see its header) against the Porch
// repository's branch main on the test git server. Always restarted by up.ts (it keeps its
// inventory in .local/gitops/inventory.json, so a restart prunes and applies correctly).
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

import { say } from '../common.ts';
import { assertRunning, startDaemon, stopDaemon } from './daemon.ts';
import { repoUrl } from './gitserver.ts';
import { KUBECONFIG, LOCAL, ROOT, logFile, rel, type StackContext } from './util.ts';

const COMPONENT = 'gitops';

export async function up({ bins, settings }: StackContext): Promise<void> {
  await stopDaemon(COMPONENT, { quiet: true });
  await startDaemon(
    COMPONENT,
    process.execPath,
    [
      path.join(ROOT, 'scripts', 'local', 'gitops.ts'),
      '--repo',
      repoUrl(settings),
      '--branch',
      'main',
      '--kubeconfig',
      KUBECONFIG,
      '--kubectl',
      bins.kubectl,
      '--state-dir',
      path.join(LOCAL, 'gitops'),
    ],
    { marker: 'gitops.ts' },
  );
  await sleep(1000);
  await assertRunning(COMPONENT);
  say(
    `gitops: stand-in syncing ${repoUrl(settings)} (main) into the cluster (log ${rel(logFile(COMPONENT))})`,
  );
}

export async function down(): Promise<void> {
  await stopDaemon(COMPONENT);
}

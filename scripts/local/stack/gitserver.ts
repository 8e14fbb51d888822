// Porch's test git server (github.com/nephio-project/porch test/git, built by build.ts as
// porch-git-server): smart HTTP, serves the bare repositories under .local/git, creates a repository
// on first use. URL: http://127.0.0.1:<port>/<name> — the name is the first path segment and may only
// hold [a-z0-9-] (no ".git" suffix). It has no listen-address flag: it binds :<port> (all interfaces).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { say } from '../common.ts';
import { running, startDaemon, stopDaemon } from './daemon.ts';
import { LOCAL, logFile, rel, runCommand, type Settings, type StackContext } from './util.ts';
import { ensurePortFree, tcpOpen, waitFor } from './wait.ts';

const COMPONENT = 'gitserver';
export const GIT_DIR = path.join(LOCAL, 'git');

export const repoUrl = (settings: Pick<Settings, 'gitPort' | 'repository'>): string =>
  `http://127.0.0.1:${settings.gitPort}/${settings.repository}`;

export async function up({ bins, settings }: StackContext): Promise<{ seconds: number }> {
  const t0 = Date.now();
  if ((await running(COMPONENT)) && (await tcpOpen(settings.gitPort))) {
    say(`gitserver: reusing running test git server on port ${settings.gitPort}`);
  } else {
    await stopDaemon(COMPONENT, { quiet: true });
    await ensurePortFree(COMPONENT, settings.gitPort, 'NEPHORAN_GIT_PORT');
    await mkdir(GIT_DIR, { recursive: true });
    await startDaemon(COMPONENT, bins['porch-git-server'], ['-port', String(settings.gitPort), GIT_DIR], {
      marker: 'porch-git-server',
    });
    await waitFor(
      COMPONENT,
      `port ${settings.gitPort} to accept connections`,
      () => tcpOpen(settings.gitPort),
      {
        timeoutMs: 30_000,
        daemon: COMPONENT,
      },
    );
    say(`gitserver: serving ${rel(GIT_DIR)} on port ${settings.gitPort} (log ${rel(logFile(COMPONENT))})`);
  }
  // Speaks git: ls-remote creates the repository on first use (an empty commit, no branches yet).
  await waitFor(
    COMPONENT,
    `git ls-remote ${repoUrl(settings)}`,
    async () => {
      const res = await runCommand('git', ['ls-remote', repoUrl(settings)], { timeoutMs: 10_000 });
      if (res.code !== 0) throw new Error(res.stderr.trim());
      return true;
    },
    { timeoutMs: 30_000, daemon: COMPONENT },
  );
  return { seconds: (Date.now() - t0) / 1000 };
}

export async function down(): Promise<void> {
  await stopDaemon(COMPONENT);
}

// The git server of the local stack: git's own smart-HTTP server (`git http-backend`, behind the small
// front in scripts/local/githttp.ts) on 127.0.0.1:<port>, serving the bare repositories under
// .local/git. URL: http://127.0.0.1:<port>/<name>. Each repository is created here (bare, branch
// `main` with an empty first commit, pushes allowed) so Porch finds its branch.
//
// Why not Porch's test git server (test/git): under concurrent requests it crashes ("fatal error:
// concurrent map iteration and map write" in go-git's storage; seen with 30 CNFs applied at once),
// and it never checks a pushed ref's old value, so concurrent pushes are lost instead of refused. See
// docs/local-stack.md, "Git server".
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

import { say } from '../common.ts';
import { running, startDaemon, stopDaemon } from './daemon.ts';
import {
  LOCAL,
  ROOT,
  StackError,
  logFile,
  rel,
  runCommand,
  type Settings,
  type StackContext,
} from './util.ts';
import { ensurePortFree, tcpOpen, waitFor } from './wait.ts';

const COMPONENT = 'gitserver';
const MARKER = 'scripts/local/githttp.ts';
export const GIT_DIR = path.join(LOCAL, 'git');

export const repoUrl = (
  settings: Pick<Settings, 'gitPort' | 'repository'>,
  name = settings.repository,
): string => `http://127.0.0.1:${settings.gitPort}/${name}`;

const IDENTITY = {
  GIT_AUTHOR_NAME: 'nephoran local stack',
  GIT_AUTHOR_EMAIL: 'local-stack@nephoran.invalid',
  GIT_COMMITTER_NAME: 'nephoran local stack',
  GIT_COMMITTER_EMAIL: 'local-stack@nephoran.invalid',
};

async function git(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const res = await runCommand('git', args, { env: { ...process.env, ...env }, timeoutMs: 30_000 });
  if (res.code !== 0) throw new StackError(COMPONENT, `git ${args.join(' ')}: ${res.stderr.trim()}`);
  return res.stdout.trim();
}

/** A bare repository with `branch` holding an empty first commit; left as it is when it exists. */
export async function ensureRepository(name: string, branch = 'main'): Promise<void> {
  const dir = path.join(GIT_DIR, name);
  if (!existsSync(path.join(dir, 'HEAD'))) {
    await mkdir(GIT_DIR, { recursive: true });
    await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, dir]);
  }
  // Anonymous pushes over HTTP (the local stack has no authentication).
  await git(['--git-dir', dir, 'config', 'http.receivepack', 'true']);
  const head = await runCommand('git', [
    '--git-dir',
    dir,
    'rev-parse',
    '--verify',
    '--quiet',
    `refs/heads/${branch}`,
  ]);
  if (head.code === 0) return;
  const tree = await git(['--git-dir', dir, 'hash-object', '-t', 'tree', '-w', '--stdin'], {});
  const commit = await git(['--git-dir', dir, 'commit-tree', '-m', 'Empty Commit', tree], IDENTITY);
  await git(['--git-dir', dir, 'update-ref', `refs/heads/${branch}`, commit]);
}

export async function up({ settings }: StackContext): Promise<{ seconds: number }> {
  const t0 = Date.now();
  await ensureRepository(settings.repository);
  if ((await running(COMPONENT)) && (await tcpOpen(settings.gitPort))) {
    say(`gitserver: reusing running git http-backend on port ${settings.gitPort}`);
  } else {
    await stopDaemon(COMPONENT, { quiet: true });
    await ensurePortFree(COMPONENT, settings.gitPort, 'NEPHORAN_GIT_PORT');
    const args = [path.join(ROOT, MARKER), '--root', GIT_DIR, '--port', String(settings.gitPort)];
    await startDaemon(COMPONENT, process.execPath, args, { marker: MARKER });
    await waitFor(
      COMPONENT,
      `port ${settings.gitPort} to accept connections`,
      () => tcpOpen(settings.gitPort),
      {
        timeoutMs: 30_000,
        daemon: COMPONENT,
      },
    );
    say(
      `gitserver: git http-backend serving ${rel(GIT_DIR)} on port ${settings.gitPort} (log ${rel(logFile(COMPONENT))})`,
    );
  }
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

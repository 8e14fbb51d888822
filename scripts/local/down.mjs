#!/usr/bin/env node
// `npm run local:down`: stops everything `npm run local` started and removes the stack's state.
//   - every process recorded in .local/pids/ (gitops, hooks, metacontroller, porch, gitserver):
//     SIGTERM to its process group, SIGKILL after 10 s (5 s for porch-server);
//   - the kwok cluster: `kwokctl delete cluster` (its etcd, kube-apiserver, ... processes);
//   - state: .local/{kwok,porch,git,gitops,pids,kubeconfig,stack.json,timings.json}.
// Logs (.local/logs/) are kept for a post-mortem; `-- --logs` removes them too.
// Built binaries (~/.cache/nephoran-local) are never touched.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

import * as cluster from './stack/cluster.mjs';
import {
  KUBECONFIG,
  LOCAL,
  LOGS,
  PIDS,
  ROOT,
  STACK_FILE,
  readJson,
  say,
  settings as loadSettings,
  stopDaemon,
} from './stack/util.mjs';

/** Components in stop order (consumers first); any other pid file found is stopped afterwards. */
const ORDER = ['gitops', 'hooks', 'metacontroller', 'porch', 'gitserver'];

function cachedBinaries() {
  const res = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'scripts', 'local', 'build.ts'),
      '--print-paths',
      '--cached-only',
      'kwok',
      'kubernetes',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  try {
    return res.status === 0 ? JSON.parse(res.stdout) : {};
  } catch {
    return {};
  }
}

export async function down({ logs = false } = {}) {
  const stack = await readJson(STACK_FILE, {});
  const settings = { ...loadSettings(), ...(stack.settings ?? {}) };
  const bins = stack.bins ?? cachedBinaries();
  const others = existsSync(PIDS)
    ? readdirSync(PIDS)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.replace(/\.json$/, ''))
        .filter((c) => !ORDER.includes(c))
    : [];
  for (const c of [...ORDER, ...others]) {
    // porch-server often sits out SIGTERM (open aggregator connections); its state is in git and CRs
    await stopDaemon(c, { graceMs: c === 'porch' ? 5000 : 10_000 });
  }
  await cluster.down({ bins, settings });
  for (const p of ['kwok', 'porch', 'git', 'gitops', 'pids', 'timings.json']) {
    await rm(path.join(LOCAL, p), { recursive: true, force: true });
  }
  await rm(KUBECONFIG, { force: true });
  await rm(STACK_FILE, { force: true });
  if (logs) await rm(LOGS, { recursive: true, force: true });
  say(`local stack stopped; state removed${logs ? '' : ' (logs kept in .local/logs/)'}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--logs');
  if (unknown.length) {
    process.stderr.write(`unknown option ${unknown[0]}\nusage: npm run local:down [-- --logs]\n`);
    process.exit(2);
  }
  down({ logs: args.includes('--logs') }).catch((err) => {
    process.stderr.write(`\nFAILED: ${err.message}\n`);
    process.exitCode = 1;
  });
}

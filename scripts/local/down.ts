#!/usr/bin/env node
// `npm run local:down`: stops everything `npm run local` started and removes the stack's state.
//   - every process recorded in .local/pids/ (gitops, hooks, metacontroller, porch, gitserver):
//     SIGTERM to its process group, SIGKILL after 10 s (5 s for porch-server);
//   - the kwok cluster: `kwokctl delete cluster` (its etcd, kube-apiserver, ... processes);
//   - state: .local/{kwok,porch,git,gitops,pids,kubeconfig,stack.json,timings.json}.
// Logs (.local/logs/) are kept for a post-mortem; `-- --logs` removes them too.
// Built binaries (~/.cache/nephoran-local) are never touched.
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

import { errorMessage, parseCli, readJson, run, runMain, say, setLogStamp } from './common.ts';
import * as cluster from './stack/cluster.ts';
import { stopDaemon } from './stack/daemon.ts';
import { FLUX_COMPONENTS } from './stack/flux.ts';
import { PG_DATA } from './stack/postgres.ts';
import {
  KUBECONFIG,
  LOCAL,
  LOGS,
  PIDS,
  ROOT,
  STACK_FILE,
  settings as loadSettings,
  type Bins,
  type StackFile,
} from './stack/util.ts';

export const USAGE = `usage: npm run local:down [-- --logs]
       (or: node scripts/local/down.ts ...)

Stops every process of the local stack (.local/pids/), deletes the kwok cluster and removes the
stack's state under .local/. Logs (.local/logs/) are kept unless --logs is given. Built binaries
(~/.cache/nephoran-local) are never touched.

  --logs      remove .local/logs/ too
  -h, --help  show this help
`;

/** Components in stop order (consumers first); any other pid file found is stopped afterwards. */
const ORDER = [...FLUX_COMPONENTS, 'hooks', 'metacontroller', 'porch', 'gitserver'];

/** kwokctl and kubectl from the build cache when .local/stack.json is gone (never builds). */
async function cachedBinaries(): Promise<Partial<Bins>> {
  const res = await run(
    process.execPath,
    [path.join(ROOT, 'scripts', 'local', 'build.ts'), '--print-paths', '--cached-only', 'kwok', 'kubernetes'],
    { cwd: ROOT },
  );
  try {
    return res.code === 0 ? (JSON.parse(res.stdout) as Partial<Bins>) : {};
  } catch {
    return {};
  }
}

export async function down({ logs = false }: { logs?: boolean } = {}): Promise<void> {
  const stack = await readJson<Partial<StackFile>>(STACK_FILE, {});
  const settings = { ...loadSettings(), ...(stack.settings ?? {}) };
  const bins = stack.bins ?? (await cachedBinaries());
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
  await rm(PG_DATA, { recursive: true, force: true });
  for (const p of ['kwok', 'porch', 'git', 'flux', 'pids', 'timings.json']) {
    await rm(path.join(LOCAL, p), { recursive: true, force: true });
  }
  await rm(KUBECONFIG, { force: true });
  await rm(STACK_FILE, { force: true });
  if (logs) await rm(LOGS, { recursive: true, force: true });
  say(`local stack stopped; state removed${logs ? '' : ' (logs kept in .local/logs/)'}`);
}

async function main(): Promise<void> {
  setLogStamp('elapsed');
  const { values } = parseCli(process.argv.slice(2), {
    logs: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  await down({ logs: values.logs });
}

if (import.meta.main) {
  runMain(USAGE, main, (err) => process.stderr.write(`\nFAILED: ${errorMessage(err)}\n`));
}

// Scale benchmark on the local stack: N CNFDeployments applied at once (one `kubectl apply`), each
// followed to Active, then all deleted and followed until nothing of theirs is left — in Kubernetes,
// in Porch and in git. Method and figures: docs/performance.md ("Many CNFs at once").
//
//   npm run bench:scale                              N = 10, 50, 100
//   npm run bench:scale -- --counts 200 --timeout 600
//   options: --counts A,B,…  --functions NRF,AUSF,…  --timeout S (apply → all Active, per N)
//            --delete-timeout S  --namespace NS  --keep (leave the last round's CNFs in place)
//
// Needs the local stack (`npm run local -- --no-example`; brought up here when it is not running).
// Results: a table on stdout and bench/results/scale-<time>.json. Per N it records apply → Active
// per CNF (p50, p95, max), the time until all are Active, the errors seen (Metacontroller SyncError
// events, grouped; status.lastError reasons), the hook server's CPU per sync, PackageRevisions and git
// refs before, at Active and after deletion, and the time until nothing is left.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const LOCAL = path.join(ROOT, '.local');
const KUBECONFIG = path.join(LOCAL, 'kubeconfig');
const HOOK = `http://127.0.0.1:${process.env['NEPHORAN_HOOK_PORT'] ?? '8080'}`;
const GIT = `http://127.0.0.1:${process.env['NEPHORAN_GIT_PORT'] ?? '9446'}/${process.env['PORCH_REPOSITORY'] ?? 'cnf-packages'}`;
const TICK_MS = 1000;

interface Options {
  counts: number[];
  functions: string[];
  timeoutS: number;
  deleteTimeoutS: number;
  namespace: string;
  keep: boolean;
}

interface Cnf {
  metadata: { name: string };
  status?: { phase?: string; lastError?: { reason?: string } };
}

export interface RoundResult {
  n: number;
  allActiveS: number | null;
  activeCount: number;
  activeS: { p50: number | null; p95: number | null; max: number | null };
  notActive: Array<{ name: string; phase: string; lastError: string | undefined }>;
  syncErrors: Array<{ count: number; message: string }>;
  lastErrorReasons: Record<string, number>;
  hook: { syncs: number; cpuSeconds: number; cpuMsPerSync: number | null };
  porchRevisions: { before: number; atActive: number; after: number };
  gitRefs: { before: number; atActive: number; after: number };
  delete: { goneS: number | null; cnfs: number; revisions: number; refs: number; workload: number };
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      counts: { type: 'string', default: '10,50,100' },
      functions: { type: 'string', default: 'NRF,AUSF,UDM,PCF,NSSF' },
      timeout: { type: 'string', default: '300' },
      'delete-timeout': { type: 'string', default: '180' },
      namespace: { type: 'string', default: 'default' },
      keep: { type: 'boolean', default: false },
    },
  });
  const counts = values.counts.split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--counts: positive integers, got ${values.counts}`);
  return {
    counts,
    functions: values.functions.split(','),
    timeoutS: Number(values.timeout),
    deleteTimeoutS: Number(values['delete-timeout']),
    namespace: values.namespace,
    keep: values.keep,
  };
}

function kubectlPath(): string {
  const stack = JSON.parse(readFileSync(path.join(LOCAL, 'stack.json'), 'utf8')) as {
    bins: { kubectl: string };
  };
  return stack.bins.kubectl;
}

function kubectl(args: string[], input?: string): string {
  return execFileSync(kubectlPath(), ['--kubeconfig', KUBECONFIG, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
}

function kubectlJson<T>(args: string[]): T {
  return JSON.parse(kubectl([...args, '-o', 'json'])) as T;
}

function cnfYaml(run: string, n: number, functions: string[], namespace: string): string {
  return Array.from({ length: n }, (_, i) => {
    const fn = functions[i % functions.length]!;
    const name = `${run}-${fn.toLowerCase()}-${i + 1}`;
    return [
      'apiVersion: nephoran.com/v1',
      'kind: CNFDeployment',
      `metadata: {name: ${name}, namespace: ${namespace}, labels: {nephoran.com/bench: ${run}}}`,
      `spec: {type: 5G-Core, function: ${fn}, replicas: ${1 + (i % 2)}}`,
    ].join('\n');
  }).join('\n---\n');
}

function gitRefs(prefix: string): number {
  const out = execFileSync('git', ['ls-remote', GIT], { encoding: 'utf8', timeout: 60_000 });
  return out.split('\n').filter((l) => l.includes(prefix)).length;
}

function porchRevisions(namespace: string, prefix: string): number {
  const list = kubectlJson<{ items: Array<{ spec: { packageName: string } }> }>([
    'get',
    'packagerevisions',
    '-n',
    namespace,
  ]);
  return list.items.filter((pr) => pr.spec.packageName.startsWith(prefix)).length;
}

async function hookSyncs(): Promise<number> {
  const text = await (await fetch(`${HOOK}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => /^nephoran_hook_requests_total\{hook="(sync|finalize)"/.test(l))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

/** CPU seconds of the hook server's process group (npm start and the node server it runs). */
function hookCpuSeconds(): number {
  const rec = JSON.parse(readFileSync(path.join(LOCAL, 'pids', 'hooks.json'), 'utf8')) as { pid: number };
  const tick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== rec.pid) continue; // field 5 (pgrp): the daemon's process group
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
    } catch {
      // gone meanwhile
    }
  }
  return ticks / tick;
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function syncErrors(namespace: string, run: string): Array<{ count: number; message: string }> {
  const events = kubectlJson<{
    items: Array<{ reason: string; count?: number; message: string; involvedObject: { name: string } }>;
  }>(['get', 'events', '-n', namespace, '--field-selector', 'reason=SyncError']);
  const groups = new Map<string, number>();
  for (const e of events.items) {
    if (!e.involvedObject.name.startsWith(`${run}-`)) continue;
    const message = e.message
      .replaceAll(new RegExp(`${run}-[a-z]+-\\d+`, 'g'), '<cnf>')
      .replace(/r\d+-[0-9a-f]{10}/g, '<ws>')
      .slice(0, 300);
    groups.set(message, (groups.get(message) ?? 0) + (e.count ?? 1));
  }
  return [...groups].map(([message, count]) => ({ count, message })).sort((a, b) => b.count - a.count);
}

async function round(opts: Options, n: number): Promise<RoundResult> {
  const run = `b${Date.now().toString(36)}`;
  const ns = opts.namespace;
  const prefix = `${ns}/${run}-`;
  const before = { revisions: porchRevisions(ns, prefix), refs: gitRefs(`/${run}-`) };
  const syncs0 = await hookSyncs();
  const cpu0 = hookCpuSeconds();
  const t0 = Date.now();
  kubectl(['apply', '-f', '-'], cnfYaml(run, n, opts.functions, ns));
  process.stderr.write(
    `[N=${n}] applied ${n} CNFDeployments (${run}) in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`,
  );
  const activeAt = new Map<string, number>();
  let last: Cnf[] = [];
  while ((Date.now() - t0) / 1000 < opts.timeoutS) {
    last = kubectlJson<{ items: Cnf[] }>(['get', 'cnfd', '-n', ns, '-l', `nephoran.com/bench=${run}`]).items;
    for (const c of last) {
      if (c.status?.phase === 'Active' && !activeAt.has(c.metadata.name))
        activeAt.set(c.metadata.name, (Date.now() - t0) / 1000);
    }
    if (activeAt.size === n) break;
    await sleep(TICK_MS);
  }
  const allActiveS = activeAt.size === n ? Math.max(...activeAt.values()) : null;
  const syncs = (await hookSyncs()) - syncs0;
  const cpu = hookCpuSeconds() - cpu0;
  const atActive = { revisions: porchRevisions(ns, prefix), refs: gitRefs(`/${run}-`) };
  const times = [...activeAt.values()].sort((a, b) => a - b);
  const lastErrorReasons: Record<string, number> = {};
  for (const c of last) {
    const r = c.status?.lastError?.reason;
    if (r !== undefined) lastErrorReasons[r] = (lastErrorReasons[r] ?? 0) + 1;
  }
  const result: RoundResult = {
    n,
    allActiveS: allActiveS === null ? null : round2(allActiveS),
    activeCount: activeAt.size,
    activeS: {
      p50: quantile(times, 0.5),
      p95: quantile(times, 0.95),
      max: times.length > 0 ? times[times.length - 1]! : null,
    },
    notActive: last
      .filter((c) => !activeAt.has(c.metadata.name))
      .map((c) => ({
        name: c.metadata.name,
        phase: c.status?.phase ?? '-',
        lastError: c.status?.lastError?.reason,
      })),
    syncErrors: syncErrors(ns, run),
    lastErrorReasons,
    hook: { syncs, cpuSeconds: round2(cpu), cpuMsPerSync: syncs > 0 ? round2((cpu * 1000) / syncs) : null },
    porchRevisions: { before: before.revisions, atActive: atActive.revisions, after: -1 },
    gitRefs: { before: before.refs, atActive: atActive.refs, after: -1 },
    delete: { goneS: null, cnfs: -1, revisions: -1, refs: -1, workload: -1 },
  };
  for (const k of ['p50', 'p95', 'max'] as const) {
    const v = result.activeS[k];
    if (v !== null) result.activeS[k] = round2(v);
  }
  process.stderr.write(`[N=${n}] ${activeAt.size}/${n} Active; all Active after ${allActiveS ?? '—'}s\n`);
  if (opts.keep && n === opts.counts[opts.counts.length - 1]) return result;
  await removeAll(opts, run, result);
  return result;
}

async function removeAll(opts: Options, run: string, result: RoundResult): Promise<void> {
  const ns = opts.namespace;
  const t0 = Date.now();
  kubectl(['delete', 'cnfd', '-n', ns, '-l', `nephoran.com/bench=${run}`, '--wait=false']);
  const left = (): RoundResult['delete'] => {
    const cnfs = kubectlJson<{ items: unknown[] }>([
      'get',
      'cnfd',
      '-n',
      ns,
      '-l',
      `nephoran.com/bench=${run}`,
    ]).items.length;
    const workload = kubectlJson<{ items: Array<{ metadata: { labels?: Record<string, string> } }> }>([
      'get',
      'deployments,pods',
      '-n',
      ns,
    ]).items.filter((o) => o.metadata.labels?.['nephoran.com/cnf']?.startsWith(`${run}-`) === true).length;
    return {
      goneS: null,
      cnfs,
      revisions: porchRevisions(ns, `${ns}/${run}-`),
      refs: gitRefs(`/${run}-`),
      workload,
    };
  };
  let now = left();
  while (
    (now.cnfs > 0 || now.revisions > 0 || now.refs > 0 || now.workload > 0) &&
    (Date.now() - t0) / 1000 < opts.deleteTimeoutS
  ) {
    await sleep(TICK_MS);
    now = left();
  }
  const clean = now.cnfs === 0 && now.revisions === 0 && now.refs === 0 && now.workload === 0;
  result.delete = { ...now, goneS: clean ? round2((Date.now() - t0) / 1000) : null };
  result.porchRevisions.after = now.revisions;
  result.gitRefs.after = now.refs;
  process.stderr.write(
    `[N=${result.n}] deleted: ${clean ? `nothing left after ${result.delete.goneS}s` : `left ${JSON.stringify(now)}`}\n`,
  );
}

function table(results: RoundResult[]): string {
  const rows = [
    [
      'N',
      'Active',
      'all Active (s)',
      'p50 (s)',
      'p95 (s)',
      'max (s)',
      'SyncErrors',
      'CPU ms/sync',
      'syncs',
      'delete → nothing left (s)',
      'left (cnfd/pr/refs/workload)',
    ],
    ...results.map((r) => [
      String(r.n),
      `${r.activeCount}/${r.n}`,
      String(r.allActiveS ?? '—'),
      String(r.activeS.p50 ?? '—'),
      String(r.activeS.p95 ?? '—'),
      String(r.activeS.max ?? '—'),
      String(r.syncErrors.reduce((a, e) => a + e.count, 0)),
      String(r.hook.cpuMsPerSync ?? '—'),
      String(r.hook.syncs),
      String(r.delete.goneS ?? '—'),
      `${r.delete.cnfs}/${r.delete.revisions}/${r.delete.refs}/${r.delete.workload}`,
    ]),
  ];
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const up = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'local', 'up.ts'), '--no-example'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (up.status !== 0)
    throw new Error(`the local stack did not come up (scripts/local/up.ts exited ${up.status})`);
  const results: RoundResult[] = [];
  for (const n of opts.counts) results.push(await round(opts, n));
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(
    ROOT,
    'bench',
    'results',
    `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), options: opts, results }, null, 2)}\n`,
  );
  process.stdout.write(
    `${table(results)}\n\n${results.flatMap((r) => r.syncErrors.slice(0, 5).map((e) => `N=${r.n}: ${e.count} × ${e.message}`)).join('\n')}\nresults: ${path.relative(ROOT, file)}\n`,
  );
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:scale: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

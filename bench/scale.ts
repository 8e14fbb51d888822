// Scale benchmark on the local stack: N CNFDeployments applied at once (one `kubectl apply`), each
// followed to Active, then all deleted and followed until nothing of theirs is left — in Kubernetes,
// in Porch and in git. Method and figures: docs/performance.md ("Many CNFs at once").
//
//   npm run bench:scale                              N = 10, 50, 100, one site
//   npm run bench:scale -- --sites 5                 the CNFs spread over 5 sites (below)
//   npm run bench:scale -- --counts 200 --timeout 600
//   options: --counts A,B,…  --functions NRF,AUSF,…  --timeout S (apply → all Active, per N)
//            --delete-timeout S  --sites K  --keep (leave the last round's CNFs, and the sites, in place)
//
// Sites: with --sites 1 (the default) every CNF goes to namespace default and the stack's one Porch
// Repository. With --sites K the CNFs are spread over namespaces scale-site-1…K, each with a Porch
// Repository cnf-packages on a git repository of its own — how a platform team lays out sites, and
// what Porch's cost per repository (docs/performance.md) makes the difference.
//
// Needs the local stack (brought up here with `scripts/local/up.ts --no-example` when not running).
// Results: a table on stdout and bench/results/scale-<time>.json. Per N: apply → Active per CNF (p50,
// p95, max), the time until all are Active, the errors seen (Metacontroller SyncError events, grouped;
// status.lastError reasons), the hook server's CPU per sync, PackageRevisions and git refs of the run
// before, at Active and after deletion, and the time until nothing of the run is left.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { registerRepository } from '../scripts/local/stack/porch.ts';
import { removeSync, syncRepository } from '../scripts/local/stack/flux.ts';
import { repoUrl } from '../scripts/local/stack/gitserver.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const LOCAL = path.join(ROOT, '.local');
const KUBECONFIG = path.join(LOCAL, 'kubeconfig');
const TICK_MS = 1000;
const WATCH_TICK_MS = 200;

interface Options {
  counts: number[];
  functions: string[];
  timeoutS: number;
  deleteTimeoutS: number;
  sites: number;
  keep: boolean;
}

interface Site {
  namespace: string;
  gitRepo: string;
}

interface StackFile {
  bins: { kubectl: string };
  settings: {
    gitPort: number;
    hookPort: number;
    repository: string;
    namespace: string;
    fluxInterval: string;
  };
}

interface Cnf {
  metadata: { name: string; namespace: string };
  status?: { phase?: string; lastError?: { reason?: string } };
}

interface Left {
  cnfs: number;
  revisions: number;
  refs: number;
  workload: number;
}

export interface RoundResult {
  n: number;
  sites: number;
  allActiveS: number | null;
  activeCount: number;
  activeS: { p50: number | null; p95: number | null; max: number | null };
  notActive: Array<{ name: string; phase: string; lastError: string | undefined }>;
  syncErrors: Array<{ count: number; message: string }>;
  lastErrorReasons: Record<string, number>;
  hook: { syncs: number; cpuSeconds: number; cpuMsPerSync: number | null };
  /** CPU seconds per component from apply until all Active (or the timeout). */
  cpuToActiveS: Record<string, number>;
  /** kube-apiserver requests from apply until all Active, by verb and resource (the 15 most). */
  apiRequestsToActive: Record<string, number>;
  /** CPU seconds per component from delete until nothing is left (or the timeout). */
  cpuToGoneS: Record<string, number>;
  porchRevisions: { before: number; atActive: number; after: number };
  gitRefs: { before: number; atActive: number; after: number };
  delete: Left & { goneS: number | null };
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      counts: { type: 'string', default: '10,50,100' },
      functions: { type: 'string', default: 'NRF,AUSF,UDM,PCF,NSSF' },
      timeout: { type: 'string', default: '300' },
      'delete-timeout': { type: 'string', default: '180' },
      sites: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
    },
  });
  const counts = values.counts.split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--counts: positive integers, got ${values.counts}`);
  }
  return {
    counts,
    functions: values.functions.split(','),
    timeoutS: Number(values.timeout),
    deleteTimeoutS: Number(values['delete-timeout']),
    sites: Math.max(1, Number(values.sites) || 1),
    keep: values.keep,
  };
}

const stackFile = (): StackFile =>
  JSON.parse(readFileSync(path.join(LOCAL, 'stack.json'), 'utf8')) as StackFile;

function kubectl(args: string[], input?: string): string {
  return execFileSync(stackFile().bins.kubectl, ['--kubeconfig', KUBECONFIG, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
}

function kubectlJson<T>(args: string[]): T {
  return JSON.parse(kubectl([...args, '-o', 'json'])) as T;
}

/** The stack's own namespace and repository, or K site namespaces with a repository each. */
async function prepareSites(k: number): Promise<Site[]> {
  const { bins, settings } = stackFile();
  if (k === 1) return [{ namespace: settings.namespace, gitRepo: settings.repository }];
  const out: Site[] = [];
  for (let i = 1; i <= k; i++) {
    const site = { namespace: `scale-site-${i}`, gitRepo: `scale-site-${i}` };
    kubectl(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${site.namespace}}\n`);
    await registerRepository(bins, settings, {
      namespace: site.namespace,
      name: settings.repository,
      gitRepo: site.gitRepo,
    });
    // Each site's deployment repository is synced by Flux (a GitRepository + Kustomization of its
    // own), as on a real site.
    const url = repoUrl({ gitPort: settings.gitPort, repository: site.gitRepo });
    await syncRepository(bins, settings, site.gitRepo, url);
    out.push(site);
  }
  return out;
}

/**
 * The sites' Flux syncs and namespaces (with their Porch Repositories) go after the run, so that a
 * later run — or the e2e suite on the same stack — does not pay for Flux and Porch still polling
 * them. Their git repositories stay (the next run with sites reuses them).
 */
async function removeSites(at: Site[]): Promise<void> {
  const { bins, settings } = stackFile();
  for (const site of at) {
    if (site.namespace === settings.namespace) continue;
    await removeSync(bins, site.gitRepo);
    kubectl(['delete', 'namespace', site.namespace, '--ignore-not-found', '--wait=true', '--timeout=90s']);
  }
}

function cnfYaml(run: string, n: number, functions: string[], at: Site[]): string {
  return Array.from({ length: n }, (_, i) => {
    const fn = functions[i % functions.length]!;
    const name = `${run}-${fn.toLowerCase()}-${i + 1}`;
    return [
      'apiVersion: nephoran.com/v1',
      'kind: CNFDeployment',
      `metadata: {name: ${name}, namespace: ${at[i % at.length]!.namespace}, labels: {nephoran.com/bench: ${run}}}`,
      `spec: {type: 5G-Core, function: ${fn}, replicas: ${1 + (i % 2)}}`,
    ].join('\n');
  }).join('\n---\n');
}

/** Refs of the run's packages (`…/<run>-…`) in the sites' git repositories. */
function gitRefs(at: Site[], run: string): number {
  const server = `http://127.0.0.1:${stackFile().settings.gitPort}`;
  return at
    .flatMap((s) =>
      execFileSync('git', ['ls-remote', `${server}/${s.gitRepo}`], {
        encoding: 'utf8',
        timeout: 60_000,
      }).split('\n'),
    )
    .filter((l) => l.includes(`/${run}-`)).length;
}

/** PackageRevisions of the run's packages (`<namespace>/<run>-…`). */
function porchRevisions(run: string): number {
  const list = kubectlJson<{ items: Array<{ spec: { packageName: string } }> }>([
    'get',
    'packagerevisions',
    '-A',
  ]);
  return list.items.filter((pr) => pr.spec.packageName.includes(`/${run}-`)).length;
}

function runCnfs(run: string): Cnf[] {
  return kubectlJson<{ items: Cnf[] }>(['get', 'cnfd', '-A', '-l', `nephoran.com/bench=${run}`]).items;
}

async function hookSyncs(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${stackFile().settings.hookPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => /^nephoran_hook_requests_total\{hook="(sync|finalize)"/.test(l))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

const COMPONENTS: Array<[string, RegExp]> = [
  ['kube-apiserver', /\/kube-apiserver\b/],
  ['etcd', /\/etcd\b/],
  ['kube-controller-manager', /\/kube-controller-manager\b/],
  ['kwok', /\/kwok\b|\/kube-scheduler\b/],
  ['porch', /porch-server|function-runner/],
  ['metacontroller', /\/metacontroller\b/],
  ['hooks', /hooks\/server\.ts/],
  ['git server', /githttp\.ts/],
  ['flux', /\/(source|kustomize)-controller\b/],
];

/**
 * CPU seconds per stack component (user + system, with reaped children: the git server's
 * `git http-backend` processes, Flux's controllers), plus this benchmark's own kubectl
 * polling. On 2 cores the components compete for the same CPU, so this is where a run's time goes.
 */
function cpuSeconds(): Record<string, number> {
  const tick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const out: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const name =
        Number(pid) === process.pid
          ? 'bench (kubectl polling)'
          : COMPONENTS.find(([, re]) => re.test(cmdline))?.[0];
      if (name === undefined) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks =
        Number(pid) === process.pid
          ? Number(f[13]) + Number(f[14])
          : Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      out[name] = (out[name] ?? 0) + ticks / tick;
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** kube-apiserver's request counts by verb and resource (its own metrics), to tell who keeps it busy. */
function apiRequests(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of kubectl(['get', '--raw', '/metrics']).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (k: string): string => new RegExp(`[{,]${k}="([^"]*)"`).exec(line)?.[1] ?? '';
    const what = `${label('verb')} ${label('group') ? `${label('resource')}.${label('group')}` : label('resource')}${label('subresource') ? `/${label('subresource')}` : ''}`;
    out.set(what, (out.get(what) ?? 0) + Number(line.split(' ').pop()));
  }
  return out;
}

function apiRequestsSince(before: Map<string, number>, top = 15): Record<string, number> {
  const diff = [...apiRequests()]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0);
  return Object.fromEntries(diff.sort((a, b) => b[1] - a[1]).slice(0, top));
}

function cpuSince(before: Record<string, number>): Record<string, number> {
  const now = cpuSeconds();
  return Object.fromEntries(
    Object.entries(now)
      .map(([k, v]) => [k, Math.round((v - (before[k] ?? 0)) * 10) / 10] as const)
      .sort((a, b) => b[1] - a[1]),
  );
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const round2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);

/** Metacontroller's SyncError events for the run's CNFs, grouped by message. */
function syncErrors(run: string): Array<{ count: number; message: string }> {
  const events = kubectlJson<{
    items: Array<{ count?: number; message: string; involvedObject: { name: string } }>;
  }>(['get', 'events', '-A', '--field-selector', 'reason=SyncError']);
  const groups = new Map<string, number>();
  for (const e of events.items) {
    if (!e.involvedObject.name.startsWith(`${run}-`)) continue;
    const message = e.message
      .replaceAll(new RegExp(`${run}-[a-z]+-\\d+`, 'g'), '<cnf>')
      .replace(/r\d+-[0-9a-f]{10}/g, '<ws>')
      .replace(/scale-site-\d+/g, '<site>')
      .slice(0, 300);
    groups.set(message, (groups.get(message) ?? 0) + (e.count ?? 1));
  }
  return [...groups].map(([message, count]) => ({ count, message })).sort((a, b) => b.count - a.count);
}

/** Applies, follows to Active; returns when all are Active or the timeout passed. */
async function toActive(
  opts: Options,
  run: string,
  n: number,
  at: Site[],
): Promise<{ activeAt: Map<string, number>; last: Cnf[] }> {
  const t0 = Date.now();
  kubectl(['apply', '-f', '-'], cnfYaml(run, n, opts.functions, at));
  process.stderr.write(
    `[N=${n}] applied ${n} CNFDeployments (${run}, ${at.length} site(s)) in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`,
  );
  const activeAt = new Map<string, number>();
  // One kubectl watch rather than a `kubectl get` a second: on 2 cores the polling alone cost more
  // CPU than the hook server.
  const watch = spawn(
    stackFile().bins.kubectl,
    [
      '--kubeconfig',
      KUBECONFIG,
      'get',
      'cnfd',
      '-A',
      '-l',
      `nephoran.com/bench=${run}`,
      '--watch',
      '-o',
      'jsonpath={.metadata.namespace}/{.metadata.name} {.status.phase}{"\\n"}',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let buffered = '';
  watch.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [key, phase] = line.trim().split(' ');
      if (key !== undefined && phase === 'Active' && !activeAt.has(key))
        activeAt.set(key, (Date.now() - t0) / 1000);
    }
  });
  try {
    while ((Date.now() - t0) / 1000 < opts.timeoutS && activeAt.size < n) {
      if (watch.exitCode !== null) throw new Error(`kubectl get --watch exited ${watch.exitCode}`);
      await sleep(WATCH_TICK_MS);
    }
  } finally {
    watch.kill('SIGTERM');
  }
  const last = runCnfs(run);
  return { activeAt, last };
}

async function round(opts: Options, n: number, at: Site[]): Promise<RoundResult> {
  const run = `b${Date.now().toString(36)}`;
  const before = { revisions: porchRevisions(run), refs: gitRefs(at, run) };
  const syncs0 = await hookSyncs();
  const cpu0 = cpuSeconds();
  const api0 = apiRequests();
  const { activeAt, last } = await toActive(opts, run, n, at);
  const syncs = (await hookSyncs()) - syncs0;
  const cpu = cpuSince(cpu0);
  const hookCpu = cpu.hooks ?? 0;
  const times = [...activeAt.values()].sort((a, b) => a - b);
  const lastErrorReasons: Record<string, number> = {};
  for (const c of last) {
    const r = c.status?.lastError?.reason;
    if (r !== undefined) lastErrorReasons[r] = (lastErrorReasons[r] ?? 0) + 1;
  }
  const result: RoundResult = {
    n,
    sites: at.length,
    allActiveS: activeAt.size === n ? round2(Math.max(...times)) : null,
    activeCount: activeAt.size,
    activeS: {
      p50: round2(quantile(times, 0.5)),
      p95: round2(quantile(times, 0.95)),
      max: round2(times.at(-1) ?? null),
    },
    notActive: last
      .filter((c) => !activeAt.has(`${c.metadata.namespace}/${c.metadata.name}`))
      .map((c) => ({
        name: c.metadata.name,
        phase: c.status?.phase ?? '-',
        lastError: c.status?.lastError?.reason,
      })),
    syncErrors: syncErrors(run),
    lastErrorReasons,
    hook: {
      syncs,
      cpuSeconds: round2(hookCpu) ?? 0,
      cpuMsPerSync: syncs > 0 ? round2((hookCpu * 1000) / syncs) : null,
    },
    cpuToActiveS: cpu,
    apiRequestsToActive: apiRequestsSince(api0),
    cpuToGoneS: {},
    porchRevisions: { before: before.revisions, atActive: porchRevisions(run), after: -1 },
    gitRefs: { before: before.refs, atActive: gitRefs(at, run), after: -1 },
    delete: { goneS: null, cnfs: -1, revisions: -1, refs: -1, workload: -1 },
  };
  process.stderr.write(
    `[N=${n}] ${activeAt.size}/${n} Active; all Active after ${result.allActiveS ?? '—'}s\n` +
      `[N=${n}] CPU s until then: ${Object.entries(cpu)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n`,
  );
  if (opts.keep && n === opts.counts.at(-1)) return result;
  await removeAll(opts, run, at, result);
  return result;
}

/** What is left of the run; while CNFDeployments remain, only they are counted (one kubectl, not four). */
function leftOf(run: string, at: Site[], full = true): Left {
  if (!full) {
    const cnfs = runCnfs(run).length;
    if (cnfs > 0) return { cnfs, revisions: -1, refs: -1, workload: -1 };
  }
  const workload = kubectlJson<{ items: Array<{ metadata: { labels?: Record<string, string> } }> }>([
    'get',
    'deployments,pods',
    '-A',
  ]).items.filter((o) => o.metadata.labels?.['nephoran.com/cnf']?.startsWith(`${run}-`) === true).length;
  return { cnfs: runCnfs(run).length, revisions: porchRevisions(run), refs: gitRefs(at, run), workload };
}

/** Deletes the run's CNFs and follows until nothing of them is left anywhere (or the timeout). */
async function removeAll(opts: Options, run: string, at: Site[], result: RoundResult): Promise<void> {
  const t0 = Date.now();
  kubectl(['delete', 'cnfd', '-A', '-l', `nephoran.com/bench=${run}`, '--wait=false']);
  const cpu0 = cpuSeconds();
  let now = leftOf(run, at, false);
  // -1 is "not counted yet" (leftOf while CNFDeployments remain), not a count
  const anything = (l: Left): boolean => l.cnfs > 0 || l.revisions > 0 || l.refs > 0 || l.workload > 0;
  while (anything(now) && (Date.now() - t0) / 1000 < opts.deleteTimeoutS) {
    await sleep(TICK_MS);
    now = leftOf(run, at, false);
  }
  const goneS = anything(now) ? null : round2((Date.now() - t0) / 1000);
  if (now.revisions < 0) now = leftOf(run, at);
  result.cpuToGoneS = cpuSince(cpu0);
  result.delete = { ...now, goneS };
  result.porchRevisions.after = now.revisions;
  result.gitRefs.after = now.refs;
  const said = anything(now) ? `left ${JSON.stringify(now)}` : `nothing left after ${result.delete.goneS}s`;
  process.stderr.write(
    `[N=${result.n}] deleted: ${said}\n[N=${result.n}] CPU s until then: ${Object.entries(result.cpuToGoneS)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n`,
  );
}

function table(results: RoundResult[]): string {
  const head = [
    'N',
    'sites',
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
  ];
  const rows = results.map((r) => [
    r.n,
    r.sites,
    `${r.activeCount}/${r.n}`,
    r.allActiveS ?? '—',
    r.activeS.p50 ?? '—',
    r.activeS.p95 ?? '—',
    r.activeS.max ?? '—',
    r.syncErrors.reduce((a, e) => a + e.count, 0),
    r.hook.cpuMsPerSync ?? '—',
    r.hook.syncs,
    r.delete.goneS ?? '—',
    `${r.delete.cnfs}/${r.delete.revisions}/${r.delete.refs}/${r.delete.workload}`,
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const up = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'local', 'up.ts'), '--no-example'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (up.status !== 0)
    throw new Error(`the local stack did not come up (scripts/local/up.ts exited ${up.status})`);
  const at = await prepareSites(opts.sites);
  const results: RoundResult[] = [];
  for (const n of opts.counts) results.push(await round(opts, n, at));
  if (!opts.keep) await removeSites(at);
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
  const errors = results.flatMap((r) =>
    r.syncErrors.slice(0, 5).map((e) => `N=${r.n}: ${e.count} × ${e.message}`),
  );
  process.stdout.write(`${table(results)}\n\n${errors.join('\n')}\nresults: ${path.relative(ROOT, file)}\n`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:scale: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

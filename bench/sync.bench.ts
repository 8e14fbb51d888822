// Benchmark of the sync hook: what the HTTP edge + pure reconciler cost per request, compared with
// a bare Fastify echo route in the same run (absolute numbers vary a lot between runs on shared
// machines; the ratio is what to compare). Method and figures: docs/performance.md.
//
//   npm run bench                 (a) max throughput of /sync and echo, alternated, and their ratio
//                                 (b) p50/p99 of /sync and echo at a fixed 200 req/s
//                                 (c) reconcile() alone per call (render cache warm), and a render miss
//   npm run bench -- --soak       (d) plus ≥100k syncs: heap/RSS after warm-up vs at the end
//   BENCH_PROF=1 npm run bench    also writes a CPU profile of the server process to bench/results/
//
// The servers run in a child process on 127.0.0.1 (so autocannon does not share their event
// loop); Porch is stubbed in-process there, so this measures the hook, not the network. With
// taskset available the server process is pinned to CPU 0 and this process (load generator,
// reconcile() timing) to CPU 1: the hook server gets one core, as in the target.
// The request is realistic: a CNF driven to Active through two updates by the scenario simulator
// (3 PackageRevisions), with its Deployment, 10 Pods and an EndpointSlice (bench/request.ts).
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import Fastify, { type FastifyInstance } from 'fastify';
import { hookApp, serverOptions } from '../hooks/app.ts';
import { HookMetrics } from '../hooks/metrics.ts';
import { KubeEventRecorder } from '../lib/clients/kube.ts';
import type { PorchClient } from '../lib/clients/porch.ts';
import { reconcile } from '../lib/reconcile/index.ts';
import { clearRenderCache, renderPackageUncached, type RenderInput } from '../lib/render/index.ts';
import { metacontrollerRequest, realisticInput, renderInputOf } from './request.ts';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const BODY_LIMIT = 32 * 1024 * 1024;

/** In-process Porch: answers instantly, as if every write were already done. */
const stubPorch: PorchClient = {
  getPackageRevision: () => Promise.reject(new Error('not used')),
  getResources: () => Promise.resolve({ resourceVersion: '1', resources: {}, contentHash: null }),
  writeResources: () => Promise.resolve('skipped'),
  propose: () => Promise.resolve('skipped'),
  approve: () => Promise.resolve('skipped'),
  deletePackageRevision: () => Promise.resolve('skipped'),
  listPackageRevisions: () => Promise.resolve([]),
  adoptPackageRevision: () => Promise.resolve('adopted' as const),
  close: () => Promise.resolve(),
};

// ---- child: the servers -----------------------------------------------------------------------------

async function serve(): Promise<void> {
  const now = Date.now;
  // Built as hooks/server.ts builds it: a Fastify instance with the hook app registered.
  const app = async (): Promise<FastifyInstance> => {
    const instance = Fastify(serverOptions({ bodyLimitBytes: BODY_LIMIT }));
    await instance.register(hookApp, {
      config: { porchRepository: 'deployments', hookToken: undefined, hookDeadlineMs: 8000 },
      porch: stubPorch,
      events: new KubeEventRecorder({ api: { createEvent: () => Promise.resolve() }, now }),
      // The benched syncs are of an Active CNF, which plans no write, so the parent is never read.
      apiServer: { getCNFDeployment: () => Promise.reject(new Error('the bench plans no writes')) },
      metrics: new HookMetrics({ now, gaugeTtlSeconds: 900 }),
      now,
    });
    return instance;
  };
  const sync = await app();
  await sync.listen({ port: 0, host: '127.0.0.1' });
  // The same app with an empty render cache on every request: each sync renders the package, as
  // after a spec change, a restart, or with more CNFs than RENDER_CACHE_ENTRIES resynced in turn.
  const cold = await app();
  cold.addHook('onRequest', (_request, _reply, done) => {
    clearRenderCache();
    done();
  });
  await cold.listen({ port: 0, host: '127.0.0.1' });

  const echo = Fastify({ bodyLimit: BODY_LIMIT });
  echo.post('/echo', (request) => Promise.resolve(request.body));
  await echo.listen({ port: 0, host: '127.0.0.1' });

  // Inside-the-process view for the fixed-rate rounds: event-loop delay and GC pauses. A client p99
  // far above these comes from outside the process (scheduling on a shared machine).
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });

  // Control channel: GET / → memory after a full GC (the child runs with --expose-gc);
  // GET /stats → event-loop delay and GC pauses since the last /stats, then resets them.
  const control = createServer((req, res) => {
    let out: unknown;
    if (req.url === '/stats') {
      out = {
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
        gcCount: gc.count,
        gcMaxMs: gc.maxMs,
        gcTotalMs: gc.totalMs,
      };
      loopDelay.reset();
      Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0 });
    } else {
      (globalThis as { gc?: () => void }).gc?.();
      out = process.memoryUsage();
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));

  const port = (s: { address(): unknown }): number => (s.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({ sync: port(sync.server), cold: port(cold.server), echo: port(echo.server), control: port(control) })}\n`,
  );
  process.on('SIGTERM', () => process.exit(0));
}

// ---- parent: the load -------------------------------------------------------------------------------

interface Ports {
  sync: number;
  cold: number;
  echo: number;
  control: number;
}

const RESULTS = new URL('./results/', import.meta.url);
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0 && cpus().length >= 2;

async function startServers(): Promise<{ ports: Ports; stop: () => Promise<void> }> {
  const node = [process.execPath, '--expose-gc'];
  if (process.env['BENCH_PROF'] === '1') {
    node.push('--cpu-prof', `--cpu-prof-dir=${new URL('./prof-server/', RESULTS).pathname}`);
  }
  const argv = [...node, new URL(import.meta.url).pathname, '--serve'];
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', '0', ...argv] : argv;
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const ports = await new Promise<Ports>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Ports);
    });
    child.on('exit', (code) => reject(new Error(`server process exited ${code}`)));
  });
  return {
    ports,
    stop: async () => {
      child.kill('SIGTERM');
      await exited; // the CPU profile is written on exit
    },
  };
}

async function memory(ports: Ports): Promise<NodeJS.MemoryUsage> {
  const res = await fetch(`http://127.0.0.1:${ports.control}/`);
  return (await res.json()) as NodeJS.MemoryUsage;
}

interface ServerStats {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcCount: number;
  gcMaxMs: number;
  gcTotalMs: number;
}

async function serverStats(ports: Ports): Promise<ServerStats> {
  const res = await fetch(`http://127.0.0.1:${ports.control}/stats`);
  return (await res.json()) as ServerStats;
}

function load(
  port: number,
  path: string,
  body: string,
  opts: Record<string, unknown>,
): Promise<AutocannonResult> {
  return autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: 10,
    ...opts,
  });
}

function perCall(n: number, f: () => unknown): { usPerCall: number; calls: number } {
  for (let i = 0; i < Math.min(2000, n); i++) f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return { usPerCall: ((performance.now() - t0) * 1000) / n, calls: n };
}

const mib = (b: number): number => Math.round((b / 1024 / 1024) * 10) / 10;
const ms = (x: number): string => x.toFixed(1);
const load3 = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const soak = process.argv.includes('--soak');
  const duration = Number(process.env['BENCH_DURATION'] ?? 10);
  const rate = Number(process.env['BENCH_RATE'] ?? 200);
  const soakAmount = Number(process.env['BENCH_SOAK_REQUESTS'] ?? 100_000);
  if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  const loadBefore = load3();
  console.log(
    `node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore}; ` +
      (hasTaskset ? 'server pinned to CPU 0, load generator to CPU 1' : 'NOT pinned (no taskset or 1 CPU)'),
  );
  const input = realisticInput();
  const body = JSON.stringify(metacontrollerRequest(input));
  console.log(
    `request: ${(body.length / 1024).toFixed(1)} KiB, ${input.children.length} PackageRevisions, ` +
      `${input.related.deployments.length} Deployment, ${input.related.pods.length} Pods, ` +
      `${input.related.endpointSlices.length} EndpointSlice; phase ${input.parent.status?.phase ?? '?'}`,
  );

  // (c) The pure reconciler alone. Steady state: the spec is unchanged, so the render cache hits.
  // A miss (new spec, restart, > RENDER_CACHE_ENTRIES CNFs) adds one renderPackageUncached() (two
  // when a new spec is checked for being a scale-only change).
  const renderInput: RenderInput = renderInputOf(input);
  const cost = {
    reconcile: perCall(20_000, () => reconcile(input)),
    renderMiss: perCall(2_000, () => renderPackageUncached(renderInput)),
  };
  console.log(
    `reconcile() alone: ${cost.reconcile.usPerCall.toFixed(1)} µs/call (render cache warm); ` +
      `a render miss adds ${cost.renderMiss.usPerCall.toFixed(0)} µs`,
  );

  const { ports, stop } = await startServers();
  try {
    const check = await fetch(`http://127.0.0.1:${ports.sync}/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (check.status !== 200) throw new Error(`/sync answered ${check.status}: ${await check.text()}`);

    // (a) Max throughput, 10 connections. Warm both up, then alternate so drift on a shared
    // machine hits both alike.
    await load(ports.echo, '/echo', body, { duration: 3 });
    await load(ports.sync, '/sync', body, { duration: 3 });
    const rounds: Array<{ echo: AutocannonResult; sync: AutocannonResult }> = [];
    for (let r = 0; r < 2; r++) {
      const echo = await load(ports.echo, '/echo', body, { duration });
      const sync = await load(ports.sync, '/sync', body, { duration });
      rounds.push({ echo, sync });
    }
    const avg = (f: (x: { echo: AutocannonResult; sync: AutocannonResult }) => number): number =>
      rounds.reduce((s, x) => s + f(x), 0) / rounds.length;
    const summary = {
      echo: { rps: avg((x) => x.echo.requests.average), p99ms: avg((x) => x.echo.latency.p99) },
      sync: { rps: avg((x) => x.sync.requests.average), p99ms: avg((x) => x.sync.latency.p99) },
      errors: rounds.reduce((s, x) => s + x.sync.errors + x.sync.non2xx + x.echo.errors + x.echo.non2xx, 0),
    };
    const ratio = summary.sync.rps / summary.echo.rps;
    console.log('\n(a) max throughput, 10 connections\n\n| route | req/s | p99 (ms) |\n|---|---|---|');
    console.log(`| POST /echo (bare Fastify) | ${summary.echo.rps.toFixed(0)} | ${ms(summary.echo.p99ms)} |`);
    console.log(`| POST /sync | ${summary.sync.rps.toFixed(0)} | ${ms(summary.sync.p99ms)} |`);
    console.log(`\nsync/echo throughput ratio: ${ratio.toFixed(2)}; non-2xx + errors: ${summary.errors}`);
    for (const [i, r] of rounds.entries()) {
      console.log(
        `  round ${i + 1}: echo ${r.echo.requests.average.toFixed(0)} req/s p99 ${r.echo.latency.p99} ms; ` +
          `sync ${r.sync.requests.average.toFixed(0)} req/s p99 ${r.sync.latency.p99} ms`,
      );
    }

    // Worst case: every sync misses the render cache.
    await load(ports.cold, '/sync', body, { duration: 3 });
    const coldMax = await load(ports.cold, '/sync', body, { duration });
    console.log(
      `| POST /sync, render cache missed every time | ${coldMax.requests.average.toFixed(0)} | ` +
        `${ms(coldMax.latency.p99)} |  (ratio to echo ${(coldMax.requests.average / summary.echo.rps).toFixed(2)})`,
    );

    // (b) Latency at a fixed rate (autocannon corrects for coordinated omission at a fixed rate).
    // Two rounds, alternated like (a): echo is the control — when its p99 is high too, the machine
    // (not the hook) was busy during that round.
    type Fixed = AutocannonResult & { server: ServerStats };
    const fixedAt = async (port: number, path: string): Promise<Fixed> => {
      await serverStats(ports);
      const r = await load(port, path, body, { duration, connections: 4, overallRate: rate });
      return { ...r, server: await serverStats(ports) };
    };
    const fixedRounds: Array<Record<'echo' | 'sync' | 'sync (cache missed)', Fixed>> = [];
    for (let r = 0; r < 2; r++) {
      fixedRounds.push({
        echo: await fixedAt(ports.echo, '/echo'),
        sync: await fixedAt(ports.sync, '/sync'),
        'sync (cache missed)': await fixedAt(ports.cold, '/sync'),
      });
    }
    const fixedErrors = fixedRounds
      .flatMap((x) => Object.values(x))
      .reduce((n, r) => n + r.errors + r.non2xx, coldMax.errors + coldMax.non2xx);
    console.log(
      `\n(b) fixed rate ${rate} req/s, 4 connections, ${duration} s per round\n\n` +
        '| round | route | req/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | server: loop delay p99 / max (ms), GC max (ms) |\n' +
        '|---|---|---|---|---|---|---|---|',
    );
    for (const [i, fixed] of fixedRounds.entries()) {
      for (const [name, r] of Object.entries(fixed)) {
        console.log(
          `| ${i + 1} | POST /${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ` +
            `${r.latency.p90} | ${r.latency.p99} | ${r.latency.max} | ` +
            `${ms(r.server.loopDelayP99Ms)} / ${ms(r.server.loopDelayMaxMs)}, ${ms(r.server.gcMaxMs)} |`,
        );
      }
    }
    console.log(`non-2xx + errors: ${fixedErrors}`);

    let soakResult: Record<string, unknown> | undefined;
    if (soak) {
      await load(ports.sync, '/sync', body, { amount: 10_000 });
      const warm = await memory(ports);
      const t0 = performance.now();
      const res = await load(ports.sync, '/sync', body, { amount: soakAmount });
      const seconds = (performance.now() - t0) / 1000;
      const end = await memory(ports);
      soakResult = {
        requests: res.requests.total,
        seconds: Math.round(seconds),
        errors: res.errors + res.non2xx + res.timeouts,
        warm: { heapUsedMiB: mib(warm.heapUsed), rssMiB: mib(warm.rss) },
        end: { heapUsedMiB: mib(end.heapUsed), rssMiB: mib(end.rss) },
      };
      console.log(
        `\n(d) soak: ${res.requests.total} syncs in ${Math.round(seconds)} s, errors ${String(soakResult['errors'])}; ` +
          `after GC: heap ${mib(warm.heapUsed)} → ${mib(end.heapUsed)} MiB, RSS ${mib(warm.rss)} → ${mib(end.rss)} MiB`,
      );
    }

    const loadAfter = load3();
    console.log(`\nload average before ${loadBefore}, after ${loadAfter}`);
    mkdirSync(RESULTS, { recursive: true });
    const file = new URL(`./sync-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, RESULTS);
    writeFileSync(
      file,
      JSON.stringify(
        {
          node: process.version,
          cpus: cpus().length,
          pinned: hasTaskset,
          loadavg: { before: loadBefore, after: loadAfter },
          duration,
          requestBytes: body.length,
          reconcile: cost,
          summary,
          ratio,
          coldMax: { rps: coldMax.requests.average, p99: coldMax.latency.p99 },
          rounds: rounds.map((r) => ({
            echo: { rps: r.echo.requests.average, p99: r.echo.latency.p99 },
            sync: { rps: r.sync.requests.average, p99: r.sync.latency.p99 },
          })),
          fixedRate: {
            rate,
            rounds: fixedRounds.map((fixed) =>
              Object.fromEntries(
                Object.entries(fixed).map(([k, r]) => [
                  k,
                  { rps: r.requests.average, ...r.latency, errors: r.errors + r.non2xx, server: r.server },
                ]),
              ),
            ),
          },
          soak: soakResult,
        },
        null,
        2,
      ),
    );
    console.log(`results: ${file.pathname}`);
  } finally {
    await stop();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();

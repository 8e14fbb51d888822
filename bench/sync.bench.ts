// Benchmark of the sync hook: what the HTTP edge + pure reconciler cost per request, compared with
// a bare Fastify echo route in the same run (absolute numbers vary a lot between runs on shared
// machines; the ratio is what to compare).
//
//   npm run bench                 throughput/p99 of /sync vs echo, and reconcile() alone
//   npm run bench -- --soak       plus ≥100k syncs: heap/RSS after warm-up vs at the end
//
// The servers run in a child process on 127.0.0.1 (so autocannon does not share their event
// loop); Porch is stubbed in-process there, so this measures the hook, not the network. The request
// is realistic: a CNF driven to Active through two updates by the scenario simulator (3
// PackageRevisions), with its Deployment, 10 Pods and an EndpointSlice.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { buildApp } from '../hooks/app.ts';
import { HookMetrics } from '../hooks/metrics.ts';
import { KubeEventRecorder } from '../lib/clients/kube.ts';
import type { PorchClient } from '../lib/clients/porch.ts';
import { reconcile } from '../lib/reconcile.ts';
import type { KubeObject, PackageRevision, ReconcileInput } from '../lib/types.ts';
import { World } from '../tests/fixtures/simulator.ts';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const BODY_LIMIT = 32 * 1024 * 1024;

/** A CNF at Active after two updates, with 3 revisions, 1 Deployment, 10 Pods, 1 EndpointSlice. */
function realisticInput(): ReconcileInput {
  const w = new World({ spec: { replicas: 10 } });
  const active = (x: World): boolean => x.parent.status?.phase === 'Active';
  w.runUntil(active);
  for (const level of ['info', 'debug']) {
    w.advance(60);
    w.setSpec({ configuration: { logLevel: level, plmn: { mcc: '001', mnc: '01' } } });
    w.runUntil((x) => active(x) && x.parent.status?.contentHash !== undefined);
    w.run(5);
  }
  const input = w.input();
  input.parent.metadata.creationTimestamp = '2026-03-01T10:00:00Z';
  input.related.pods = input.related.pods.map(realisticPod);
  return input;
}

/**
 * The simulator's Pods are minimal; real ones (as Metacontroller passes them) carry managedFields,
 * a full container spec and status: about 5 KiB each in JSON.
 */
function realisticPod(pod: KubeObject, i: number): KubeObject {
  const container = {
    name: 'amf',
    image: 'registry.example.com/5gc/amf:1.4.2',
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: 'sbi', containerPort: 8080, protocol: 'TCP' },
      { name: 'ngap', containerPort: 38412, protocol: 'SCTP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ],
    env: ['MCC', 'MNC', 'NRF_URI', 'LOG_LEVEL', 'POD_IP'].map((name) => ({
      name,
      value: `${name.toLowerCase()}-value`,
    })),
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/amf' },
      {
        name: 'kube-api-access-x7k2p',
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
        readOnly: true,
      },
    ],
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
  const ts = '2026-03-01T10:01:00Z';
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      uid: `6d1c9a7e-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(12000 + i),
      creationTimestamp: ts,
      generateName: 'test-amf-7d9f8c6b5-',
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'test-amf-7d9f8c6b5',
          uid: 'rs-uid',
          controller: true,
        },
      ],
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: ts,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"amf"}': { '.': {}, 'f:image': {}, 'f:ports': {}, 'f:resources': {} },
              },
            },
          },
        },
        {
          manager: 'kubelet',
          operation: 'Update',
          apiVersion: 'v1',
          time: ts,
          subresource: 'status',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:status': {
              'f:conditions': {},
              'f:containerStatuses': {},
              'f:podIP': {},
              'f:podIPs': {},
              'f:startTime': {},
            },
          },
        },
      ],
    } as KubeObject['metadata'],
    spec: {
      containers: [container],
      volumes: [{ name: 'config', configMap: { name: 'test-amf-config' } }],
      serviceAccountName: 'default',
      nodeName: `worker-${i % 3}`,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
    },
    status: {
      ...pod.status,
      hostIP: `192.168.0.${10 + (i % 3)}`,
      podIP: `10.244.${i % 3}.${20 + i}`,
      startTime: ts,
      qosClass: 'Burstable',
      containerStatuses: [
        {
          name: 'amf',
          ready: true,
          started: true,
          restartCount: 0,
          image: container.image,
          imageID: 'registry.example.com/5gc/amf@sha256:' + 'a'.repeat(64),
          containerID: 'containerd://' + 'b'.repeat(64),
          state: { running: { startedAt: ts } },
        },
      ],
    },
  };
}

function byKey<T extends { metadata: { name: string; namespace?: string } }>(objs: T[]): Record<string, T> {
  return Object.fromEntries(objs.map((o) => [`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o]));
}

function metacontrollerRequest(input: ReconcileInput): Record<string, unknown> {
  return {
    controller: {
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      metadata: { name: 'cnfdeployment-controller' },
    },
    parent: input.parent,
    children: {
      'PackageRevision.porch.kpt.dev/v1alpha1': byKey<PackageRevision>(
        input.children.map((c) => ({ ...c, metadata: { ...c.metadata, namespace: 'default' } })),
      ),
    },
    related: {
      'Deployment.apps/v1': byKey<KubeObject>(input.related.deployments),
      'Pod.v1': byKey<KubeObject>(input.related.pods),
      'EndpointSlice.discovery.k8s.io/v1': byKey<KubeObject>(input.related.endpointSlices),
    },
    finalizing: false,
  };
}

/** In-process Porch: answers instantly, as if every write were already done. */
const stubPorch: PorchClient = {
  getPackageRevision: () => Promise.reject(new Error('not used')),
  getResources: () => Promise.resolve({ resourceVersion: '1', resources: {}, contentHash: null }),
  writeResources: () => Promise.resolve('skipped'),
  approve: () => Promise.resolve('skipped'),
  close: () => Promise.resolve(),
};

// ---- child: the servers -----------------------------------------------------------------------------

async function serve(): Promise<void> {
  const now = Date.now;
  const sync = await buildApp({
    config: {
      porchRepository: 'deployments',
      hookToken: undefined,
      bodyLimitBytes: BODY_LIMIT,
      hookDeadlineMs: 8000,
    },
    porch: stubPorch,
    events: new KubeEventRecorder({ api: { createEvent: () => Promise.resolve() }, now }),
    metrics: new HookMetrics({ now, gaugeTtlSeconds: 900 }),
    now,
  });
  await sync.listen({ port: 0, host: '127.0.0.1' });

  const echo = Fastify({ bodyLimit: BODY_LIMIT });
  echo.post('/echo', (request) => Promise.resolve(request.body));
  await echo.listen({ port: 0, host: '127.0.0.1' });

  // Control channel: memory after a full GC (the child runs with --expose-gc).
  const control = createServer((_req, res) => {
    (globalThis as { gc?: () => void }).gc?.();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(process.memoryUsage()));
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));

  const port = (s: { address(): unknown }): number => (s.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({ sync: port(sync.server), echo: port(echo.server), control: port(control) })}\n`,
  );
  process.on('SIGTERM', () => process.exit(0));
}

// ---- parent: the load -------------------------------------------------------------------------------

interface Ports {
  sync: number;
  echo: number;
  control: number;
}

async function startServers(): Promise<{ ports: Ports; stop: () => void }> {
  const child = spawn(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ports = await new Promise<Ports>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Ports);
    });
    child.on('exit', (code) => reject(new Error(`server process exited ${code}`)));
  });
  return { ports, stop: () => child.kill('SIGTERM') };
}

async function memory(ports: Ports): Promise<NodeJS.MemoryUsage> {
  const res = await fetch(`http://127.0.0.1:${ports.control}/`);
  return (await res.json()) as NodeJS.MemoryUsage;
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

function reconcileCost(input: ReconcileInput, n: number): { usPerCall: number; calls: number } {
  for (let i = 0; i < Math.min(2000, n); i++) reconcile(input);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) reconcile(input);
  return { usPerCall: ((performance.now() - t0) * 1000) / n, calls: n };
}

const mib = (b: number): number => Math.round((b / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  const soak = process.argv.includes('--soak');
  const duration = Number(process.env['BENCH_DURATION'] ?? 10);
  const soakAmount = Number(process.env['BENCH_SOAK_REQUESTS'] ?? 100_000);
  const input = realisticInput();
  const body = JSON.stringify(metacontrollerRequest(input));
  console.log(
    `request: ${(body.length / 1024).toFixed(1)} KiB, ${input.children.length} PackageRevisions, ` +
      `${input.related.deployments.length} Deployment, ${input.related.pods.length} Pods, ` +
      `${input.related.endpointSlices.length} EndpointSlice; phase ${input.parent.status?.phase ?? '?'}`,
  );

  const cost = reconcileCost(input, 20_000);
  console.log(`reconcile() alone: ${cost.usPerCall.toFixed(1)} µs/call (${cost.calls} calls, after warm-up)`);

  const { ports, stop } = await startServers();
  try {
    const check = await fetch(`http://127.0.0.1:${ports.sync}/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (check.status !== 200) throw new Error(`/sync answered ${check.status}: ${await check.text()}`);

    // Warm both up, then alternate so drift on a shared machine hits both alike.
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
    console.log('\n| route | req/s | p99 (ms) |\n|---|---|---|');
    console.log(
      `| POST /echo (bare Fastify) | ${summary.echo.rps.toFixed(0)} | ${summary.echo.p99ms.toFixed(1)} |`,
    );
    console.log(`| POST /sync | ${summary.sync.rps.toFixed(0)} | ${summary.sync.p99ms.toFixed(1)} |`);
    console.log(`\nsync/echo throughput ratio: ${ratio.toFixed(2)}; non-2xx + errors: ${summary.errors}`);
    for (const [i, r] of rounds.entries()) {
      console.log(
        `  round ${i + 1}: echo ${r.echo.requests.average.toFixed(0)} req/s p99 ${r.echo.latency.p99} ms; ` +
          `sync ${r.sync.requests.average.toFixed(0)} req/s p99 ${r.sync.latency.p99} ms`,
      );
    }

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
        `\nsoak: ${res.requests.total} syncs in ${Math.round(seconds)} s, errors ${String(soakResult['errors'])}; ` +
          `after GC: heap ${mib(warm.heapUsed)} → ${mib(end.heapUsed)} MiB, RSS ${mib(warm.rss)} → ${mib(end.rss)} MiB`,
      );
    }

    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = new URL(
      `./results/sync-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
      import.meta.url,
    );
    writeFileSync(
      file,
      JSON.stringify(
        {
          node: process.version,
          cpus: cpus().length,
          duration,
          requestBytes: body.length,
          reconcile: cost,
          summary,
          ratio,
          rounds: rounds.map((r) => ({
            echo: { rps: r.echo.requests.average, p99: r.echo.latency.p99 },
            sync: { rps: r.sync.requests.average, p99: r.sync.latency.p99 },
          })),
          soak: soakResult,
        },
        null,
        2,
      ),
    );
    console.log(`\nresults: ${file.pathname}`);
  } finally {
    stop();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();

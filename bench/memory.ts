// Memory of the hook server process, measured the way the Deployment runs it (`node hooks/server.ts`,
// one process): RSS at idle, after a thousand ordinary syncs, and at the peak of K concurrent syncs
// of requests as large as BODY_LIMIT_BYTES admits (Metacontroller's default is 5 workers, so 5 at
// once is what one replica can be sent). The request is the benchmark's Active CNF (bench/request.ts)
// with its related Pods repeated until the body reaches the size asked for: the shape a CNF with
// very many pods has. RSS is read from /proc/<pid>/status every 10 ms. Sizes docs/operations.md's
// requests and limits.
//
//   npm run bench:memory [-- --mib 8 --concurrent 5 --rounds 3]
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { metacontrollerRequest, realisticInput } from './request.ts';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '8' },
    concurrent: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'body-limit-mib': { type: 'string' },
  },
});
const MIB = 1024 * 1024;
const bodyMib = Number(values.mib);
const concurrent = Number(values.concurrent);
const rounds = Number(values.rounds);
const limitMib = Number(values['body-limit-mib'] ?? Math.max(8, Math.ceil(bodyMib) + 1));

const rssMib = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  // The API server: reachable for /readyz; nothing else is asked for (an Active CNF plans no write).
  const api = createServer((req, res) => {
    if (req.url === '/version') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: {
            server: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
            'insecure-skip-tls-verify': true,
          },
        },
      ],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  const port = 21000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [new URL('../hooks/server.ts', import.meta.url).pathname], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: String(port),
      METRICS_PORT: String(port + 1),
      HOST: '127.0.0.1',
      KUBECONFIG: kubeconfig,
      HOOK_AUTH: 'none',
      LOG_LEVEL: 'warn',
      BODY_LIMIT_BYTES: String(limitMib * MIB),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid!;
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(50);
  }

  const small = JSON.stringify(metacontrollerRequest(realisticInput()));
  const big = ((): string => {
    const req = metacontrollerRequest(realisticInput()) as {
      related: Record<string, Record<string, unknown>>;
    };
    const pods = req.related['Pod.v1']!;
    const one = Object.values(pods);
    let n = 0;
    let size = small.length;
    const podSize = JSON.stringify(one[0]).length;
    while (size < bodyMib * MIB - podSize) {
      const p = structuredClone(one[n % one.length]) as { metadata: { name: string } };
      p.metadata.name = `${p.metadata.name}-x${n}`;
      pods[`default/${p.metadata.name}`] = p;
      size += podSize + 40;
      n++;
    }
    return JSON.stringify(req);
  })();
  const post = (body: string): Promise<number> =>
    fetch(`${base}/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
    );

  await sleep(1000);
  const idle = rssMib(pid);
  for (let i = 0; i < 1000; i++) await post(small);
  await sleep(500);
  const afterSmall = rssMib(pid);

  let peak = 0;
  const statuses: number[] = [];
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMib(pid));
  }, 10);
  const settled: number[] = [];
  for (let r = 0; r < rounds; r++) {
    statuses.push(...(await Promise.all(Array.from({ length: concurrent }, () => post(big)))));
    await sleep(1000);
    settled.push(rssMib(pid));
  }
  clearInterval(sampler);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  api.close();

  const f = (x: number): string => x.toFixed(0);
  console.log(
    JSON.stringify({
      node: process.version,
      bodyMiB: +(big.length / MIB).toFixed(2),
      bodyLimitMiB: limitMib,
      concurrent,
      rounds,
      answers: Object.fromEntries(
        [...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length]),
      ),
      rssMiB: {
        idle: f(idle),
        after1000Syncs: f(afterSmall),
        peak: f(peak),
        afterEachRound: settled.map(f),
      },
    }),
  );
}

await main();

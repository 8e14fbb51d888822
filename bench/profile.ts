// CPU-profile driver: reconcile() on the bench's request in a loop, nothing else.
//
//   node --cpu-prof --cpu-prof-dir=bench/results bench/profile.ts [calls]
//
// Open the .cpuprofile in Chrome DevTools, or summarize it with `node bench/profile-summary.ts <file>`.
import { performance } from 'node:perf_hooks';
import { reconcile } from '../lib/reconcile/index.ts';
import { realisticInput } from './request.ts';

const calls = Number(process.argv[2] ?? 20_000);
const input = realisticInput();
for (let i = 0; i < 2000; i++) reconcile(input);
const t0 = performance.now();
for (let i = 0; i < calls; i++) reconcile(input);
console.log(
  `reconcile(): ${(((performance.now() - t0) * 1000) / calls).toFixed(1)} µs/call over ${calls} calls`,
);

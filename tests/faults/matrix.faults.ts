// The fault matrix on the local stack (`npm run test:faults`, docs/reliability.md): for each of
// porch-server, its PostgreSQL (with Porch's database cache), the git server, Metacontroller, the hook server and the kube-apiserver, and for each
// of two moments — during provisioning (a new CNF) and during a rollout (a spec change on an Active
// CNF) — the component is SIGKILLed (its whole process group, scripts/local/fault.ts), kept down for
// FAULT_DOWN_MS (3 s), started again as up.ts starts it, and then:
//   - the CNF converges: Active on its generation, the spec's replicas ready on the Deployment, which
//     carries the new content, the A1 policy Enforced and the E2 subscription Ready;
//   - it stays Active on that revision for 5 s;
//   - nothing is duplicated, orphaned or lost (tests/faults/checks.ts invariants): Porch holds exactly
//     the expected revisions, each Published once, no workspace twice, no Draft/Proposed left, each
//     owned by the CNF, each in status.history and status naming the latest; one git tag per revision
//     and no draft/proposed branch; exactly one A1 policy and one E2 subscription in the RIC double;
//   - the phase never was Failed;
//   - deleting the CNF leaves nothing in Kubernetes, Porch, git or the RIC.
// Recovery time = restart began → converged (polled every ~0.5 s). Each case has its own CNF
// (flt-<component>-prov|roll). Figures: printed at the end, written to .local/faults-report.json and
// appended to .local/faults-history.jsonl.
//
// FAULTS_ONLY=hooks,porch-roll (component short names or case names) runs a subset.
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { OranResponder } from '../doubles/oran-responder.ts';
import {
  HOOK_PORT,
  LOCAL,
  LOGS,
  LOG_HINT,
  NS,
  Watch,
  componentStatus,
  getCnf,
  killComponentNow,
  log,
  must,
  restartComponent,
  sh,
  sleep,
  summary,
  waitUntil,
  type Cnf,
  type StackComponent,
} from '../e2e/helpers.ts';
import {
  converged,
  deploymentOf,
  invariants,
  leftoversOf,
  manifest,
  nothingLeft,
  oranOf,
  oranStatus,
  type Expected,
  type Leftovers,
} from './checks.ts';

const DOWN_MS = Number(process.env.FAULT_DOWN_MS || 3000);
const CONVERGE_MS = Number(process.env.FAULT_CONVERGE_MS || 180_000);
const HOLD_MS = 5000;

interface Target {
  component: StackComponent;
  short: string;
  label: string;
  log: string;
}
const TARGETS: Target[] = [
  { component: 'hooks', short: 'hooks', label: 'hook server', log: 'hooks.log' },
  { component: 'metacontroller', short: 'mc', label: 'Metacontroller', log: 'metacontroller.log' },
  { component: 'gitserver', short: 'git', label: 'git server', log: 'gitserver.log' },
  { component: 'porch', short: 'porch', label: 'porch-server', log: 'porch.log' },
  // Porch's database, when the stack runs Porch's database cache (its default; not with
  // NEPHORAN_PORCH_CACHE=cr)
  ...(existsSync(path.join(LOCAL, 'pids', 'postgres.json'))
    ? [
        {
          component: 'postgres' as const,
          short: 'pg',
          label: "PostgreSQL (Porch's database)",
          log: 'postgres.log',
        },
      ]
    : []),
  { component: 'kube-apiserver', short: 'kapi', label: 'kube-apiserver', log: 'kube-apiserver.log' },
];
type Moment = 'provisioning' | 'rollout';
const MOMENTS: Moment[] = ['provisioning', 'rollout'];

interface CaseRecord {
  case: string;
  component: StackComponent;
  moment: Moment;
  result: 'passed' | 'failed';
  /** What the CNF's watch showed when the kill was triggered. */
  stateAtKill?: string;
  /** apply/patch → SIGKILL sent. */
  killAfterMs?: number;
  /** SIGKILL → restart began (the outage). */
  downMs?: number;
  /** restart began → component healthy. */
  componentStartMs?: number;
  /** component healthy → CNF converged. */
  readyToConvergedMs?: number;
  /** restart began → CNF converged: the recovery time. */
  recoveryMs?: number;
  /** apply/patch → converged. */
  totalMs?: number;
  /** kubectl delete → nothing left anywhere. */
  cleanupMs?: number;
  phases?: string[];
  ricCalls?: { policyPuts: number; subscriptionPosts: number };
  problems: string[];
}

const report = {
  startedAt: new Date().toISOString(),
  finishedAt: '',
  downMs: DOWN_MS,
  cases: [] as CaseRecord[],
};

const only = (process.env.FAULTS_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const selected = (t: Target, m: Moment): boolean =>
  only.length === 0 || only.includes(t.short) || only.includes(caseName(t, m).replace(/^flt-/, ''));
const caseName = (t: Target, m: Moment): string => `flt-${t.short}-${m === 'provisioning' ? 'prov' : 'roll'}`;

let responder: OranResponder;
let url = '';

const STATUS_TEMPLATE =
  '{.status.phase}|{.metadata.generation}|{.status.observedGeneration}|{.status.revision}';
const field = (line: string, i: number): string => line.split('|')[i] ?? '';

async function seen(name: string): Promise<string> {
  let c: Cnf | null = null;
  try {
    c = await getCnf(name);
  } catch (err) {
    return `(could not read ${name}: ${(err as Error).message})`;
  }
  const dep = await deploymentOf(name).catch(() => null);
  const oran = oranOf(responder, name);
  return (
    `${summary(c)}; status.oran=${JSON.stringify(oranStatus(c))}; Deployment: ${dep ? JSON.stringify(dep) : '-'}; ` +
    `RIC: policies ${JSON.stringify(oran.policies)}, subscriptions ${JSON.stringify(oran.subscriptions)}`
  );
}

const describeLeft = (l: Leftovers): string =>
  `CNFDeployment ${l.cnf ? 'present' : 'gone'}; PackageRevisions: ${l.revisions.join(' ') || '-'}; git refs: ${l.refs.join(' ') || '-'}; ` +
  `workload: ${l.workload.join(' ') || '-'}; A1 policies: ${l.policies.join(' ') || '-'}; E2 subscriptions: ${l.subscriptions.join(' ') || '-'}`;

/** Deletes the CNF and waits until nothing of it is left; returns how long that took. */
async function deleteAndCheck(name: string, timeoutMs = 150_000): Promise<number> {
  await must(`kubectl delete cnfdeployment ${name} -n ${NS} --ignore-not-found --wait=false`);
  const { ms } = await waitUntil(
    `nothing of ${name} left in Kubernetes, Porch, git and the RIC within ${timeoutMs / 1000} s of kubectl delete`,
    async () => nothingLeft(await leftoversOf(name, responder)),
    { timeoutMs, intervalMs: 1000, seen: async () => describeLeft(await leftoversOf(name, responder)) },
  );
  return ms;
}

/** Every component runs, the API answers, the hook server is ready. */
async function stackHealthy(): Promise<void> {
  const st = await componentStatus();
  const down = Object.entries(st).filter(([, pid]) => pid === null);
  if (down.length) {
    throw new Error(
      `stack components not running: ${down.map(([c]) => c).join(', ')} (start them: npm run local -- --no-example)`,
    );
  }
  await must('kubectl get --raw /readyz', { timeoutMs: 15_000 });
  await must(`curl -sf -o /dev/null http://127.0.0.1:${HOOK_PORT}/readyz`, { timeoutMs: 10_000 });
}

/** .local/logs/faults/<case>.<component>.log: the killed process's log, kept before the restart. */
function keepLog(t: Target, name: string): void {
  if (t.component === 'kube-apiserver') return; // appended to, never rotated
  try {
    mkdirSync(path.join(LOGS, 'faults'), { recursive: true });
    copyFileSync(path.join(LOGS, t.log), path.join(LOGS, 'faults', `${name}.${t.log}`));
  } catch {
    // a missing log is not the case's failure
  }
}

/** The CNF stays Active on `revision` for HOLD_MS. */
async function holds(name: string, revision: number): Promise<string[]> {
  const until = Date.now() + HOLD_MS;
  const seenStates = new Set<string>();
  while (Date.now() < until) {
    const c = await getCnf(name);
    seenStates.add(`${c?.status?.phase ?? '-'}@${c?.status?.revision ?? '-'}`);
    await sleep(500);
  }
  const bad = [...seenStates].filter((s) => s !== `Active@${revision}`);
  return bad.length
    ? [
        `expected ${name} to stay Active on revision ${revision} for ${HOLD_MS / 1000} s, seen ${[...seenStates].join(', ')}`,
      ]
    : [];
}

function phasesOf(watches: Watch[], since: number): string[] {
  const lines = watches
    .flatMap((w) => w.lines)
    .filter((l) => l.at >= since)
    .sort((a, b) => a.at - b.at);
  const out: string[] = [];
  for (const l of lines) {
    const p = field(l.line, 0) || '(none)';
    if (out[out.length - 1] !== p) out.push(p);
  }
  return out;
}

async function runCase(t: Target, moment: Moment): Promise<void> {
  const name = caseName(t, moment);
  const rec: CaseRecord = { case: name, component: t.component, moment, result: 'failed', problems: [] };
  report.cases.push(rec);
  await stackHealthy();
  if (!nothingLeft(await leftoversOf(name, responder))) await deleteAndCheck(name, 330_000);

  const watches = [new Watch(`cnfdeployment --field-selector metadata.name=${name}`, STATUS_TEMPLATE)];
  let killed = false;
  let restarted = false;
  let t0 = 0;
  try {
    await sleep(500);
    let want: Expected;
    let trigger: (line: string) => boolean;
    if (moment === 'rollout') {
      await must(`kubectl apply -f - <<'EOF'\n${manifest(name, url, { replicas: 1 })}EOF`);
      const first: Expected = { replicas: 1, revision: 1, revisions: 1 };
      const { value: base } = await waitUntil(
        `${name} Active before the rollout`,
        () => converged(name, first),
        {
          timeoutMs: 120_000,
          intervalMs: 500,
          seen: () => seen(name),
        },
      );
      const gen = (base.metadata.generation ?? 0) + 1;
      t0 = Date.now();
      await must(
        `kubectl patch cnfdeployment ${name} -n ${NS} --type merge -p '{"spec":{"replicas":2,"configuration":{"logLevel":"debug"}}}'`,
      );
      want = { replicas: 2, revision: 2, revisions: 2 };
      if (base.status?.contentHash) want.notContentHash = base.status.contentHash;
      trigger = (l) => ['Updating', 'Scaling'].includes(field(l, 0)) && field(l, 2) === String(gen);
    } else {
      t0 = Date.now();
      await must(`kubectl apply -f - <<'EOF'\n${manifest(name, url, { replicas: 2 })}EOF`);
      want = { replicas: 2, revision: 1, revisions: 1 };
      trigger = (l) => field(l, 0) === 'Provisioning';
    }

    // The kill: as soon as the CNF shows the revision in flight (its Draft exists, the write →
    // propose → approve chain runs in the next sync), without starting a process first.
    const hit = await watches[0]!.waitFor(`${name} ${moment} in flight`, trigger, t0, 60_000);
    const kill = await killComponentNow(t.component);
    killed = true;
    rec.stateAtKill = hit.line;
    rec.killAfterMs = kill.killedAt - t0;
    await sleep(Math.max(0, kill.killedAt + DOWN_MS - Date.now()));
    // The restart rotates the component's log (.log → .log.1, the previous .log.1 is lost): keep
    // what the killed process wrote.
    keepLog(t, name);
    const r = await restartComponent(t.component);
    restarted = true;
    rec.downMs = r.startedAt - kill.killedAt;
    rec.componentStartMs = r.readyAt - r.startedAt;
    // kubectl -w ends when the API server goes; a new one sees the rest
    watches.push(new Watch(`cnfdeployment --field-selector metadata.name=${name}`, STATUS_TEMPLATE));

    let c: Cnf;
    try {
      ({ value: c } = await waitUntil(
        `${name} converged after the ${t.label} restart (Active, ${want.replicas} replicas ready on revision ${want.revision}, ` +
          `A1 policy Enforced, E2 subscription Ready)`,
        () => converged(name, want),
        { timeoutMs: CONVERGE_MS, intervalMs: 250, seen: () => seen(name) },
      ));
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n  the ${t.label}'s log: ${log(t.log)} (the killed process: ${log(`faults/${name}.${t.log}`)})`,
        { cause: err },
      );
    }
    const at = Date.now();
    rec.readyToConvergedMs = at - r.readyAt;
    rec.recoveryMs = at - r.startedAt;
    rec.totalMs = at - t0;

    rec.problems.push(...(await holds(name, want.revision)));
    const latest = (await getCnf(name)) ?? c;
    rec.problems.push(...(await invariants(name, latest, want, responder)));
    rec.phases = phasesOf(watches, t0);
    if (rec.phases.includes('Failed')) rec.problems.push(`phase Failed seen: ${rec.phases.join(' → ')}`);
    const oran = oranOf(responder, name);
    rec.ricCalls = { policyPuts: oran.policyPuts, subscriptionPosts: oran.subscriptionPosts };
  } catch (err) {
    rec.problems.push((err as Error).message);
  } finally {
    for (const w of watches) w.stop();
    if (killed && !restarted) {
      await restartComponent(t.component).catch((e: Error) =>
        rec.problems.push(`restarting ${t.label} after the failure: ${e.message}`),
      );
    }
  }
  try {
    rec.cleanupMs = await deleteAndCheck(name);
  } catch (err) {
    rec.problems.push(`cleanup: ${(err as Error).message}`);
  }
  if (rec.problems.length) {
    throw new Error(
      `${name}: ${rec.problems.length} problem(s):\n- ${rec.problems.join('\n- ')}\n  ${LOG_HINT}`,
    );
  }
  rec.result = 'passed';
}

beforeAll(async () => {
  const ready = await sh(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${HOOK_PORT}/readyz`);
  if (ready.stdout.trim() !== '200') {
    throw new Error(
      `the local stack is not up: hook server /readyz on 127.0.0.1:${HOOK_PORT} answered "${ready.stdout.trim()}". ` +
        'Run `npm run test:faults` (it starts the stack) or `npm run local -- --no-example` first.',
    );
  }
  responder = new OranResponder();
  url = await responder.start(0, '127.0.0.1');
}, 60_000);

afterAll(async () => {
  await responder?.stop();
  report.finishedAt = new Date().toISOString();
  writeFileSync(path.join(LOCAL, 'faults-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  appendFileSync(path.join(LOCAL, 'faults-history.jsonl'), `${JSON.stringify(report)}\n`);
  const s = (ms?: number): string => (ms === undefined ? '-' : (ms / 1000).toFixed(1));
  const lines = [
    '==> fault matrix (seconds; recovery = restart began → converged)',
    '  case              result  killAfter  down  start  ready→conv  recovery  cleanup  phases',
    ...report.cases.map(
      (c) =>
        `  ${c.case.padEnd(17)} ${c.result.padEnd(7)} ${s(c.killAfterMs).padStart(9)} ${s(c.downMs).padStart(5)} ` +
        `${s(c.componentStartMs).padStart(6)} ${s(c.readyToConvergedMs).padStart(11)} ${s(c.recoveryMs).padStart(9)} ` +
        `${s(c.cleanupMs).padStart(8)}  ${(c.phases ?? []).join('→')}`,
    ),
    `  (written to ${path.relative(process.cwd(), path.join(LOCAL, 'faults-report.json'))}, appended to .local/faults-history.jsonl)`,
  ];
  console.log(lines.join('\n'));
});

describe('fault matrix: SIGKILL and restart each component during provisioning and during a rollout', () => {
  for (const t of TARGETS) {
    for (const m of MOMENTS) {
      const run = selected(t, m) ? test : test.skip;
      run(
        `${t.label} killed during ${m} → converges, nothing duplicated, orphaned or lost`,
        () => runCase(t, m),
        540_000,
      );
    }
  }
});

// End-to-end: the seed's phase-1 scenario (seed "Integration Test") and the lifecycle around it, on
// the local stack (kwok cluster, porch-server, git server, Metacontroller, the hook server of this
// checkout, the GitOps stand-in). `npm run test:e2e` brings the stack up (or reuses it) first.
//
// Steps run in order and build on each other (one CNFDeployment, test-amf): create → Active, scale,
// update, failing rollout → rollback, hook server killed during a rollout, delete. Every wait is
// bounded; a failure says what was expected, what was seen and which log to read. Measured figures
// are printed at the end and written to .local/e2e-report.json.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  GIT_URL,
  HOOK_PORT,
  LOCAL,
  LOG_HINT,
  NS,
  Watch,
  cond,
  getCnf,
  killHooks,
  log,
  must,
  packageRevisions,
  pidAlive,
  sh,
  sleep,
  startHooks,
  summary,
  waitUntil,
  type Cnf,
  type PackageRevision,
} from './helpers.ts';
import { OranResponder } from '../doubles/oran-responder.ts';

const NAME = 'test-amf';
const PKG = `${NS}/${NAME}`;

const TEST_AMF = `apiVersion: nephoran.com/v1
kind: CNFDeployment
metadata:
  name: ${NAME}
  namespace: ${NS}
spec:
  type: 5G-Core
  function: AMF
  replicas: 2
  resources:
    requests:
      cpu: "1"
      memory: "2Gi"
    limits:
      cpu: "2"
      memory: "4Gi"
`;

interface Report {
  startedAt: string;
  applyToActiveSeconds?: number;
  applyToActiveWaitSeconds?: number;
  readinessDelays: { step: string; deploymentReadyAt: string; cnfReflectedAt: string; delayMs: number }[];
  phases: Record<string, string[]>;
  notes: string[];
  steps: Record<string, 'passed' | 'failed' | 'skipped'>;
  cnfWatch?: string[];
  deploymentWatch?: string[];
}
const report: Report = {
  startedAt: new Date().toISOString(),
  readinessDelays: [],
  phases: {},
  notes: [],
  steps: {},
};

// ---- status lines of the CNF watch ------------------------------------------------------------------

const CNF_TEMPLATE =
  '{.status.phase}|{.status.readyReplicas}|{.status.revision}|{.metadata.generation}|' +
  '{.status.observedGeneration}|{.status.contentHash}|{.status.conditions[?(@.type=="RolledBack")].status}|' +
  '{.status.conditions[?(@.type=="Ready")].reason}|{.status.conditions[?(@.type=="Degraded")].message}';

interface Line {
  phase: string;
  ready: number;
  revision: number;
  generation: number;
  observedGeneration: number;
  contentHash: string;
  rolledBack: string;
}
function parse(line: string): Line {
  const [phase = '', ready, revision, generation, observed, contentHash = '', rolledBack = ''] =
    line.split('|');
  return {
    phase,
    ready: Number(ready || 0),
    revision: Number(revision || 0),
    generation: Number(generation || 0),
    observedGeneration: Number(observed || 0),
    contentHash,
    rolledBack,
  };
}

let cnfWatch: Watch;
let depWatch: Watch;

/** Phases the CNF went through since `since` (consecutive duplicates collapsed). */
function phasesSince(since: number): string[] {
  const out: string[] = [];
  for (const l of cnfWatch.lines) {
    if (l.at < since) continue;
    const p = parse(l.line).phase || '(none)';
    if (out[out.length - 1] !== p) out.push(p);
  }
  return out;
}

/** Deployment readyReplicas reached `n` (watch) → CNF status.readyReplicas reached `n` (watch). */
async function measureReadiness(step: string, n: number, since: number): Promise<void> {
  const dep = await depWatch.waitFor(
    `Deployment ${NAME} status.readyReplicas=${n}`,
    (l) => Number(l || 0) === n,
    since,
    60_000,
  );
  const cnf = await cnfWatch.waitFor(
    `CNFDeployment ${NAME} status.readyReplicas=${n}`,
    (l) => parse(l).ready === n,
    since,
    60_000,
  );
  report.readinessDelays.push({
    step,
    deploymentReadyAt: new Date(dep.at).toISOString(),
    cnfReflectedAt: new Date(cnf.at).toISOString(),
    delayMs: cnf.at - dep.at,
  });
}

const seenCnf = async (): Promise<string> => summary(await getCnf(NAME));

/** Waits for phase Active on generation `gen` (observedGeneration caught up) plus `extra`. */
async function waitActive(
  expected: string,
  gen: number,
  timeoutMs: number,
  extra: (c: Cnf) => boolean = () => true,
): Promise<Cnf> {
  const { value } = await waitUntil(
    `${expected} (phase Active, observedGeneration ${gen})`,
    async () => {
      // a Failed phase is not final (a spec fix or recovery moves on): keep waiting, the bound
      // and the summary of what was seen tell
      const c = await getCnf(NAME);
      return c?.status?.phase === 'Active' && c.status.observedGeneration === gen && extra(c) ? c : undefined;
    },
    { timeoutMs, seen: seenCnf },
  );
  return value;
}

const numbered = (prs: PackageRevision[]): PackageRevision[] =>
  prs.filter((p) => p.spec.workspaceName !== 'main');
const describePrs = (prs: PackageRevision[]): string =>
  prs.map((p) => `${p.metadata.name}=${p.spec.lifecycle ?? '?'}(rev ${p.spec.revision ?? '?'})`).join(', ') ||
  '(none)';

/** status.history holds a revision made by `trigger` with Porch revision number `rev`. */
function expectRevision(c: Cnf, trigger: string, rev: number): void {
  const h = (c.status?.history ?? []).find((x) => x.trigger === trigger && x.revision === rev);
  if (!h) {
    throw new Error(
      `expected a ${trigger} revision with number ${rev} in status.history, seen: ` +
        JSON.stringify(c.status?.history?.map((x) => [x.name, x.revision, x.trigger, x.outcome])),
    );
  }
}

/** The published revision the CNF reports exists in Porch and as a git tag. */
async function expectPublished(c: Cnf): Promise<void> {
  const rev = c.status?.revision ?? 0;
  const prs = await packageRevisions(PKG);
  const pr = prs.find((p) => p.metadata.name === c.status?.packageRevision);
  if (!pr || pr.spec.lifecycle !== 'Published' || pr.spec.revision !== rev) {
    throw new Error(
      `expected PackageRevision ${c.status?.packageRevision} Published with revision ${rev} in ` +
        `\`kubectl get packagerevisions -n ${NS}\`, seen: ${describePrs(prs)}\n  read ${log('porch.log')}`,
    );
  }
  const tags = await must(`git ls-remote --tags ${GIT_URL}`, { timeoutMs: 20_000 });
  if (!tags.includes(`refs/tags/${PKG}/v${rev}`)) {
    throw new Error(
      `expected tag ${PKG}/v${rev} in \`git ls-remote --tags ${GIT_URL}\`, seen:\n${tags}\n  read ${log('gitserver.log')}, ${log('porch.log')}`,
    );
  }
}

/** Runs a `kubectl wait` and, when it fails, adds what the CNF looked like and where to look. */
async function kubectlWait(cmd: string, timeoutMs: number): Promise<number> {
  const r = await sh(cmd, { timeoutMs });
  if (r.code !== 0) {
    throw new Error(
      `\`${cmd}\` exited ${r.code}: ${(r.stderr || r.stdout).trim()}\n  seen: ${await seenCnf()}\n  ${LOG_HINT}`,
    );
  }
  return r.ms;
}

// Steps depend on each other: once one fails the later ones say so instead of failing confusingly.
let broken = '';
async function step(name: string, body: () => Promise<void>): Promise<void> {
  if (broken) {
    report.steps[name] = 'skipped';
    throw new Error(`not run: earlier step "${broken}" failed`);
  }
  try {
    await body();
    report.steps[name] = 'passed';
  } catch (err) {
    report.steps[name] = 'failed';
    broken = name;
    throw err;
  }
}

/**
 * A CNF that just became Active must stay there: watches it for `holdMs` and returns the phases it
 * went through (just ['Active'] when stable). When it moved, waits (bounded) until it is Active
 * again and unchanged for `holdMs`, so that the next step starts from a settled CNF.
 */
async function settle(holdMs = 6000): Promise<string[]> {
  const t0 = Date.now();
  await sleep(holdMs);
  const phases = phasesSince(t0 - 1);
  const last = cnfWatch.lines[cnfWatch.lines.length - 1];
  const current = last ? [parse(last.line).phase] : [];
  const seen = phases.length ? phases : current;
  if (seen.every((p) => p === 'Active')) return seen;
  await waitUntil(
    `CNFDeployment ${NAME} Active again and unchanged for ${holdMs / 1000}s`,
    () => {
      const l = cnfWatch.lines[cnfWatch.lines.length - 1];
      return Promise.resolve(
        l !== undefined && parse(l.line).phase === 'Active' && Date.now() - l.at >= holdMs ? true : undefined,
      );
    },
    { timeoutMs: 180_000, intervalMs: 250, seen: seenCnf },
  );
  return phasesSince(t0);
}

/** A check that fails its own test but does not stop the later steps. */
async function check(name: string, body: () => Promise<void>): Promise<void> {
  if (broken) {
    report.steps[name] = 'skipped';
    throw new Error(`not run: earlier step "${broken}" failed`);
  }
  try {
    await body();
    report.steps[name] = 'passed';
  } catch (err) {
    report.steps[name] = 'failed';
    throw err;
  }
}

/** Test body: the CNF stays Active after `after` (no spurious Degraded/Healing/new revision). */
/** Where each step started and the generation it converged on (for staysActive). */
const marks: Record<string, { t0: number; gen: number }> = {};

/**
 * Test body: once the step's generation was first seen Active, the CNF stays Active on that
 * revision (no spurious Degraded/Healing, no new revision) — checked from that moment until 6 s
 * after this check starts.
 */
function staysActive(after: string): () => Promise<void> {
  return () =>
    check(`${after}: stays Active`, async () => {
      const m = marks[after];
      if (!m) throw new Error(`step ${after} left no mark`);
      const first = cnfWatch.find((l) => {
        const x = parse(l);
        return x.phase === 'Active' && x.observedGeneration === m.gen;
      }, m.t0);
      if (!first) throw new Error(`no Active status line for generation ${m.gen} in the watch`);
      const settling = await settle();
      report.phases[`${after}, settling`] = settling;
      const lines = cnfWatch.lines.filter((l) => l.at >= first.at).map((l) => parse(l.line));
      const phases = phasesSince(first.at);
      const revisions = [...new Set(lines.map((l) => l.revision))];
      report.phases[`${after}, after first Active`] = phases;
      if (phases.some((p) => p !== 'Active') || revisions.length > 1) {
        throw new Error(
          `expected test-amf to stay Active on revision ${parse(first.line).revision} once the ${after} was Active ` +
            `(${new Date(first.at).toISOString()}; nothing changed since), seen phases ${phases.join(' → ')}, ` +
            `revisions ${revisions.join(', ')}; now ${summary(await getCnf(NAME))}\n  ${LOG_HINT}`,
        );
      }
    });
}

// ---- setup --------------------------------------------------------------------------------------------

beforeAll(async () => {
  const ready = await sh(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${HOOK_PORT}/readyz`);
  if (ready.stdout.trim() !== '200') {
    throw new Error(
      `the local stack is not up: hook server /readyz on 127.0.0.1:${HOOK_PORT} answered "${ready.stdout.trim()}". ` +
        'Run `npm run test:e2e` (it starts the stack) or `npm run local -- --no-example` first.',
    );
  }
  await must('kubectl get --raw /readyz', { timeoutMs: 10_000 });
  // Leftovers of an earlier run (or of `npm run local`'s example, which has the same name).
  if (await getCnf(NAME)) {
    await must(`kubectl delete cnfdeployment ${NAME} -n ${NS} --wait=false`);
    await waitUntil(
      `leftover CNFDeployment ${NAME} from an earlier run to be deleted`,
      async () => !(await getCnf(NAME)),
      {
        timeoutMs: 360_000,
        intervalMs: 1000,
        seen: seenCnf,
      },
    );
  }
  cnfWatch = new Watch(`cnfdeployment --field-selector metadata.name=${NAME}`, CNF_TEMPLATE);
  depWatch = new Watch(`deployment --field-selector metadata.name=${NAME}`, '{.status.readyReplicas}');
  await sleep(1000);
}, 420_000);

afterAll(() => {
  cnfWatch?.stop();
  depWatch?.stop();
  const t = (at: number): string => new Date(at).toISOString().slice(11, 23);
  report.cnfWatch = (cnfWatch?.lines ?? []).map((l) => `${t(l.at)} ${l.line}`);
  report.deploymentWatch = (depWatch?.lines ?? []).map((l) => `${t(l.at)} ${l.line}`);
  writeFileSync(path.join(LOCAL, 'e2e-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const lines = [
    '==> e2e figures',
    `  kubectl apply → phase Active: ${report.applyToActiveSeconds?.toFixed(2) ?? '-'} s (watch); ` +
      `kubectl wait Provisioning+Active returned after ${report.applyToActiveWaitSeconds?.toFixed(2) ?? '-'} s`,
    ...report.readinessDelays.map(
      (d) =>
        `  readiness ${d.step}: Deployment ready at ${d.deploymentReadyAt}, CNF status at ${d.cnfReflectedAt}: ${d.delayMs} ms`,
    ),
    ...Object.entries(report.phases).map(([k, v]) => `  phases ${k}: ${v.join(' → ')}`),
    ...Object.entries(report.steps).map(([k, v]) => `  step ${k}: ${v}`),
    ...report.notes.map((n) => `  note: ${n}`),
    `  (written to ${path.relative(process.cwd(), path.join(LOCAL, 'e2e-report.json'))})`,
  ];
  console.log(lines.join('\n'));
});

// ---- the scenario ---------------------------------------------------------------------------------------

describe('CNFDeployment lifecycle on the local stack', () => {
  test('1. create test-amf → Provisioning → Active; package in Porch and git; metrics', async () => {
    await step('create', async () => {
      const t0 = Date.now();
      await must(`kubectl apply -f - <<'EOF'\n${TEST_AMF}EOF`);
      await kubectlWait(
        `kubectl wait --for=condition=Provisioning cnfdeployment/${NAME} --timeout=60s`,
        70_000,
      );
      await kubectlWait(`kubectl wait --for=condition=Active cnfdeployment/${NAME} --timeout=300s`, 310_000);
      report.applyToActiveWaitSeconds = (Date.now() - t0) / 1000;
      const active = cnfWatch.find((l) => parse(l).phase === 'Active', t0);
      if (active) report.applyToActiveSeconds = (active.at - t0) / 1000;
      report.phases.create = phasesSince(t0);
      marks.create = { t0, gen: 1 };

      const phase = (await must(`kubectl get cnfdeployment ${NAME} -o jsonpath='{.status.phase}'`)).trim();
      expect(phase).toBe('Active');
      const ready = (
        await must(`kubectl get cnfdeployment ${NAME} -o jsonpath='{.status.readyReplicas}'`)
      ).trim();
      expect(ready).toBe('2');

      const c = await getCnf(NAME);
      if (!c) throw new Error('CNFDeployment disappeared');
      expect(c.status?.revision).toBe(1);
      await expectPublished(c);
      await measureReadiness('create (0→2)', 2, t0);

      const metrics = await sh(
        `curl -s 127.0.0.1:${HOOK_PORT}/metrics | grep -q 'cnf_deployments_total{status="success"}'`,
      );
      if (metrics.code !== 0) {
        const all = await sh(`curl -s 127.0.0.1:${HOOK_PORT}/metrics | grep cnf_deployments_total`);
        throw new Error(
          `expected cnf_deployments_total{status="success"} on /metrics, seen:\n${all.stdout || '(no cnf_deployments_total series)'}\n  read ${log('hooks.log')}`,
        );
      }
    });
  }, 420_000);

  test('1b. stays Active after the create', staysActive('create'), 240_000);

  test('2. scale to 3 → new Published revision, readyReplicas 3; scale to 11 refused (maxReplicas)', async () => {
    await step('scale', async () => {
      const before = await getCnf(NAME);
      const rev = before?.status?.revision ?? 0;
      const t0 = Date.now();
      await must(`kubectl scale cnfd/${NAME} --replicas=3`);
      const c = await waitActive(
        'scale to 3: readyReplicas 3 on a new revision',
        (before?.metadata.generation ?? 0) + 1,
        90_000,
        (x) => x.status?.readyReplicas === 3 && (x.status.revision ?? 0) > rev,
      );
      report.phases.scale = phasesSince(t0);
      marks.scale = { t0, gen: c.metadata.generation ?? 0 };
      expectRevision(c, 'Scale', rev + 1);
      await expectPublished(c);
      await measureReadiness('scale (2→3)', 3, t0);

      const r = await sh(`kubectl scale cnfd/${NAME} --replicas=11`);
      if (r.code === 0 || !/maxReplicas/.test(r.stderr)) {
        throw new Error(
          `expected \`kubectl scale cnfd/${NAME} --replicas=11\` to be refused by the API server with a message about maxReplicas; ` +
            `seen exit ${r.code}: ${(r.stderr || r.stdout).trim()}`,
        );
      }
      report.notes.push(`scale to 11 refused: ${r.stderr.trim()}`);
      const after = await getCnf(NAME);
      expect(after?.spec.replicas).toBe(3);
    });
  }, 240_000);

  test('2b. stays Active after the scale', staysActive('scale'), 240_000);

  test('3. update spec.configuration → Updating → Active on a new revision', async () => {
    await step('update', async () => {
      const before = await getCnf(NAME);
      const rev = before?.status?.revision ?? 0;
      const hash = before?.status?.contentHash;
      const t0 = Date.now();
      await must(
        `kubectl patch cnfdeployment ${NAME} --type merge -p '{"spec":{"configuration":{"logLevel":"debug","plmn":{"mcc":"001","mnc":"01"}}}}'`,
      );
      const c = await waitActive(
        'configuration update on a new revision',
        (before?.metadata.generation ?? 0) + 1,
        120_000,
        (x) =>
          (x.status?.revision ?? 0) > rev && x.status?.contentHash !== hash && x.status?.readyReplicas === 3,
      );
      const phases = phasesSince(t0);
      report.phases.update = phases;
      if (!phases.includes('Updating')) {
        throw new Error(
          `expected the phase to pass through Updating after the patch, seen: ${phases.join(' → ')}`,
        );
      }
      marks.update = { t0, gen: c.metadata.generation ?? 0 };
      expectRevision(c, 'Update', rev + 1);
      await expectPublished(c);
    });
  }, 240_000);

  test('3b. stays Active after the update', staysActive('update'), 240_000);

  test('4. failing rollout (image …-fail-rollout, kwok stage keeps its pods unready) → rolled back', async () => {
    await step('rollback', async () => {
      const stages = path.join(LOCAL, 'kwok', 'clusters', 'nephoran', 'kwok.yaml');
      if (!existsSync(stages) || !readFileSync(stages, 'utf8').includes('nephoran-pod-unready')) {
        throw new Error(
          `the kwok cluster has no Stage nephoran-pod-unready (${path.relative(process.cwd(), stages)}): it was created ` +
            'before scripts/local/manifests/kwok-stages.yaml existed; recreate it with `npm run local -- --fresh --no-example`',
        );
      }
      const before = await getCnf(NAME);
      const hash = before?.status?.contentHash;
      const rev = before?.status?.revision ?? 0;
      const gen = (before?.metadata.generation ?? 0) + 1;
      const image = (
        await must(
          `kubectl get deployment ${NAME} -n ${NS} -o jsonpath='{.spec.template.spec.containers[0].image}'`,
        )
      ).trim();
      const bad = `${image}-fail-rollout`;
      const t0 = Date.now();
      await must(
        `kubectl patch cnfdeployment ${NAME} --type merge -p '{"spec":{"image":"${bad}","rollout":{"progressDeadlineSeconds":20}}}'`,
      );
      // the failed revision is published and applied: its pods run but never become ready
      await waitUntil(
        `a pod of ${NAME} with image ${bad} that is not ready (kwok stage nephoran-pod-unready)`,
        async () => {
          const out = await must(
            `kubectl get pods -n ${NS} -l nephoran.com/cnf=${NAME} -o jsonpath='{range .items[*]}{.spec.containers[0].image} {.status.containerStatuses[0].ready}{"\\n"}{end}'`,
          );
          return out.split('\n').some((l) => l === `${bad} false`);
        },
        { timeoutMs: 60_000, seen: seenCnf },
      );
      const c = await waitActive(
        `rollback to content ${hash?.slice(0, 10)} (RolledBack=True)`,
        gen,
        180_000,
        (x) => x.status?.contentHash === hash && cond(x, 'RolledBack')?.status === 'True',
      );
      report.phases.rollback = phasesSince(t0);
      report.notes.push(
        `rollback: Active again with the previous content after ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
          `(progressDeadlineSeconds 20); RolledBack: ${cond(c, 'RolledBack')?.reason ?? '-'}: ${cond(c, 'RolledBack')?.message ?? ''}`,
      );
      expect(c.status?.rollback?.toContentHash).toBe(hash);
      expect(c.status?.rollback?.failedContentHash).toBeDefined();
      expect(c.status?.rollback?.failedContentHash).not.toBe(hash);
      // the failed revision and the rollback revision
      expect(c.status?.revision ?? 0).toBeGreaterThanOrEqual(rev + 2);
      await expectPublished(c);
      const history = c.status?.history ?? [];
      const last = history[history.length - 1];
      expect(last?.trigger).toBe('Rollback');
      expect(history.some((h) => h.outcome === 'Failed' && h.contentHash !== hash)).toBe(true);
      const img = (
        await must(
          `kubectl get deployment ${NAME} -n ${NS} -o jsonpath='{.spec.template.spec.containers[0].image}'`,
        )
      ).trim();
      expect(img).toBe(image);

      // undo the failed spec change (back to the last healthy spec): same content, no new revision
      const g2 = gen + 1;
      marks.rollback = { t0: Date.now(), gen: g2 };
      await must(
        `kubectl patch cnfdeployment ${NAME} --type merge -p '{"spec":{"image":null,"rollout":null}}'`,
      );
      const back = await waitActive('spec restored to the last healthy one', g2, 60_000);
      expect(back.status?.contentHash).toBe(hash);
      expect(cond(back, 'RolledBack')?.status).toBe('False');
    });
  }, 420_000);

  test('4a. the rollback never shows phase Failed', async () => {
    await check('rollback: never Failed', () => {
      const phases = report.phases.rollback ?? [];
      if (phases.includes('Failed')) {
        const lines = cnfWatch.lines.filter((l) => parse(l.line).phase === 'Failed');
        throw new Error(
          `expected the failed rollout and its automatic rollback to go Updating → Degraded → Healing → Active without ` +
            `phase Failed (the rollback succeeded), seen ${phases.join(' → ')}; Failed from ` +
            `${new Date(lines[0]?.at ?? 0).toISOString()} to ${new Date(lines[lines.length - 1]?.at ?? 0).toISOString()}\n  ${LOG_HINT}`,
        );
      }
      return Promise.resolve();
    });
  });

  test('4b. stays Active after the rollback', staysActive('rollback'), 240_000);

  test('4c. a pod losing readiness is reflected in the CNF status (and healed)', async () => {
    await step('readiness-loss', async () => {
      const pods = (
        await must(
          `kubectl get pods -n ${NS} -l nephoran.com/cnf=${NAME} -o jsonpath='{range .items[*]}{.metadata.name} {.status.containerStatuses[0].ready}{"\\n"}{end}'`,
        )
      )
        .split('\n')
        .filter((l) => l.trim().endsWith(' true'))
        .map((l) => `pod/${l.split(' ')[0]}`);
      const pod = pods[0];
      if (!pod) throw new Error(`expected running pods of ${NAME}, seen none`);
      const t0 = Date.now();
      await must(
        `kubectl patch ${pod} -n ${NS} --subresource=status -p '{"status":{"conditions":[{"type":"Ready","status":"False","reason":"E2EUnready"},{"type":"ContainersReady","status":"False","reason":"E2EUnready"}]}}'`,
      );
      await measureReadiness('pod unready (3→2)', 2, t0);
      // nothing fixes that pod but healing (a restart revision) or its deletion: the CNF must recover
      const c = await waitActive(
        'recovery after a pod lost readiness',
        (await getCnf(NAME))?.metadata.generation ?? 0,
        180_000,
        (x) => x.status?.readyReplicas === 3,
      );
      report.phases['readiness-loss'] = phasesSince(t0);
      expect(report.phases['readiness-loss']).toContain('Degraded');
      await expectPublished(c);
    });
  }, 300_000);

  test('5. hook server SIGKILLed during a rollout, started again → converges, nothing lost', async () => {
    await step('kill-restart', async () => {
      const before = await getCnf(NAME);
      const rev = before?.status?.revision ?? 0;
      const hash = before?.status?.contentHash;
      const gen = (before?.metadata.generation ?? 0) + 1;
      const t0 = Date.now();
      await must(
        `kubectl patch cnfdeployment ${NAME} --type merge -p '{"spec":{"configuration":{"logLevel":"info"}}}'`,
      );
      // right after the spec change: Metacontroller is syncing / about to
      await sleep(300);
      const pid = killHooks();
      await waitUntil(
        `hook server process group ${pid} gone after SIGKILL`,
        () => Promise.resolve(!pidAlive(pid)),
        {
          timeoutMs: 10_000,
          seen: () => Promise.resolve(`pid ${pid} still alive`),
        },
      );
      const during = await getCnf(NAME);
      report.notes.push(
        `hook server killed ${Date.now() - t0} ms after the patch; CNF then: ${summary(during)}`,
      );
      await sleep(3000);
      await startHooks();
      const c = await waitActive(
        'convergence after the hook server restart',
        gen,
        120_000,
        (x) =>
          (x.status?.revision ?? 0) > rev && x.status?.contentHash !== hash && x.status?.readyReplicas === 3,
      );
      report.phases['kill-restart'] = phasesSince(t0);
      marks.restart = { t0, gen };
      await expectPublished(c);

      const prs = numbered(await packageRevisions(PKG));
      const unpublished = prs.filter((p) => p.spec.lifecycle === 'Draft' || p.spec.lifecycle === 'Proposed');
      if (unpublished.length > 1) {
        throw new Error(`expected at most one unpublished revision, seen: ${describePrs(prs)}`);
      }
      const published = prs.filter((p) => p.spec.lifecycle === 'Published');
      const latest = Math.max(...published.map((p) => p.spec.revision ?? 0));
      expect(latest).toBe(c.status?.revision);
      const revisions = (c.status?.history ?? []).map((h) => h.revision ?? 0).filter((r) => r > 0);
      const increasing = revisions.every((r, i) => i === 0 || r > (revisions[i - 1] ?? 0));
      if (!increasing || revisions[revisions.length - 1] !== c.status?.revision) {
        throw new Error(
          `expected status.history revisions strictly increasing and ending at ${c.status?.revision}, seen: ` +
            JSON.stringify(c.status?.history?.map((h) => [h.name, h.revision, h.outcome])),
        );
      }
      // every revision between the first kept one and the current one is in the history: no gap
      const first = revisions[0] ?? 0;
      const want = Array.from({ length: (c.status?.revision ?? 0) - first + 1 }, (_, i) => first + i);
      const missing = want.filter((r) => !revisions.includes(r));
      if (missing.length) {
        throw new Error(
          `status.history has gaps: revisions ${missing.join(', ')} missing: ` +
            JSON.stringify(c.status?.history?.map((h) => [h.name, h.revision, h.outcome])),
        );
      }
      const seenPhases = report.phases['kill-restart'] ?? [];
      expect(seenPhases).not.toContain('Failed');
    });
  }, 300_000);

  test('5b. stays Active after the restart', staysActive('restart'), 240_000);

  test('6. delete → Terminating, revisions removed, workload gone, CNFDeployment gone', async () => {
    await step('delete', async () => {
      const t0 = Date.now();
      await must(`kubectl delete cnfdeployment ${NAME} -n ${NS} --wait=false`);
      const lifecycles = new Set<string>();
      const { ms } = await waitUntil(
        `CNFDeployment ${NAME} gone within 90 s of kubectl delete`,
        async () => {
          for (const p of numbered(await packageRevisions(PKG))) lifecycles.add(`${p.spec.lifecycle ?? '?'}`);
          return !(await getCnf(NAME));
        },
        {
          timeoutMs: 90_000,
          intervalMs: 300,
          seen: async () => {
            const c = await getCnf(NAME);
            const t = cond(c, 'Terminating');
            const prs = await packageRevisions(PKG);
            const dep = await sh(`kubectl get deployment,pods -n ${NS} -l nephoran.com/cnf=${NAME} -o name`);
            return (
              `${summary(c)}; Terminating condition: ${t ? `${t.status} ${t.reason ?? ''}: ${t.message ?? ''}` : '-'}; ` +
              `PackageRevisions: ${describePrs(prs)}; workload: ${dep.stdout.trim().split('\n').join(' ') || '(none)'}`
            );
          },
        },
      );
      report.phases.delete = phasesSince(t0);
      report.notes.push(
        `delete: CNFDeployment gone after ${(ms / 1000).toFixed(1)} s; lifecycles of numbered revisions seen while deleting: ${[...lifecycles].join(', ')}`,
      );
      expect(report.phases.delete).toContain('Terminating');
      // Nothing of the package is left in Porch (its branch revision included) or in git.
      const { value: prs } = await waitUntil(
        `no PackageRevision of ${PKG} and no git ref of it within 30 s of the CNFDeployment going`,
        async () => {
          const left = await packageRevisions(PKG);
          const refs = (await must(`git ls-remote ${GIT_URL}`))
            .split('\n')
            .filter((l) => l.includes(`/${PKG}/`));
          return left.length === 0 && refs.length === 0 ? left : undefined;
        },
        {
          timeoutMs: 30_000,
          intervalMs: 500,
          seen: async () => {
            const refs = (await must(`git ls-remote ${GIT_URL}`))
              .split('\n')
              .filter((l) => l.includes(`/${PKG}/`));
            return `PackageRevisions: ${describePrs(await packageRevisions(PKG))}; git refs: ${refs.join(' ') || '-'}`;
          },
        },
      );
      expect(prs).toEqual([]);
      const wl = await sh(`kubectl get deployment,pods -n ${NS} -l nephoran.com/cnf=${NAME} -o name`);
      const dep = await sh(`kubectl get deployment ${NAME} -n ${NS} -o name`);
      const left = `${wl.stdout}${dep.code === 0 ? dep.stdout : ''}`.trim();
      if (left)
        throw new Error(
          `expected the workload gone after the delete, seen:\n${left}\n  read ${log('flux-kustomize.log')}`,
        );
    });
  }, 180_000);
});

// ---- O-RAN: an O-DU with A1 policies and an E2 subscription against the test double ---------------

describe('O-RAN configuration stage on the local stack', () => {
  const ODU = 'odu-e2e';
  let responder: OranResponder | undefined;
  let url = '';

  afterAll(async () => {
    await responder?.stop();
  });

  test('7. O-DU with spec.oran → Configuring → Active, policy enforced and subscription created; delete removes both', async () => {
    if (await getCnf(ODU)) {
      // left over by an interrupted run; its RIC is gone, so finalize may wait for its bound (300 s)
      await must(`kubectl delete cnfdeployment ${ODU} -n ${NS} --wait=false`);
      await waitUntil(`leftover ${ODU} deleted`, async () => !(await getCnf(ODU)), {
        timeoutMs: 330_000,
        intervalMs: 1000,
        seen: async () => summary(await getCnf(ODU)),
      });
    }
    responder = new OranResponder();
    url = await responder.start(0, '127.0.0.1');
    const seenOdu = async (): Promise<string> => {
      const c = await getCnf(ODU);
      return `${summary(c)}; status.oran=${JSON.stringify(c?.status?.oran ?? null)}; responder: ${responder?.policies.size ?? 0} policies, ${responder?.subscriptions.size ?? 0} subscriptions, last requests ${JSON.stringify(responder?.requests.slice(-3).map((r) => `${r.method} ${r.path}`))}`;
    };
    const watch = new Watch(`cnfdeployment --field-selector metadata.name=${ODU}`, '{.status.phase}');
    try {
      const manifest = `apiVersion: nephoran.com/v1
kind: CNFDeployment
metadata:
  name: ${ODU}
  namespace: ${NS}
spec:
  type: O-RAN
  function: O-DU
  replicas: 1
  oran:
    a1:
      endpoint: ${url}
      policyTypes:
        - policyTypeId: 20008
          name: tsa
          description: Traffic steering thresholds
          createSchema:
            type: object
            properties:
              threshold: { type: integer, minimum: 0 }
            required: [threshold]
      policies:
        - policyTypeId: 20008
          policy: { threshold: 5 }
    e2:
      endpoint: ${url}
      clientEndpoint: { host: ${ODU}-kpm.${NS}, httpPort: 8080, rmrPort: 4560 }
      subscriptions:
        - name: kpm
          meid: gnb_001_001_00019c
          ranFunctionId: 2
          eventTriggers: [8, 39, 15]
          actions:
            - actionId: 1
              actionType: report
              actionDefinition: [5, 6]
              subsequentAction: { subsequentActionType: continue, timeToWait: zero }
`;
      const t0 = Date.now();
      await must(`kubectl apply -f - <<'EOF'\n${manifest}EOF`);
      const { value: c } = await waitUntil(
        `${ODU} Active with its A1 policy Enforced and E2 subscription Ready`,
        async () => {
          const x = await getCnf(ODU);
          const oran = x?.status?.oran as
            | {
                policies?: { state?: string }[];
                subscriptions?: { state?: string; subscriptionId?: string }[];
              }
            | undefined;
          return x?.status?.phase === 'Active' &&
            oran?.policies?.[0]?.state === 'Enforced' &&
            oran.subscriptions?.[0]?.state === 'Ready' &&
            oran.subscriptions[0].subscriptionId
            ? x
            : undefined;
        },
        { timeoutMs: 120_000, seen: seenOdu },
      );
      const phases: string[] = [];
      for (const l of watch.lines)
        if (l.at >= t0 && phases[phases.length - 1] !== l.line) phases.push(l.line);
      report.phases.oran = phases;
      report.notes.push(
        `O-RAN: ${ODU} Active after ${((Date.now() - t0) / 1000).toFixed(1)} s; status.oran=${JSON.stringify(c.status?.oran)}`,
      );
      expect(phases).toContain('Configuring');
      expect(responder.policies.size).toBe(1);
      expect(responder.subscriptions.size).toBe(1);

      await must(`kubectl delete cnfdeployment ${ODU} -n ${NS} --wait=false`);
      await waitUntil(
        `${ODU} gone, its policy and subscription deleted in the RIC`,
        async () => !(await getCnf(ODU)),
        {
          timeoutMs: 90_000,
          intervalMs: 300,
          seen: seenOdu,
        },
      );
      if (responder.policies.size !== 0 || responder.subscriptions.size !== 0) {
        throw new Error(
          `expected the A1 policy and the E2 subscription deleted when ${ODU} was deleted, the responder still holds ` +
            `${JSON.stringify([...responder.policies.keys()])} / ${JSON.stringify([...responder.subscriptions.keys()])}`,
        );
      }
      report.steps.oran = 'passed';
    } catch (err) {
      report.steps.oran = 'failed';
      throw err;
    } finally {
      watch.stop();
    }
  }, 660_000);
});

// ---- many at once: one `kubectl apply` of 15 small 5G core functions, then delete them all ------------

describe('many CNFDeployments at once on the local stack', () => {
  const COUNT = 15;
  const FUNCTIONS = ['NRF', 'AUSF', 'UDM', 'PCF', 'NSSF'];
  const names = Array.from(
    { length: COUNT },
    (_, i) => `many-${FUNCTIONS[i % FUNCTIONS.length]!.toLowerCase()}-${i + 1}`,
  );
  const manifest = (which: readonly string[]): string =>
    which
      .map((name) => {
        const i = names.indexOf(name);
        return [
          'apiVersion: nephoran.com/v1',
          'kind: CNFDeployment',
          `metadata: {name: ${name}, namespace: ${NS}, labels: {e2e: many}}`,
          `spec: {type: 5G-Core, function: ${FUNCTIONS[i % FUNCTIONS.length]}, replicas: ${1 + (i % 2)}}`,
        ].join('\n');
      })
      .join('\n---\n');

  interface Left {
    cnfs: string[];
    revisions: string[];
    refs: string[];
    workload: string[];
  }
  /** What is left of `which` in Kubernetes, Porch and git. */
  async function leftOf(which: readonly string[]): Promise<Left> {
    const mine = (s: string): boolean =>
      which.some((n) => s === n || s.includes(`/${n}/`) || s.endsWith(`/${n}`));
    const cnfs = (await must(`kubectl get cnfdeployment -n ${NS} -l e2e=many -o name`))
      .split('\n')
      .filter((l) => which.includes(l.replace(/^.*\//, '')));
    const prs = JSON.parse(
      await must(`kubectl get packagerevisions -n ${NS} -o json`, { timeoutMs: 30_000 }),
    ) as {
      items: PackageRevision[];
    };
    const revisions = prs.items
      .filter((p) => mine(p.spec.packageName ?? ''))
      .map((p) => `${p.metadata.name} (${p.spec.lifecycle ?? '?'})`);
    const refs = (await must(`git ls-remote ${GIT_URL}`))
      .split('\n')
      .map((l) => l.split('\t')[1] ?? '')
      .filter((r) => which.some((n) => r.includes(`/${n}/`)));
    const workload = (await must(`kubectl get deployment,pods -n ${NS} -o name -l nephoran.com/cnf`))
      .split('\n')
      .filter((l) => which.some((n) => l.replace(/^.*\//, '').startsWith(n)));
    return { cnfs, revisions, refs, workload };
  }
  const nothing = (l: Left): boolean =>
    l.cnfs.length + l.revisions.length + l.refs.length + l.workload.length === 0;
  const describeLeft = (l: Left): string =>
    `CNFDeployments: ${l.cnfs.join(' ') || '-'}; PackageRevisions: ${l.revisions.join(' ') || '-'}; ` +
    `git refs: ${l.refs.join(' ') || '-'}; workload: ${l.workload.join(' ') || '-'}`;

  async function phases(): Promise<Map<string, string>> {
    const out = await must(
      `kubectl get cnfdeployment -n ${NS} -l e2e=many -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}'`,
    );
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ') as [string, string]),
    );
  }

  async function deleteAll(which: readonly string[], within: number): Promise<number> {
    await must(`kubectl delete cnfdeployment -n ${NS} ${which.join(' ')} --wait=false`);
    const { ms } = await waitUntil(
      `nothing of ${which.length} deleted CNFDeployment(s) left in Kubernetes, Porch and git within ${within / 1000} s`,
      async () => nothing(await leftOf(which)),
      { timeoutMs: within, intervalMs: 1000, seen: async () => describeLeft(await leftOf(which)) },
    );
    return ms;
  }

  test(`8. ${COUNT} at once → all Active; delete → nothing left; re-create one of the same name → Active`, async () => {
    try {
      // Leftovers of an interrupted earlier run.
      const before = await leftOf(names);
      if (before.cnfs.length > 0) await deleteAll(names, 180_000);

      const t0 = Date.now();
      await must(`kubectl apply -f - <<'EOF'\n${manifest(names)}\nEOF`);
      const activeAt = new Map<string, number>();
      await waitUntil(
        `all ${COUNT} CNFDeployments Active within 240 s of one kubectl apply`,
        async () => {
          for (const [n, p] of await phases())
            if (p === 'Active' && !activeAt.has(n)) activeAt.set(n, Date.now() - t0);
          return activeAt.size === COUNT;
        },
        {
          timeoutMs: 240_000,
          intervalMs: 1000,
          seen: async () =>
            [...(await phases())]
              .filter(([n]) => !activeAt.has(n))
              .map(([n, p]) => `${n}=${p || '-'}`)
              .join(' '),
        },
      );
      const times = [...activeAt.values()].sort((a, b) => a - b);
      report.notes.push(
        `many at once: ${COUNT} Active, p50 ${(times[Math.floor(COUNT / 2)]! / 1000).toFixed(1)} s, ` +
          `all after ${(times.at(-1)! / 1000).toFixed(1)} s`,
      );
      // Every one is published once, its revision in git as a tag, and no Draft/Proposed is left.
      const atActive = await leftOf(names);
      for (const n of names) {
        const tags = atActive.refs.filter((r) => r.startsWith(`refs/tags/${NS}/${n}/`));
        expect({ name: n, tags }).toEqual({ name: n, tags: [`refs/tags/${NS}/${n}/v1`] });
      }
      expect(atActive.refs.filter((r) => /refs\/heads\/(drafts|proposed)\//.test(r))).toEqual([]);

      const goneMs = await deleteAll(names, 120_000);
      report.notes.push(`many at once: delete → nothing left after ${(goneMs / 1000).toFixed(1)} s`);

      // The seed's CreatePackage_AlreadyExists case, the user's way: the same name again after a delete.
      const again = names[0]!;
      await must(`kubectl apply -f - <<'EOF'\n${manifest([again])}\nEOF`);
      await waitUntil(
        `${again} re-created → Active within 120 s`,
        async () => (await phases()).get(again) === 'Active',
        {
          timeoutMs: 120_000,
          intervalMs: 1000,
          seen: async () => summary(await getCnf(again)),
        },
      );
      const c = await getCnf(again);
      expect(c?.status?.revision).toBe(1);
      await deleteAll([again], 90_000);
      report.steps.many = 'passed';
    } catch (err) {
      report.steps.many = 'failed';
      throw err;
    }
  }, 720_000);
});

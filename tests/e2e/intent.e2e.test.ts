// End-to-end: NetworkIntents on the local stack (docs/intent.md). The hook server of this checkout
// answers /intent/sync and /intent/finalize for Metacontroller's networkintent-controller, whose
// CNFDeployment children then run their own lifecycle through Porch and the GitOps stand-in.
//
//   1. "Deploy AMF with 3 replicas" → one AMF CNFDeployment with 3 replicas, Active; the intent
//      Ready (`kubectl wait --for=condition=Ready networkintent/…`); edited to 2 replicas → scaled;
//   2. a structured intent with NRF, SMF and UPF → all three Active, the SMF depending on the NRF
//      (and the UPF); the UPF removed from the intent → its CNFDeployment deleted;
//   3. a sentence it cannot parse → Ready=False (IntentNotUnderstood) naming the words, no child;
//      what must be refused at apply time (CEL) is refused by the API server;
//   4. examples/intent-site-core.yaml → the nine functions of a minimal 5G core Active;
//   5. deleting the intents → every CNFDeployment (and its Porch package) gone, then the intents.
// Every wait is bounded; a failure says what was expected, what was seen and which log to read.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  HOOK_PORT,
  LOG_HINT,
  NS,
  ROOT,
  must,
  packageRevisions,
  sh,
  sleep,
  summary,
  waitUntil,
  type Cnf,
  type Condition,
} from './helpers.ts';

interface IntentFunction {
  name: string;
  function: string;
  replicas: number;
  readyReplicas?: number;
  phase?: string;
  ready: boolean;
  message?: string;
}
interface Intent {
  metadata: { name: string; uid?: string; generation?: number };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    ready?: string;
    observedGeneration?: number;
    functions?: IntentFunction[];
    conditions?: Condition[];
  };
}
interface Child extends Cnf {
  metadata: Cnf['metadata'] & {
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec: { function?: string; replicas?: number; dependencies?: string[] } & Record<string, unknown>;
}

const AMF = 'e2e-intent-amf';
const CORE = 'e2e-intent-core';
const GARBAGE = 'e2e-intent-garbage';
const SITE_FILE = path.join(ROOT, 'examples', 'intent-site-core.yaml');
const SITE = 'edge-1-core';
const ALL = [AMF, CORE, GARBAGE, SITE];

const intentYaml = (name: string, spec: string): string =>
  `apiVersion: nephoran.com/v1\nkind: NetworkIntent\nmetadata:\n  name: ${name}\n  namespace: ${NS}\nspec:\n${spec}\n`;

async function getIntent(name: string): Promise<Intent | null> {
  const r = await sh(`kubectl get networkintent ${name} -n ${NS} -o json`, { timeoutMs: 20_000 });
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return null;
    throw new Error(`kubectl get networkintent ${name}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout) as Intent;
}

/** The CNFDeployments labelled as the intent's, by name. */
async function childrenOf(intent: string): Promise<Child[]> {
  const out = await must(`kubectl get cnfdeployment -n ${NS} -l nephoran.com/intent=${intent} -o json`, {
    timeoutMs: 20_000,
  });
  return ((JSON.parse(out) as { items?: Child[] }).items ?? []).sort((a, b) =>
    a.metadata.name.localeCompare(b.metadata.name),
  );
}

const condition = (i: Intent | null, type: string): Condition | undefined =>
  i?.status?.conditions?.find((c) => c.type === type);

/** What an intent and its CNFDeployments look like now, for failure messages. */
async function seen(name: string): Promise<string> {
  const i = await getIntent(name);
  const intent = i
    ? `NetworkIntent ${name}: phase=${i.status?.phase ?? '-'} ready=${i.status?.ready ?? '-'} ` +
      `generation=${i.metadata.generation ?? '-'} observedGeneration=${i.status?.observedGeneration ?? '-'} ` +
      `conditions: ${(i.status?.conditions ?? []).map((c) => `${c.type}=${c.status}(${c.reason ?? ''}: ${c.message ?? ''})`).join(' ')}`
    : `(NetworkIntent ${name} absent)`;
  const kids = (await childrenOf(name)).map((c) => `\n    ${c.metadata.name}: ${summary(c)}`).join('');
  return `${intent}; CNFDeployments:${kids || ' none'}`;
}

/** `kubectl wait --for=condition=Ready networkintent/<name>`; a failure adds what was seen. */
async function waitReady(name: string, timeoutS: number): Promise<number> {
  const cmd = `kubectl wait --for=condition=Ready networkintent/${name} -n ${NS} --timeout=${timeoutS}s`;
  const r = await sh(cmd, { timeoutMs: (timeoutS + 15) * 1000 });
  if (r.code !== 0) {
    throw new Error(
      `\`${cmd}\` exited ${r.code}: ${(r.stderr || r.stdout).trim()}\n  seen: ${await seen(name)}\n  ${LOG_HINT}`,
    );
  }
  return r.ms;
}

/** Deletes the intents (not waiting) and waits until they and every CNFDeployment of theirs are gone. */
async function deleteIntents(names: readonly string[], timeoutMs: number): Promise<void> {
  await must(`kubectl delete networkintent -n ${NS} ${names.join(' ')} --ignore-not-found --wait=false`);
  await waitUntil(
    `NetworkIntents ${names.join(', ')} and all their CNFDeployments gone within ${timeoutMs / 1000} s`,
    async () => {
      for (const n of names)
        if ((await getIntent(n)) !== null || (await childrenOf(n)).length > 0) return false;
      return true;
    },
    {
      timeoutMs,
      intervalMs: 1000,
      seen: async () => (await Promise.all(names.map(seen))).join('\n  '),
    },
  );
}

beforeAll(async () => {
  const ready = await sh(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${HOOK_PORT}/readyz`);
  if (ready.stdout.trim() !== '200') {
    throw new Error(
      `the local stack is not up: hook server /readyz on 127.0.0.1:${HOOK_PORT} answered "${ready.stdout.trim()}". ` +
        'Run `npm run test:e2e` (it starts the stack) or `npm run local -- --no-example` first.',
    );
  }
  for (const [what, cmd] of [
    ['the NetworkIntent CRD', 'kubectl get crd networkintents.nephoran.com'],
    [
      'the networkintent-controller CompositeController',
      'kubectl get compositecontroller networkintent-controller',
    ],
  ]) {
    const r = await sh(cmd!, { timeoutMs: 20_000 });
    if (r.code !== 0) {
      throw new Error(
        `${what} is not installed (\`${cmd}\`: ${r.stderr.trim()}). \`npm run local\` (and npm run test:e2e) installs it: rerun it with this checkout.`,
      );
    }
  }
  // Leftovers of an interrupted earlier run.
  await deleteIntents(ALL, 360_000);
}, 420_000);

afterAll(async () => {
  // Best effort: a failed run leaves nothing running that the next one would trip on.
  await sh(`kubectl delete networkintent -n ${NS} ${ALL.join(' ')} --ignore-not-found --wait=false`);
});

describe('NetworkIntent on the local stack', () => {
  test('1. "Deploy AMF with 3 replicas" → one AMF CNFDeployment with 3 replicas, Active; the intent Ready; edited → scaled', async () => {
    await must(`kubectl apply -f - <<'EOF'\n${intentYaml(AMF, '  intent: Deploy AMF with 3 replicas')}EOF`);
    await waitReady(AMF, 300);

    const intent = await getIntent(AMF);
    const children = await childrenOf(AMF);
    expect(children.map((c) => c.metadata.name)).toEqual([`${AMF}-amf`]);
    const [amf] = children;
    expect(amf!.spec).toMatchObject({ type: '5G-Core', function: 'AMF', replicas: 3 });
    expect(amf!.status?.phase).toBe('Active');
    expect(amf!.status?.readyReplicas).toBe(3);
    expect(amf!.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'NetworkIntent',
        name: AMF,
        uid: intent!.metadata.uid,
        controller: true,
      }),
    ]);
    expect(intent!.status).toMatchObject({
      phase: 'Active',
      ready: '1/1',
      functions: [expect.objectContaining({ name: `${AMF}-amf`, function: 'AMF', replicas: 3, ready: true })],
    });
    expect(condition(intent, 'Ready')).toMatchObject({ status: 'True', reason: 'AllFunctionsActive' });
    expect(condition(intent, 'Progressing')).toMatchObject({ status: 'False', reason: 'Complete' });

    // Editing the intent scales its CNFDeployment; the intent is Ready again once it is Active on it.
    await must(
      `kubectl patch networkintent ${AMF} -n ${NS} --type merge -p '{"spec":{"intent":"Scale AMF to 2 replicas"}}'`,
    );
    await waitUntil(
      `${AMF}-amf scaled to 2 replicas, Active, and the intent Ready on generation 2`,
      async () => {
        const [c] = await childrenOf(AMF);
        const i = await getIntent(AMF);
        return (
          c?.spec.replicas === 2 &&
          c.status?.phase === 'Active' &&
          c.status.readyReplicas === 2 &&
          i?.status?.observedGeneration === 2 &&
          condition(i, 'Ready')?.status === 'True' &&
          i.status.functions?.[0]?.replicas === 2
        );
      },
      { timeoutMs: 300_000, intervalMs: 1000, seen: () => seen(AMF) },
    );
  }, 660_000);

  test('2. NRF, SMF and UPF → all three Active, the SMF depending on the NRF; UPF removed → its CNFDeployment deleted', async () => {
    const functions = (fns: string[]): string =>
      `  functions:\n${fns.map((f) => `    - function: ${f}`).join('\n')}`;
    await must(`kubectl apply -f - <<'EOF'\n${intentYaml(CORE, functions(['NRF', 'SMF', 'UPF']))}EOF`);
    await waitReady(CORE, 420);

    const children = await childrenOf(CORE);
    expect(children.map((c) => [c.metadata.name, c.spec.function, c.status?.phase])).toEqual([
      [`${CORE}-nrf`, 'NRF', 'Active'],
      [`${CORE}-smf`, 'SMF', 'Active'],
      [`${CORE}-upf`, 'UPF', 'Active'],
    ]);
    const byName = new Map(children.map((c) => [c.metadata.name, c]));
    expect(byName.get(`${CORE}-smf`)?.spec.dependencies).toEqual([`${CORE}-nrf`, `${CORE}-upf`]);
    expect(byName.get(`${CORE}-nrf`)?.spec.dependencies).toBeUndefined();
    expect(byName.get(`${CORE}-upf`)?.spec.dependencies).toBeUndefined();
    // The SMF waited for its dependencies: it became Active after the NRF did.
    const since = (c: Child | undefined): number => {
      const conds = c?.status?.conditions as Array<Condition & { lastTransitionTime?: string }> | undefined;
      return Date.parse(conds?.find((x) => x.type === 'Active')?.lastTransitionTime ?? '');
    };
    const smfActive = since(byName.get(`${CORE}-smf`));
    const nrfActive = since(byName.get(`${CORE}-nrf`));
    if (!Number.isNaN(smfActive) && !Number.isNaN(nrfActive))
      expect(smfActive).toBeGreaterThanOrEqual(nrfActive);

    // Removing a function deletes its CNFDeployment (which cleans up its own package).
    await must(`kubectl apply -f - <<'EOF'\n${intentYaml(CORE, functions(['NRF', 'SMF']))}EOF`);
    await waitUntil(
      `${CORE}-upf deleted (and its Porch package gone), ${CORE}-smf depending on the NRF only, the intent Ready 2/2`,
      async () => {
        const left = await childrenOf(CORE);
        const i = await getIntent(CORE);
        const smf = left.find((c) => c.metadata.name === `${CORE}-smf`);
        return (
          left.map((c) => c.metadata.name).join(',') === `${CORE}-nrf,${CORE}-smf` &&
          JSON.stringify(smf?.spec.dependencies) === JSON.stringify([`${CORE}-nrf`]) &&
          i?.status?.ready === '2/2' &&
          condition(i, 'Ready')?.status === 'True' &&
          (await packageRevisions(`${NS}/${CORE}-upf`)).length === 0
        );
      },
      { timeoutMs: 300_000, intervalMs: 1000, seen: () => seen(CORE) },
    );
  }, 780_000);

  test('3. a sentence it cannot parse → Ready=False naming the words, no CNFDeployment; apply-time refusals', async () => {
    await must(
      `kubectl apply -f - <<'EOF'\n${intentYaml(GARBAGE, '  intent: Deploy a flux capacitor with 3 replicas')}EOF`,
    );
    const { value: ready } = await waitUntil(
      `NetworkIntent ${GARBAGE} Ready=False with reason IntentNotUnderstood`,
      async () => {
        const c = condition(await getIntent(GARBAGE), 'Ready');
        return c?.status === 'False' && c.reason === 'IntentNotUnderstood' ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, seen: () => seen(GARBAGE) },
    );
    expect(ready.message).toContain('spec.intent: did not understand "flux", "capacitor"');
    expect(ready.message).toContain('docs/intent.md');
    expect((await getIntent(GARBAGE))?.status?.phase).toBe('Failed');
    expect(await childrenOf(GARBAGE)).toEqual([]);
    await sleep(5000);
    expect(await childrenOf(GARBAGE)).toEqual([]);
    const events = await must(
      `kubectl get events -n ${NS} --field-selector involvedObject.name=${GARBAGE},reason=IntentNotUnderstood -o name`,
    );
    expect(events.trim()).not.toBe('');

    // What the CRD's CEL rules refuse never reaches the controller.
    const refusals: Array<[string, string]> = [
      [
        '  intent: Deploy AMF\n  profile: ran-site',
        'intent cannot be combined with functions or profile (write the sentence or the structured form, not both)',
      ],
      [
        '  functions:\n    - function: AMF\n    - function: AMF',
        'function names must be unique (a name defaults to the function in lower case; give a function listed twice a name)',
      ],
      ['  site: edge-1', 'one of intent, functions or profile is required'],
    ];
    for (const [spec, message] of refusals) {
      const r = await sh(`kubectl apply -f - <<'EOF'\n${intentYaml('e2e-intent-refused', spec)}EOF`);
      expect({ spec, code: r.code === 0 ? 0 : 1, refused: r.stderr.includes(message) }).toEqual({
        spec,
        code: 1,
        refused: true,
      });
    }
    expect(await getIntent('e2e-intent-refused')).toBeNull();
  }, 180_000);

  test('4. examples/intent-site-core.yaml → a minimal 5G core, every function Active', async () => {
    await must(`kubectl apply -f ${SITE_FILE}`);
    await waitReady(SITE, 540);
    const children = await childrenOf(SITE);
    const names = children.map((c) => c.metadata.name);
    expect(names.sort()).toEqual(
      ['amf', 'ausf', 'nrf', 'nssf', 'pcf', 'smf', 'udm', 'udr', 'upf'].map((f) => `${SITE}-${f}`),
    );
    for (const c of children) {
      expect([c.metadata.name, c.status?.phase, c.metadata.labels?.['nephoran.com/site']]).toEqual([
        c.metadata.name,
        'Active',
        'edge-1',
      ]);
      for (const d of c.spec.dependencies ?? []) expect(names).toContain(d);
    }
    expect((await getIntent(SITE))?.status?.ready).toBe('9/9');
    expect(readFileSync(SITE_FILE, 'utf8')).toContain(`name: ${SITE}`);
  }, 600_000);

  test('5. deleting the intents removes every CNFDeployment (each through its own finalize), then the intents', async () => {
    const before = (await Promise.all(ALL.map(childrenOf))).flat().map((c) => c.metadata.name);
    expect(before.length).toBeGreaterThan(0);
    await deleteIntents(ALL, 360_000);
    for (const name of before) {
      const left = await packageRevisions(`${NS}/${name}`);
      expect({ name, left: left.map((p) => p.metadata.name) }).toEqual({ name, left: [] });
    }
    const workload = await must(`kubectl get deployment -n ${NS} -l nephoran.com/cnf -o name`);
    expect(workload.split('\n').filter((l) => before.some((n) => l === `deployment.apps/${n}`))).toEqual([]);
  }, 420_000);
});

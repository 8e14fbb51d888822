// What the fault matrix (matrix.faults.ts) requires of a CNF after a fault, as functions that return
// the list of problems they found (empty: fine), each problem a sentence that says what was expected
// and what was seen. Shared reads go through tests/e2e/helpers.ts.
import type { OranResponder } from '../doubles/oran-responder.ts';
import {
  NS,
  getCnf,
  gitRefs,
  must,
  packageRevisions,
  sh,
  type Cnf,
  type PackageRevision,
} from '../e2e/helpers.ts';

export const ANNOTATION_CONTENT_HASH = 'nephoran.com/content-hash';

const UNPUBLISHED = new Set(['Draft', 'Proposed', 'DeletionProposed']);

export const describePrs = (prs: PackageRevision[]): string =>
  prs
    .map(
      (p) =>
        `${p.metadata.name}=${p.spec.lifecycle ?? '?'}(rev ${p.spec.revision ?? '?'}, ws ${p.spec.workspaceName ?? '?'})`,
    )
    .join(', ') || '(none)';

export interface OranView {
  policyId: string;
  /** The responder's policies of this CNF (A1 policy ids). */
  policies: string[];
  /** The responder's subscriptions of this CNF (ids). */
  subscriptions: string[];
  /** POST /ric/v1/subscriptions the responder received for this CNF. */
  subscriptionPosts: number;
  /** PUT …/policies/<id> the responder received for this CNF. */
  policyPuts: number;
}

/** What the O-RAN responder holds for CNF `name` (its policy id default and its E2 client host). */
export function oranOf(responder: OranResponder, name: string): OranView {
  const policyId = `${NS}-${name}-20008`;
  const host = clientHost(name);
  const isMine = (body: unknown): boolean =>
    (body as { ClientEndpoint?: { Host?: string } } | undefined)?.ClientEndpoint?.Host === host;
  return {
    policyId,
    policies: [...responder.policies.values()].filter((p) => p.policyId === policyId).map((p) => p.policyId),
    subscriptions: [...responder.subscriptions].filter(([, b]) => isMine(b)).map(([id]) => id),
    subscriptionPosts: responder.requests.filter(
      (r) => r.method === 'POST' && r.path === '/ric/v1/subscriptions' && isMine(r.body),
    ).length,
    policyPuts: responder.requests.filter(
      (r) => r.method === 'PUT' && r.path.endsWith(`/policies/${policyId}`),
    ).length,
  };
}

export const clientHost = (name: string): string => `${name}-kpm.${NS}`;

/** The CNF manifest of a case: an AMF with one A1 policy and one E2 subscription on the responder. */
export function manifest(name: string, url: string, spec: { replicas: number; logLevel?: string }): string {
  const configuration =
    spec.logLevel === undefined ? '' : `  configuration:\n    logLevel: ${spec.logLevel}\n`;
  return `apiVersion: nephoran.com/v1
kind: CNFDeployment
metadata:
  name: ${name}
  namespace: ${NS}
  labels: {faults: matrix}
spec:
  type: 5G-Core
  function: AMF
  replicas: ${spec.replicas}
${configuration}  oran:
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
      clientEndpoint: { host: ${clientHost(name)}, httpPort: 8080, rmrPort: 4560 }
      subscriptions:
        - name: kpm
          meid: gnb-${name}
          ranFunctionId: 2
          eventTriggers: [8, 39, 15]
          actions:
            - actionId: 1
              actionType: report
              actionDefinition: [5, 6]
              subsequentAction: { subsequentActionType: continue, timeToWait: zero }
`;
}

interface OranStatusView {
  policies?: { policyId?: string; state?: string }[];
  subscriptions?: { name?: string; state?: string; subscriptionId?: string }[];
}
export const oranStatus = (c: Cnf | null): OranStatusView =>
  (c?.status?.oran as OranStatusView | undefined) ?? {};

/** The Deployment of a CNF: ready replicas and the content hash GitOps applied. */
export async function deploymentOf(
  name: string,
): Promise<{ ready: number; replicas: number; hash: string } | null> {
  const r = await sh(
    `kubectl get deployment ${name} -n ${NS} -o jsonpath='{.status.readyReplicas} {.spec.replicas} {.metadata.annotations.nephoran\\.com/content-hash}'`,
    { timeoutMs: 20_000 },
  );
  if (r.code !== 0) return null;
  const [ready = '', replicas = '', hash = ''] = r.stdout.trim().split(' ');
  return { ready: Number(ready || 0), replicas: Number(replicas || 0), hash };
}

export interface Expected {
  replicas: number;
  /** Porch revision number the CNF must be on. */
  revision: number;
  /** Numbered revisions the package must have (all Published, 1..revision). */
  revisions: number;
  /** A content hash the CNF must no longer be on (the rollout's old content). */
  notContentHash?: string;
}

/**
 * Converged: phase Active on the current generation with the expected revision and replicas, the
 * Deployment carrying that content with every replica ready, the A1 policy Enforced and the E2
 * subscription Ready. Returns the CNF, or undefined (not yet).
 */
export async function converged(name: string, want: Expected): Promise<Cnf | undefined> {
  const c = await getCnf(name);
  const s = c?.status;
  if (!c || !s || s.phase !== 'Active' || s.observedGeneration !== c.metadata.generation) return undefined;
  if (s.readyReplicas !== want.replicas || s.revision !== want.revision) return undefined;
  if (want.notContentHash !== undefined && s.contentHash === want.notContentHash) return undefined;
  const oran = oranStatus(c);
  if (oran.policies?.[0]?.state !== 'Enforced' || oran.subscriptions?.[0]?.state !== 'Ready')
    return undefined;
  const dep = await deploymentOf(name);
  if (!dep || dep.ready !== want.replicas || dep.hash !== s.contentHash) return undefined;
  return c;
}

/** Invariants once converged: Porch, git, status.history and the RIC agree; nothing duplicated. */
export async function invariants(
  name: string,
  c: Cnf,
  want: Expected,
  responder: OranResponder,
): Promise<string[]> {
  const problems: string[] = [];
  const pkg = `${NS}/${name}`;
  const all = await packageRevisions(pkg);
  const numbered = all.filter((p) => p.spec.workspaceName !== 'main');
  const s = c.status ?? {};

  // Porch: exactly the expected revisions, each Published once, no workspace twice, none left over.
  const byWs = new Map<string, number>();
  for (const p of numbered)
    byWs.set(p.spec.workspaceName ?? '', (byWs.get(p.spec.workspaceName ?? '') ?? 0) + 1);
  const dupWs = [...byWs].filter(([, n]) => n > 1).map(([w]) => w);
  if (dupWs.length)
    problems.push(`two PackageRevisions of one workspace (${dupWs.join(', ')}): ${describePrs(numbered)}`);
  const leftovers = numbered.filter((p) => UNPUBLISHED.has(p.spec.lifecycle ?? ''));
  if (leftovers.length)
    problems.push(`leftover unpublished PackageRevisions after convergence: ${describePrs(leftovers)}`);
  const published = numbered.filter((p) => p.spec.lifecycle === 'Published');
  const nums = published.map((p) => p.spec.revision ?? 0).sort((a, b) => a - b);
  const wantNums = Array.from({ length: want.revisions }, (_, i) => want.revision - want.revisions + 1 + i);
  if (numbered.length !== want.revisions || JSON.stringify(nums) !== JSON.stringify(wantNums)) {
    problems.push(
      `expected ${want.revisions} numbered PackageRevision(s), Published as revisions ${wantNums.join(', ')}; seen: ${describePrs(numbered)}`,
    );
  }
  if (!all.some((p) => p.spec.workspaceName === 'main' && p.spec.lifecycle === 'Published'))
    problems.push(`no branch revision ${pkg} (workspace main) in Porch: ${describePrs(all)}`);

  // Not orphaned: every numbered revision is the CNF's child (controller reference, label).
  for (const p of numbered) {
    const owner = p.metadata.ownerReferences?.find((o) => o.controller);
    if (owner?.uid !== c.metadata.uid || p.metadata.labels?.['nephoran.com/cnf'] !== name) {
      problems.push(
        `${p.metadata.name} is not owned by CNFDeployment ${name} (uid ${c.metadata.uid ?? '?'}): controller ${JSON.stringify(owner ?? null)}, label nephoran.com/cnf=${p.metadata.labels?.['nephoran.com/cnf'] ?? '-'}`,
      );
    }
  }

  // status and history say what Porch has: nothing lost, nothing unaccounted for.
  const latest = published.find((p) => p.spec.revision === s.revision);
  if (!latest || latest.metadata.name !== s.packageRevision) {
    problems.push(
      `status says ${s.packageRevision ?? '-'} (revision ${s.revision ?? '-'}); Porch has ${describePrs(published)}`,
    );
  }
  const history = s.history ?? [];
  const historyNames = new Set(history.map((h) => h.name));
  const notInHistory = numbered.filter((p) => !historyNames.has(p.metadata.name));
  if (notInHistory.length) problems.push(`in Porch but not in status.history: ${describePrs(notInHistory)}`);
  const names = new Set(numbered.map((p) => p.metadata.name));
  const lost = history.filter((h) => ['Published', 'Healthy'].includes(h.outcome) && !names.has(h.name));
  if (lost.length)
    problems.push(`in status.history as published but not in Porch: ${lost.map((h) => h.name).join(', ')}`);
  const histRevs = history.map((h) => h.revision ?? 0).filter((r) => r > 0);
  if (JSON.stringify(histRevs) !== JSON.stringify(wantNums)) {
    problems.push(
      `expected status.history revisions ${wantNums.join(', ')}, seen ${JSON.stringify(history.map((h) => [h.name, h.revision, h.outcome, h.trigger]))}`,
    );
  }

  // git: one tag per published revision, no draft/proposed branch of the package left.
  const refs = [...(await gitRefs()).keys()].filter((r) => r.includes(`/${pkg}/`));
  const tags = refs.filter((r) => r.startsWith('refs/tags/')).sort();
  const wantTags = wantNums.map((n) => `refs/tags/${pkg}/v${n}`).sort();
  if (JSON.stringify(tags) !== JSON.stringify(wantTags))
    problems.push(`expected git tags ${wantTags.join(' ')}, seen ${tags.join(' ') || '(none)'}`);
  const branches = refs.filter((r) => r.startsWith('refs/heads/'));
  if (branches.length) problems.push(`draft/proposed branches of ${pkg} left in git: ${branches.join(' ')}`);

  // O-RAN: one policy, one subscription, the one status names.
  const oran = oranOf(responder, name);
  const subStatus = oranStatus(c).subscriptions?.[0];
  if (oran.policies.length !== 1)
    problems.push(`expected 1 A1 policy ${oran.policyId} in the RIC, seen ${oran.policies.length}`);
  if (oran.subscriptions.length !== 1 || oran.subscriptions[0] !== subStatus?.subscriptionId) {
    problems.push(
      `expected 1 E2 subscription (the one in status, ${subStatus?.subscriptionId ?? '-'}) in the RIC, seen ${JSON.stringify(oran.subscriptions)} (${oran.subscriptionPosts} POSTs)`,
    );
  }
  return problems;
}

export interface Leftovers {
  cnf: boolean;
  revisions: string[];
  refs: string[];
  workload: string[];
  policies: string[];
  subscriptions: string[];
}

/** What is left of CNF `name` anywhere (after its deletion: all empty). */
export async function leftoversOf(name: string, responder: OranResponder): Promise<Leftovers> {
  const pkg = `${NS}/${name}`;
  const wl = await must(`kubectl get deployment,pods -n ${NS} -l nephoran.com/cnf=${name} -o name`);
  const oran = oranOf(responder, name);
  return {
    cnf: (await getCnf(name)) !== null,
    revisions: (await packageRevisions(pkg)).map((p) => `${p.metadata.name} (${p.spec.lifecycle ?? '?'})`),
    refs: [...(await gitRefs()).keys()].filter((r) => r.includes(`/${pkg}/`)),
    workload: wl.split('\n').filter(Boolean),
    policies: oran.policies,
    subscriptions: oran.subscriptions,
  };
}

export const nothingLeft = (l: Leftovers): boolean =>
  !l.cnf &&
  l.revisions.length + l.refs.length + l.workload.length + l.policies.length + l.subscriptions.length === 0;

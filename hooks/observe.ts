// What the shell observes outside Metacontroller's view before the reconciler runs: the content hash
// in every unpublished child's package (Porch), and the enforcement status of every A1 policy that
// status.oran says was put (bounded concurrency, inside its own share of the hook deadline). Failures
// become Transient observation errors: the reconciler keeps waiting and Metacontroller resyncs.
import type {
  A1PolicyObservation,
  CNFDeployment,
  Observations,
  PackageRevision,
  StatusError,
} from '../lib/types.ts';
import type { PorchClient } from '../lib/clients/porch.ts';
import type { A1Client } from '../lib/clients/a1.ts';
import { toApiError } from '../lib/clients/http.ts';
import type { Lru } from '../lib/lru.ts';
import { policyKey } from '../lib/oran/desired.ts';
import { packageOf } from '../lib/naming.ts';
import { listingNeeded } from '../lib/porch-view.ts';

/** Parallel GETs towards the A1 mediators of one CNF. */
const A1_OBSERVE_CONCURRENCY = 4;

/** Called with the outcome of each read: ok, or the error class in lower case (for metrics). */
export type OnResult = (result: string) => void;

/** Runs `fn` over `items` with at most `limit` in flight. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Reads the content hash of every Draft/Proposed child's package from Porch. Porch's
 * resourceVersion of a revision is the git commit it points at, so the hash read for one
 * resourceVersion holds for as long as the child shows it: `cache` keeps them, and a CNF waiting
 * on a slow Porch re-reads nothing until its revision moves (the read was most of a waiting sync's
 * cost against Porch).
 */
export async function observePorch(
  porch: PorchClient,
  children: readonly PackageRevision[],
  namespace: string,
  deadline: number,
  now: string,
  onResult: OnResult,
  cache?: Lru<string | null>,
): Promise<Observations> {
  const pending = children.filter((c) => {
    const lc = c.spec?.lifecycle ?? 'Draft';
    return lc === 'Draft' || lc === 'Proposed';
  });
  if (pending.length === 0) return {};
  const resources: NonNullable<Observations['resources']> = {};
  const errors: StatusError[] = [];
  await Promise.all(
    pending.map(async (c) => {
      const name = c.metadata.name;
      // Children live in the parent's namespace; Metacontroller's keys say so even if an object
      // came without metadata.namespace.
      const ns = c.metadata.namespace ?? namespace;
      const rv = c.metadata.resourceVersion;
      const key = rv === undefined || rv === '' ? undefined : `${ns}/${name}@${rv}`;
      const known = key === undefined ? undefined : cache?.get(key);
      if (known !== undefined) {
        resources[name] = { contentHash: known };
        return;
      }
      try {
        const snap = await porch.getResources(ns, name, { deadline });
        resources[name] = { contentHash: snap.contentHash };
        // Only when Porch's answer is the version the child shows (a newer one is not cached
        // under the older key).
        if (key !== undefined && snap.resourceVersion === rv) cache?.set(key, snap.contentHash);
        onResult('ok');
      } catch (err) {
        const e = toApiError(err);
        onResult(e.class.toLowerCase());
        errors.push({
          class: 'Transient',
          reason: e.reason === 'ClientError' ? 'PorchObserveFailed' : e.reason,
          message: `reading resources of ${name}: ${e.message}`,
          action: 'observeResources',
          since: now,
        });
      }
    }),
  );
  const observations: Observations = { resources };
  if (errors.length > 0) observations.errors = errors.sort((a, b) => a.message.localeCompare(b.message));
  return observations;
}

/**
 * GET …/status for every policy in status.oran that an A1 mediator accepted. Failures are summed up
 * in one Transient observation error (the reconciler keeps the previous state of those policies); a
 * policy not reached before `deadline` is simply not observed.
 */
export async function observeA1(
  a1: A1Client | undefined,
  parent: CNFDeployment,
  deadline: number,
  now: string,
  onResult: OnResult,
): Promise<Pick<Observations, 'a1Policies' | 'errors'>> {
  if (a1 === undefined || parent.metadata.deletionTimestamp !== undefined) return {};
  const targets = (parent.status?.oran?.policies ?? []).filter(
    (p) =>
      p.endpoint !== undefined &&
      p.policyHash !== undefined &&
      (p.state === 'Accepted' || p.state === 'Enforced' || p.state === 'NotEnforced'),
  );
  if (targets.length === 0) return {};
  const found: Record<string, A1PolicyObservation> = {};
  const failures: Array<{ policyId: string; error: ReturnType<typeof toApiError> }> = [];
  await eachLimited(targets, A1_OBSERVE_CONCURRENCY, async (p) => {
    try {
      const key = policyKey(p.policyTypeId, p.policyId);
      found[key] = await a1.getPolicyStatus(p.endpoint as string, p.policyTypeId, p.policyId, { deadline });
      onResult('ok');
    } catch (err) {
      const e = toApiError(err);
      onResult(e.class.toLowerCase());
      failures.push({ policyId: p.policyId, error: e });
    }
  });
  // Keys in a stable order: the observation feeds status, which must not churn.
  const a1Policies: Record<string, A1PolicyObservation> = {};
  for (const k of Object.keys(found).sort()) a1Policies[k] = found[k] as A1PolicyObservation;
  if (failures.length === 0) return { a1Policies };
  failures.sort((a, b) => a.policyId.localeCompare(b.policyId));
  const first = failures[0]!;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  const error: StatusError = {
    class: 'Transient',
    reason: first.error.reason === 'ClientError' ? 'A1ObserveFailed' : first.error.reason,
    message: `reading the A1 status of policy ${first.policyId}: ${first.error.message}${more}`,
    action: 'observeA1Policy',
    since: now,
  };
  return { a1Policies, errors: [error] };
}

/**
 * Every revision Porch holds for the CNF's package, whatever its labels (lib/porch-view.ts says when
 * this is needed and what it means). A failed listing is a Transient observation error; the
 * reconciler then does not know and waits.
 */
export async function observePackage(
  porch: PorchClient,
  parent: CNFDeployment,
  children: readonly PackageRevision[],
  defaultRepository: string,
  deadline: number,
  now: string,
  onResult: OnResult,
): Promise<Pick<Observations, 'packageRevisions' | 'errors'>> {
  const pkg = packageOf(parent, defaultRepository);
  if (pkg === undefined || !listingNeeded(parent, children)) return {};
  try {
    const namespace = parent.metadata.namespace ?? 'default';
    const packageRevisions = await porch.listPackageRevisions(namespace, pkg, { deadline });
    onResult('ok');
    return { packageRevisions };
  } catch (err) {
    const e = toApiError(err);
    onResult(e.class.toLowerCase());
    const error: StatusError = {
      class: 'Transient',
      reason: e.reason === 'ClientError' ? 'PorchObserveFailed' : e.reason,
      message: `listing the revisions of package ${pkg.packageName}: ${e.message}`,
      action: 'observePackage',
      since: now,
    };
    return { errors: [error] };
  }
}

/** All observations in one; errors in the order given. */
export function mergeObservations(...parts: Observations[]): Observations {
  const out: Observations = {};
  const errors: StatusError[] = [];
  for (const part of parts) {
    const { errors: partErrors, ...rest } = part;
    Object.assign(out, rest);
    errors.push(...(partErrors ?? []));
  }
  if (errors.length > 0) out.errors = errors;
  return out;
}

// The shell's part of the O-RAN configuration stage: read the enforcement status of every A1 policy
// that status.oran says was put (bounded concurrency, inside its own share of the hook deadline),
// so the pure reconciler can decide. E2 has nothing to observe beyond the ids kept in status.
import type { A1PolicyObservation, CNFDeployment, Observations, StatusError } from '../lib/types.ts';
import type { OranClients } from '../lib/clients/oran.ts';
import { RicError } from '../lib/clients/ric.ts';
import { policyKey } from '../lib/oran.ts';

/** Parallel GETs towards the A1 mediators of one CNF. */
export const A1_OBSERVE_CONCURRENCY = 4;

/** Runs `fn` over `items` with at most `limit` in flight. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * GET …/status for every policy in status.oran that was accepted by an A1 mediator. Failures are
 * summed up in one Transient observation error (the reconciler keeps the previous state of those
 * policies); a policy not reached before `deadline` is simply not observed.
 */
export async function observeA1(
  clients: OranClients | undefined,
  parent: CNFDeployment,
  deadline: number,
  now: string,
  onResult?: (result: string) => void,
): Promise<Pick<Observations, 'a1Policies' | 'errors'>> {
  if (clients === undefined || parent.metadata.deletionTimestamp !== undefined) return {};
  const targets = (parent.status?.oran?.policies ?? []).filter(
    (p) =>
      p.endpoint !== undefined &&
      p.policyHash !== undefined &&
      (p.state === 'Accepted' || p.state === 'Enforced' || p.state === 'NotEnforced'),
  );
  if (targets.length === 0) return {};
  const found: Record<string, A1PolicyObservation> = {};
  const failures: Array<{ policyId: string; error: RicError | Error }> = [];
  await eachLimited(targets, A1_OBSERVE_CONCURRENCY, async (p) => {
    try {
      found[policyKey(p.policyTypeId, p.policyId)] = await clients.a1.getPolicyStatus(
        p.endpoint as string,
        p.policyTypeId,
        p.policyId,
        { deadline },
      );
      onResult?.('ok');
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      onResult?.(e instanceof RicError ? e.class.toLowerCase() : 'transient');
      failures.push({ policyId: p.policyId, error: e });
    }
  });
  // Keys in a stable order: the observation feeds status, which must not churn.
  const a1Policies: Record<string, A1PolicyObservation> = {};
  for (const k of Object.keys(found).sort()) a1Policies[k] = found[k] as A1PolicyObservation;
  const out: Pick<Observations, 'a1Policies' | 'errors'> = { a1Policies };
  if (failures.length > 0) {
    failures.sort((a, b) => a.policyId.localeCompare(b.policyId));
    const first = failures[0] as { policyId: string; error: Error };
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
    const error: StatusError = {
      class: 'Transient',
      reason: first.error instanceof RicError ? first.error.reason : 'A1ObserveFailed',
      message: `reading the A1 status of policy ${first.policyId}: ${first.error.message}${more}`,
      action: 'observeA1Policy',
      since: now,
    };
    out.errors = [error];
  }
  return out;
}

/** Porch observations plus A1 ones; errors from both, Porch first. */
export function withA1(porch: Observations, a1: Pick<Observations, 'a1Policies' | 'errors'>): Observations {
  const out: Observations = { ...porch };
  if (a1.a1Policies !== undefined) out.a1Policies = a1.a1Policies;
  const errors = [...(porch.errors ?? []), ...(a1.errors ?? [])];
  if (errors.length > 0) out.errors = errors;
  return out;
}

// The one action dispatcher: carries out every action type the reconciler asks for (Porch writes,
// approvals and deletions; A1 policies; E2 subscriptions) with the client for its API, one after
// another within the hook deadline (a write must land before its approval), and reports each outcome
// as data — never throws — so every failure reaches status through applyActionResults.
import type { Action, ActionResult, PorchAction } from '../lib/types.ts';
import type { PorchClient, WriteOptions } from '../lib/clients/porch.ts';
import type { RevisionGuard } from '../lib/clients/porch-guard.ts';
import type { A1Client } from '../lib/clients/a1.ts';
import type { E2Client } from '../lib/clients/e2.ts';
import { ApiError, toApiError } from '../lib/clients/http.ts';

/** A1/E2 clients for the O-RAN configuration stage; tests pass fakes. */
export interface OranClients {
  a1: A1Client;
  e2: E2Client;
}

export interface Clients {
  porch: PorchClient;
  /** Without them, O-RAN actions fail (Configuration, NoOranClients). */
  oran?: OranClients | undefined;
}

type Done = Pick<ActionResult, 'skipped' | 'subscriptionId'>;

const skipped = (outcome: string, nothingToDo: string): Done =>
  outcome === nothingToDo ? { skipped: true } : {};

/** Calls the API the action is for; resolves with what to add to an ok result. */
async function call(clients: Clients, action: Action, opts: WriteOptions): Promise<Done> {
  const { porch, oran } = clients;
  switch (action.type) {
    case 'writeResources':
      return skipped(
        await porch.writeResources(action.namespace, action.name, action.files, action.contentHash, opts),
        'skipped',
      );
    case 'propose':
      return skipped(await porch.propose(action.namespace, action.name, action.contentHash, opts), 'skipped');
    case 'approve':
      return skipped(await porch.approve(action.namespace, action.name, action.contentHash, opts), 'skipped');
    case 'deletePackageRevision':
      return skipped(await porch.deletePackageRevision(action.namespace, action.name, opts), 'skipped');
    case 'adoptPackageRevision':
      await porch.adoptPackageRevision(action.namespace, action.name, action.labels, action.owner, opts);
      return {};
  }
  if (oran === undefined) {
    throw new ApiError('this hook server has no A1/E2 clients', {
      class: 'Configuration',
      reason: 'NoOranClients',
    });
  }
  switch (action.type) {
    case 'putA1PolicyType':
      return skipped(
        await oran.a1.putPolicyType(action.endpoint, action.policyTypeId, action.body, opts),
        'exists',
      );
    case 'putA1Policy':
      await oran.a1.putPolicy(action.endpoint, action.policyTypeId, action.policyId, action.policy, opts);
      return {};
    case 'deleteA1Policy':
      return skipped(
        await oran.a1.deletePolicy(action.endpoint, action.policyTypeId, action.policyId, opts),
        'gone',
      );
    case 'createE2Subscription':
      return { subscriptionId: await oran.e2.createSubscription(action.endpoint, action.request, opts) };
    case 'deleteE2Subscription':
      return skipped(await oran.e2.deleteSubscription(action.endpoint, action.subscriptionId, opts), 'gone');
  }
}

/** Carries out one action; the outcome as data. */
export async function dispatch(clients: Clients, action: Action, opts: WriteOptions): Promise<ActionResult> {
  try {
    return { action, ok: true, ...(await call(clients, action, opts)) };
  } catch (err) {
    const e = toApiError(err);
    const error: NonNullable<ActionResult['error']> = {
      class: e.class,
      reason: e.reason,
      message: e.message,
    };
    if (e.httpStatus !== undefined) error.httpStatus = e.httpStatus;
    const result: ActionResult = { action, ok: false, error };
    if (e.uncertain && action.type === 'createE2Subscription') result.uncertain = true;
    return result;
  }
}

/**
 * Whether `action` must not run because an earlier Porch action on the same revision failed: the
 * steps on one revision are a chain (write the content, propose it, approve it), and proposing a
 * revision whose content did not land would publish the wrong content.
 */
export function blockedBy(action: Action, failedRevisions: ReadonlySet<string>): boolean {
  return inChain(action) && failedRevisions.has(`${action.namespace}/${action.name}`);
}

/** The steps that publish a revision, in this order; repairs and deletes stand alone. */
export function inChain(action: Action): action is PorchAction {
  return action.type === 'writeResources' || action.type === 'propose' || action.type === 'approve';
}

/**
 * Runs the actions in order; those the deadline leaves no time for fail as DeadlineExceeded, and a
 * step of a revision's chain after a failed one is not run (blockedBy) — its result is left out,
 * the earlier failure is what status reports. `guard` (from the parent as the API server holds it)
 * bounds which PackageRevisions the Porch actions may touch.
 */
export async function execute(
  clients: Clients,
  actions: readonly Action[],
  deadline: number,
  now: () => number,
  guard: RevisionGuard,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  const failed = new Set<string>();
  for (const action of actions) {
    if (blockedBy(action, failed)) continue;
    let result: ActionResult;
    if (now() >= deadline) {
      result = {
        action,
        ok: false,
        error: {
          class: 'Transient',
          reason: 'DeadlineExceeded',
          message: 'hook deadline reached before this action ran',
        },
      };
    } else {
      result = await dispatch(clients, action, { deadline, guard });
    }
    if (!result.ok && inChain(action)) failed.add(`${action.namespace}/${action.name}`);
    results.push(result);
  }
  return results;
}

/** The action is for Porch (else for a RIC endpoint). */
export function isPorchAction(action: Action): action is PorchAction {
  return (
    action.type === 'writeResources' ||
    action.type === 'propose' ||
    action.type === 'approve' ||
    action.type === 'deletePackageRevision' ||
    action.type === 'adoptPackageRevision'
  );
}

/** ok, skipped, or the error class in lower case. */
export function actionResultLabel(r: ActionResult): string {
  if (!r.ok) return (r.error?.class ?? 'Transient').toLowerCase();
  return r.skipped === true ? 'skipped' : 'ok';
}

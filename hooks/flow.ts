// The sync and finalize flow: Metacontroller request → observations from Porch and A1 → pure
// reconciler → (when it asks for any write) the parent confirmed by the API server and the plan made
// again from that copy if the request's differs → actions carried out within the hook deadline →
// action outcomes folded into status → events and metrics → the answer. Everything that can fail on the way ends in status, not in an HTTP
// error, except a reconciler crash: answering 200 without the desired children would make
// Metacontroller delete them, so that one is a 500 and Metacontroller retries with backoff.
import type { FastifyBaseLogger } from 'fastify';
import type {
  ActionResult,
  CNFDeployment,
  CNFDeploymentStatus,
  FinalizeOutput,
  Observations,
  PackageRevision,
  ReconcileInput,
  ReconcileOutput,
} from '../lib/types.ts';
import { eventsForAnswer } from '../lib/events.ts';
import type { EventRecorder, KubeApi } from '../lib/clients/kube.ts';
import type { PorchClient } from '../lib/clients/porch.ts';
import type { RevisionGuard } from '../lib/clients/porch-guard.ts';
import { canonicalJson } from '../lib/json.ts';
import { packageOf } from '../lib/naming.ts';
import { actionResultLabel, execute, isPorchAction, type OranClients } from './dispatch.ts';
import { HookError } from './errors.ts';
import type { Lru } from '../lib/lru.ts';
import { freshest } from '../lib/porch-view.ts';
import type { HookMetrics } from './metrics.ts';
import { mergeObservations, observeA1, observePackage, observePorch } from './observe.ts';
import { childrenOf, normalizeParent, relatedOf, type HookRequest } from './request.ts';

/** The only keys Metacontroller's strict v2 parser accepts. */
export interface SyncAnswer {
  status: CNFDeploymentStatus;
  children: PackageRevision[];
  resyncAfterSeconds?: number;
}

export interface FinalizeAnswer extends SyncAnswer {
  finalized: boolean;
}

export interface Reconciler {
  reconcile(input: ReconcileInput): ReconcileOutput;
  finalize(input: ReconcileInput): FinalizeOutput;
  applyActionResults<T extends ReconcileOutput>(output: T, results: ActionResult[], now: string): T;
}

export interface FlowDeps {
  porch: PorchClient;
  /** A1/E2 clients for the O-RAN configuration stage; without them those actions fail (Configuration). */
  oran?: OranClients | undefined;
  events: EventRecorder;
  /** The API server's copy of the parent, read before any write (a request's claims are not trusted). */
  apiServer: Pick<KubeApi, 'getCNFDeployment'>;
  metrics: HookMetrics;
  reconciler: Reconciler;
  /** Epoch milliseconds. */
  now: () => number;
  repository: string;
  deadlineMs: number;
  /** Content hash by revision and resourceVersion (observe.ts); absent in tests that do not care. */
  contentHashes?: Lru<string | null>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function syncAnswer(out: ReconcileOutput): SyncAnswer {
  const answer: SyncAnswer = { status: out.status, children: out.children };
  if (out.resyncAfterSeconds !== undefined) answer.resyncAfterSeconds = out.resyncAfterSeconds;
  return answer;
}

function finalizeAnswer(out: FinalizeOutput): FinalizeAnswer {
  return { ...syncAnswer(out), finalized: out.finalized };
}

/** The reconciler's input: the request's objects plus what the shell observed. */
async function gather(
  req: HookRequest,
  deps: FlowDeps,
  started: number,
  log: FastifyBaseLogger,
): Promise<ReconcileInput> {
  const now = iso(started);
  const parent = normalizeParent(req.parent);
  const children = childrenOf(req, log);
  // Half the budget at most, so the actions that follow still have time.
  const halfway = started + Math.floor(deps.deadlineMs / 2);
  const namespace = parent.metadata.namespace ?? '';
  const porchObservations = async (): Promise<[Observations, Observations]> => {
    // The listing first, then the content of each pending revision at the version Porch lists for
    // it: Metacontroller's copy can lag, and the reconciler plans from Porch's (porch-view.ts).
    const listing = await observePackage(deps.porch, parent, children, deps.repository, halfway, now, (r) =>
      deps.metrics.porchOperation('listPackageRevisions', r),
    );
    const resources = await observePorch(
      deps.porch,
      freshest(children, listing.packageRevisions),
      namespace,
      halfway,
      now,
      (r) => deps.metrics.porchOperation('getResources', r),
      deps.contentHashes,
    );
    return [resources, listing];
  };
  const [[resources, listing], a1] = await Promise.all([
    porchObservations(),
    observeA1(deps.oran?.a1, parent, halfway, now, (r) => deps.metrics.oranOperation('getA1PolicyStatus', r)),
  ]);
  const observations = mergeObservations(resources, listing, a1);
  if (observations.errors !== undefined)
    log.warn({ errors: observations.errors }, 'could not observe everything');
  return {
    parent,
    children,
    related: relatedOf(req, log),
    observations,
    now,
    defaults: { repository: deps.repository },
  };
}

/** Runs a pure step; a throw is a bug, answered 500 so Metacontroller keeps the children and retries. */
function pure<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new HookError('HOOK_RECONCILE_FAILED', 500, `${what} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function report(results: readonly ActionResult[], deps: FlowDeps, log: FastifyBaseLogger): void {
  for (const r of results) {
    if (isPorchAction(r.action)) deps.metrics.porchOperation(r.action.type, actionResultLabel(r));
    else deps.metrics.oranOperation(r.action.type, actionResultLabel(r));
    if (!r.ok) log.warn({ action: r.action.type, target: r.action.name, error: r.error }, 'action failed');
    else
      log.info({ action: r.action.type, target: r.action.name, skipped: r.skipped === true }, 'action done');
  }
}

type Confirmation = { ok: true; parent: CNFDeployment } | { ok: false; message: string };

/** The parent as the API server holds it, if it is the request's object (same uid). */
async function confirmParent(parent: CNFDeployment, deps: FlowDeps, started: number): Promise<Confirmation> {
  const { name, namespace = 'default', uid } = parent.metadata;
  const what = `CNFDeployment ${namespace}/${name}`;
  // A quarter of the budget: the actions need the rest.
  const timeoutMs = Math.max(1, started + Math.floor(deps.deadlineMs / 4) - deps.now());
  let held: CNFDeployment | null;
  try {
    held = await deps.apiServer.getCNFDeployment(namespace, name, timeoutMs);
  } catch (err) {
    return { ok: false, message: `could not read ${what} from the API server: ${(err as Error).message}` };
  }
  if (held === null) return { ok: false, message: `${what} does not exist on the API server` };
  if (held.metadata.uid !== uid) {
    return {
      ok: false,
      message: `${what} on the API server has uid ${held.metadata.uid ?? 'none'}, the request's has ${uid ?? 'none'}`,
    };
  }
  return { ok: true, parent: normalizeParent(held) };
}

/** Whether a plan made from `a` is the plan from `b`: the same object at the same spec and status. */
function sameClaims(a: CNFDeployment, b: CNFDeployment): boolean {
  const claims = (p: CNFDeployment): string =>
    canonicalJson([p.metadata.generation, p.metadata.deletionTimestamp ?? null, p.spec, p.status ?? null]);
  return claims(a) === claims(b);
}

export async function runHook(
  kind: 'sync',
  req: HookRequest,
  deps: FlowDeps,
  log: FastifyBaseLogger,
): Promise<SyncAnswer>;
export async function runHook(
  kind: 'finalize',
  req: HookRequest,
  deps: FlowDeps,
  log: FastifyBaseLogger,
): Promise<FinalizeAnswer>;
export async function runHook(
  kind: 'sync' | 'finalize',
  req: HookRequest,
  deps: FlowDeps,
  log: FastifyBaseLogger,
): Promise<SyncAnswer | FinalizeAnswer> {
  const started = deps.now();
  const { reconciler } = deps;
  const plan = (input: ReconcileInput): ReconcileOutput | FinalizeOutput =>
    pure('reconciler', () => (kind === 'sync' ? reconciler.reconcile(input) : reconciler.finalize(input)));
  let input = await gather(req, deps, started, log);
  let output = plan(input);
  let results: ActionResult[] = [];
  if (output.actions.length > 0) {
    // Every action writes somewhere (Porch, a RIC): act only on the parent the API server holds.
    const confirmed = await confirmParent(input.parent, deps, started);
    if (!confirmed.ok) {
      log.warn({ reason: confirmed.message }, 'parent not confirmed: no action taken');
      results = output.actions.map((action) => ({
        action,
        ok: false,
        error: { class: 'Transient', reason: 'ParentNotConfirmed', message: confirmed.message },
      }));
    } else {
      if (!sameClaims(input.parent, confirmed.parent)) {
        // Metacontroller's copy lags (or the request was not Metacontroller's): plan again from the
        // API server's copy, with observations made for it.
        log.info('request parent differs from the API server copy: planning from the API server copy');
        input = await gather({ ...req, parent: confirmed.parent }, deps, started, log);
        output = plan(input);
      }
      // Names that are no valid package (an invalid spec plans no Porch write) match no revision.
      const pkg = packageOf(input.parent, deps.repository) ?? { repository: '', packageName: '' };
      const guard: RevisionGuard = { ...pkg, cnf: input.parent.metadata.name };
      const clients = { porch: deps.porch, oran: deps.oran };
      results = await execute(clients, output.actions, started + deps.deadlineMs, deps.now, guard);
    }
  }
  report(results, deps, log);
  const final = pure('applying action results', () =>
    reconciler.applyActionResults(output, results, iso(deps.now())),
  );

  const parent = input.parent;
  const finalized = kind === 'finalize' && (final as FinalizeOutput).finalized === true;
  const involved = {
    apiVersion: parent.apiVersion ?? 'nephoran.com/v1',
    kind: parent.kind ?? 'CNFDeployment',
    name: parent.metadata.name,
    namespace: parent.metadata.namespace ?? '',
    ...(parent.metadata.uid === undefined ? {} : { uid: parent.metadata.uid }),
  };
  for (const e of eventsForAnswer(parent.status, final.status, results, finalized))
    deps.events.record(involved, e);
  deps.metrics.recordAnswer(parent, final.status, finalized);
  if (final.status.phase !== parent.status?.phase) {
    log.info({ from: parent.status?.phase, to: final.status.phase }, 'phase changed');
  }
  return kind === 'sync' ? syncAnswer(final) : finalizeAnswer(final as FinalizeOutput);
}

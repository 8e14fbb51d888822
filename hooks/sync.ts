// The sync and finalize flow: Metacontroller request → observations from Porch and A1 → pure reconciler →
// actions carried out within the hook deadline → action outcomes folded into status → events and
// metrics → the answer. Everything that can fail on the way ends in status, not in an HTTP error,
// except a reconciler crash: answering 200 without the desired children would make Metacontroller
// delete them, so that one is a 500 and Metacontroller retries with backoff.
import type { FastifyBaseLogger } from 'fastify';
import type {
  ActionResult,
  CNFDeployment,
  CNFDeploymentStatus,
  FinalizeOutput,
  KubeObject,
  Observations,
  PackageRevision,
  ReconcileInput,
  ReconcileOutput,
  RelatedObjects,
  StatusError,
} from '../lib/types.ts';
import { eventsForAnswer } from '../lib/events.ts';
import { PorchError, runAction, type PorchClient } from '../lib/clients/porch.ts';
import { isOranAction, runOranAction, type OranClients } from '../lib/clients/oran.ts';
import { observeA1, withA1 } from './oran.ts';
import type { EventRecorder } from '../lib/clients/kube.ts';
import { HookError } from './errors.ts';
import type { HookMetrics } from './metrics.ts';

export const CHILD_PACKAGE_REVISION = 'PackageRevision.porch.kpt.dev/v1alpha1';
export const RELATED_KEYS = {
  deployments: 'Deployment.apps/v1',
  pods: 'Pod.v1',
  endpointSlices: 'EndpointSlice.discovery.k8s.io/v1',
  cnfDeployments: 'CNFDeployment.nephoran.com/v1',
} as const;

type ObjectsByType = Record<string, Record<string, unknown> | null> | null | undefined;

/** A Metacontroller v2 sync/finalize request after envelope validation. */
export interface HookRequest {
  controller?: unknown;
  parent: CNFDeployment;
  children?: ObjectsByType;
  related?: ObjectsByType;
  finalizing?: boolean;
}

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
  events: EventRecorder;
  metrics: HookMetrics;
  reconciler: Reconciler;
  now: () => number;
  repository: string;
  deadlineMs: number;
  /** A1/E2 clients for the O-RAN configuration stage; without them those actions fail (Configuration). */
  oran?: OranClients | undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Objects of one type key, in a stable order (by namespace/name key). */
function objectsOf<T>(map: ObjectsByType, key: string): T[] {
  const m = map?.[key];
  if (m === null || m === undefined) return [];
  return Object.keys(m)
    .sort()
    .map((k) => m[k] as T);
}

function warnUnknownKeys(
  map: ObjectsByType,
  known: readonly string[],
  what: string,
  log: FastifyBaseLogger,
): void {
  for (const key of Object.keys(map ?? {})) {
    if (!known.includes(key)) log.debug({ type: key }, `ignoring unknown ${what} type`);
  }
}

export function childrenOf(req: HookRequest, log: FastifyBaseLogger): PackageRevision[] {
  warnUnknownKeys(req.children, [CHILD_PACKAGE_REVISION], 'child', log);
  return objectsOf<PackageRevision>(req.children, CHILD_PACKAGE_REVISION);
}

export function relatedOf(req: HookRequest, log: FastifyBaseLogger): RelatedObjects {
  warnUnknownKeys(req.related, Object.values(RELATED_KEYS), 'related', log);
  return {
    deployments: objectsOf<KubeObject>(req.related, RELATED_KEYS.deployments),
    pods: objectsOf<KubeObject>(req.related, RELATED_KEYS.pods),
    endpointSlices: objectsOf<KubeObject>(req.related, RELATED_KEYS.endpointSlices),
    cnfDeployments: objectsOf<CNFDeployment>(req.related, RELATED_KEYS.cnfDeployments),
  };
}

/** Parent as the reconciler expects it: spec and status present or absent, never null. */
function normalizeParent(parent: CNFDeployment): CNFDeployment {
  const p = { ...parent } as Omit<CNFDeployment, 'spec' | 'status'> & { spec: unknown; status?: unknown };
  if (p.spec === null || p.spec === undefined) p.spec = {};
  if (p.status === null) delete p.status;
  return p as CNFDeployment;
}

/**
 * Reads the content hash of every unpublished child's package from Porch. Failures become
 * Transient observation errors: the reconciler keeps waiting and Metacontroller resyncs.
 */
export async function observe(
  porch: PorchClient,
  children: PackageRevision[],
  deadline: number,
  now: string,
  onResult?: (result: string) => void,
  defaultNamespace = '',
): Promise<Observations> {
  const pending = children.filter((c) => {
    const lc = c.spec?.lifecycle ?? 'Draft';
    return lc === 'Draft' || lc === 'Proposed';
  });
  const observations: Observations = {};
  if (pending.length === 0) return observations;
  const resources: NonNullable<Observations['resources']> = {};
  const errors: StatusError[] = [];
  await Promise.all(
    pending.map(async (c) => {
      const name = c.metadata.name;
      // Children live in the parent's namespace; Metacontroller's keys say so even if an object
      // came without metadata.namespace.
      const ns = c.metadata.namespace ?? defaultNamespace;
      try {
        const snap = await porch.getResources(ns, name, { deadline });
        resources[name] = { contentHash: snap.contentHash };
        onResult?.('ok');
      } catch (err) {
        onResult?.(err instanceof PorchError ? err.class.toLowerCase() : 'transient');
        const e = err instanceof PorchError ? err : undefined;
        errors.push({
          class: 'Transient',
          reason: e?.reason ?? 'PorchObserveFailed',
          message: `reading resources of ${name}: ${err instanceof Error ? err.message : String(err)}`,
          action: 'observeResources',
          since: now,
        });
      }
    }),
  );
  observations.resources = resources;
  if (errors.length > 0) observations.errors = errors.sort((a, b) => a.message.localeCompare(b.message));
  return observations;
}

/** Actions run one after another (a write must land before its approval); the deadline bounds all. */
export async function execute(
  porch: PorchClient,
  actions: ReconcileOutput['actions'],
  deadline: number,
  now: () => number,
  oran?: OranClients,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const action of actions) {
    if (now() >= deadline) {
      results.push({
        action,
        ok: false,
        error: {
          class: 'Transient',
          reason: 'DeadlineExceeded',
          message: 'hook deadline reached before this action ran',
        },
      });
      continue;
    }
    if (!isOranAction(action)) results.push(await runAction(porch, action, { deadline }));
    else if (oran !== undefined) results.push(await runOranAction(oran, action, { deadline }));
    else
      results.push({
        action,
        ok: false,
        error: {
          class: 'Configuration',
          reason: 'NoOranClients',
          message: 'this hook server has no A1/E2 clients',
        },
      });
  }
  return results;
}

/** ok, skipped, or the error class in lower case. */
export function actionResultLabel(r: ActionResult): string {
  if (!r.ok) return (r.error?.class ?? 'Transient').toLowerCase();
  return r.skipped === true ? 'skipped' : 'ok';
}

export function syncAnswer(out: ReconcileOutput): SyncAnswer {
  const answer: SyncAnswer = { status: out.status, children: out.children };
  if (out.resyncAfterSeconds !== undefined) answer.resyncAfterSeconds = out.resyncAfterSeconds;
  return answer;
}

export function finalizeAnswer(out: FinalizeOutput): FinalizeAnswer {
  return { ...syncAnswer(out), finalized: out.finalized };
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
  const deadline = started + deps.deadlineMs;
  const now = iso(started);
  const parent = normalizeParent(req.parent);
  const children = childrenOf(req, log);
  const input: ReconcileInput = {
    parent,
    children,
    related: relatedOf(req, log),
    observations: withA1(
      ...(await Promise.all([
        observe(
          deps.porch,
          children,
          deadline,
          now,
          (r) => deps.metrics.porchOperation('getResources', r),
          parent.metadata.namespace,
        ),
        // Half the budget at most, so the actions that follow still have time.
        observeA1(deps.oran, parent, started + Math.floor(deps.deadlineMs / 2), now, (r) =>
          deps.metrics.oranOperation('getA1PolicyStatus', r),
        ),
      ])),
    ),
    now,
    defaults: { repository: deps.repository },
  };
  if (input.observations.errors !== undefined) {
    log.warn({ errors: input.observations.errors }, 'could not observe all package resources');
  }

  let output: ReconcileOutput | FinalizeOutput;
  try {
    output = kind === 'sync' ? deps.reconciler.reconcile(input) : deps.reconciler.finalize(input);
  } catch (err) {
    throw new HookError('HOOK_RECONCILE_FAILED', 500, `reconciler failed: ${(err as Error).message}`, {
      cause: err,
    });
  }

  const results = await execute(deps.porch, output.actions, deadline, deps.now, deps.oran);
  for (const r of results) {
    if (isOranAction(r.action)) deps.metrics.oranOperation(r.action.type, actionResultLabel(r));
    else deps.metrics.porchOperation(r.action.type, actionResultLabel(r));
    if (!r.ok) log.warn({ action: r.action.type, target: r.action.name, error: r.error }, 'action failed');
    else
      log.info({ action: r.action.type, target: r.action.name, skipped: r.skipped === true }, 'action done');
  }
  let final: ReconcileOutput | FinalizeOutput;
  try {
    final = deps.reconciler.applyActionResults(output, results, iso(deps.now()));
  } catch (err) {
    throw new HookError(
      'HOOK_RECONCILE_FAILED',
      500,
      `applying action results failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }

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

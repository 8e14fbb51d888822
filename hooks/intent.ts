// The NetworkIntent controller's hooks (metacontroller/networkintent-controller.yaml): POST
// /intent/sync and /intent/finalize. Registered by hooks/app.ts inside the hook routes, so the same
// bearer token, body limit, logging and error answers apply. The answer is the pure planner's
// (lib/intent/plan.ts): the CNFDeployments Metacontroller should create, update in place or delete,
// and the intent's status. No other write: the CNFDeployments run their own lifecycle.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { EventRecorder } from '../lib/clients/kube.ts';
import { intentEvents } from '../lib/intent/events.ts';
import { finalizeIntent, syncIntent } from '../lib/intent/plan.ts';
import type {
  IntentFinalizeOutput,
  IntentInput,
  IntentOutput,
  NetworkIntent,
  NetworkIntentStatus,
} from '../lib/intent/types.ts';
import type { CNFDeployment } from '../lib/types.ts';
import { HookError } from './errors.ts';
import { objectsOf, type HookRequest } from './request.ts';
import { syncRequestSchema } from './schema.ts';

const CHILD_CNF_DEPLOYMENT = 'CNFDeployment.nephoran.com/v1';

export interface IntentPlanner {
  sync(input: IntentInput): IntentOutput;
  finalize(input: IntentInput): IntentFinalizeOutput;
}

export interface IntentRouteDeps {
  events: EventRecorder;
  /** Epoch milliseconds. */
  now: () => number;
  /** The pure planner (lib/intent/plan.ts); tests may substitute one. */
  planner?: IntentPlanner;
}

/** The only keys Metacontroller's strict parser accepts. */
export interface IntentAnswer {
  status: NetworkIntentStatus;
  children: CNFDeployment[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}

const PURE: IntentPlanner = { sync: syncIntent, finalize: finalizeIntent };

/** The request as the planner expects it: a spec always there, a null deletionTimestamp absent. */
export function intentInput(req: HookRequest, nowMs: number, log: FastifyBaseLogger): IntentInput {
  const raw = req.parent as unknown as NetworkIntent & { spec: unknown; status?: unknown };
  const parent = { ...raw, metadata: { ...raw.metadata } } as NetworkIntent;
  if ((parent.spec as unknown) === null || parent.spec === undefined) parent.spec = {};
  if ((parent.metadata.deletionTimestamp as unknown) === null) delete parent.metadata.deletionTimestamp;
  if ((parent.status as unknown) === null) delete parent.status;
  for (const key of Object.keys(req.children ?? {})) {
    if (key !== CHILD_CNF_DEPLOYMENT) log.debug({ type: key }, 'ignoring unknown child type');
  }
  const namespace = parent.metadata.namespace ?? 'default';
  const children = objectsOf<CNFDeployment>(req.children, CHILD_CNF_DEPLOYMENT, namespace).map((c) => {
    if ((c.metadata.deletionTimestamp as unknown) !== null) return c;
    const meta = { ...c.metadata };
    delete meta.deletionTimestamp;
    return { ...c, metadata: meta };
  });
  return { parent, children, now: new Date(nowMs).toISOString() };
}

/** Runs the planner; a throw is a bug, answered 500 so Metacontroller keeps the children and retries. */
export function intentAnswer(
  kind: 'sync' | 'finalize',
  req: HookRequest,
  deps: IntentRouteDeps,
  log: FastifyBaseLogger,
): IntentAnswer {
  const input = intentInput(req, deps.now(), log);
  const planner = deps.planner ?? PURE;
  let out: IntentOutput | IntentFinalizeOutput;
  try {
    out = kind === 'sync' ? planner.sync(input) : planner.finalize(input);
  } catch (err) {
    throw new HookError('HOOK_RECONCILE_FAILED', 500, `intent ${kind} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const finalized = kind === 'finalize' && (out as IntentFinalizeOutput).finalized;
  const { metadata } = input.parent;
  const involved = {
    apiVersion: 'nephoran.com/v1',
    kind: 'NetworkIntent',
    name: metadata.name,
    namespace: metadata.namespace ?? '',
    ...(metadata.uid === undefined ? {} : { uid: metadata.uid }),
  };
  for (const e of intentEvents(input.parent.status, out.status, input.children, out.children, finalized)) {
    deps.events.record(involved, e);
  }
  if (out.status.phase !== input.parent.status?.phase) {
    log.info({ from: input.parent.status?.phase, to: out.status.phase }, 'intent phase changed');
  }
  const answer: IntentAnswer = { status: out.status, children: out.children };
  if (out.resyncAfterSeconds !== undefined) answer.resyncAfterSeconds = out.resyncAfterSeconds;
  if (kind === 'finalize') answer.finalized = finalized;
  return answer;
}

/** POST /intent/sync and /intent/finalize (the envelope schema is the CNF hooks'). */
export function intentRoutes(app: FastifyInstance, deps: IntentRouteDeps, done: (err?: Error) => void): void {
  const body = (request: { body: unknown }): HookRequest => request.body as HookRequest;
  // A throw in the executor rejects the promise: Fastify's error handler answers it.
  const answer = (kind: 'sync' | 'finalize') => (r: { body: unknown; log: FastifyBaseLogger }) =>
    new Promise<IntentAnswer>((resolve) => resolve(intentAnswer(kind, body(r), deps, r.log)));
  app.post('/intent/sync', { schema: { body: syncRequestSchema } }, answer('sync'));
  app.post('/intent/finalize', { schema: { body: syncRequestSchema } }, answer('finalize'));
  done();
}

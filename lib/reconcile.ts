// Entry points of the pure reconciler: observed parent + children + related objects → desired
// PackageRevision children, status, actions and a resync hint. No I/O, no clock: `now` comes in.
// The lifecycle rules are documented in docs/lifecycle.md.
import type {
  ActionResult,
  CNFDeployment,
  CNFDeploymentSpec,
  CNFDeploymentStatus,
  FinalizeOutput,
  Observations,
  Phase,
  ReconcileInput,
  ReconcileOutput,
  RenderedPackage,
  StatusError,
} from './types.ts';
import { ANNOTATION_GENERATION, LABEL_CNF } from './labels.ts';
import { validateCNFDeployment } from './validate.ts';
import { renderPackage } from './render.ts';
import { FieldIssuesError } from './errors.ts';
import { checkPorchNames, defaultPackageName, nameSources } from './naming.ts';
import { stepTowards } from './phase.ts';
import { buildConditions, upsertCondition, type ConditionSpec } from './conditions.ts';
import { assessHealth, type HealthResult } from './health.ts';
import {
  describeChild,
  echoChild,
  planRevisions,
  publishedChildren,
  type RevisionPlan,
  type RevisionReason,
} from './revisions.ts';
import { findEntry, markOutcome, updateHistory } from './history.ts';
import { actionKey, backoffSeconds, countFailure } from './backoff.ts';
import { finalizeCore } from './finalize.ts';
import {
  foldOranResults,
  oranIssues,
  planOran,
  RESYNC_ORAN_POLL_SECONDS,
  type OranPlan,
  type OranStage,
} from './oran.ts';

/** Consecutive failed health checks (one per 10 s) before healing restarts the pods. */
export const HEAL_AFTER_FAILED_CHECKS = 3;
/** Healing attempts before giving up (phase Failed, reason HealingExhausted). */
export const MAX_HEALING_ATTEMPTS = 3;
/** Resync while anything is in flight (status must track reality within 5 s). */
export const RESYNC_IN_FLIGHT_SECONDS = 2;
/** Resync after an intermediate phase step. */
export const RESYNC_STEP_SECONDS = 1;
/** Resync while waiting for dependencies. */
export const RESYNC_DEPENDENCIES_SECONDS = 10;
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/** Label selector string for status.selector (scale subresource / HPA). */
export function desiredSelector(parent: CNFDeployment): string {
  return `${LABEL_CNF}=${parent.metadata.name}`;
}

/**
 * The O-RAN configuration stage (A1 policies, E2 subscriptions) is complete: true without spec.oran;
 * with it, once every policy in the spec is ENFORCED with its current body and every subscription
 * exists with its current request (lib/oran.ts, docs/oran.md).
 */
export function configurationComplete(parent: CNFDeployment, observations: Observations): boolean {
  if (parent.spec.oran === undefined) return true;
  return oranPlan(parent, observations, true).stage === 'complete';
}

function oranPlan(parent: CNFDeployment, observations: Observations, ready: boolean): OranPlan {
  return planOran({
    parent,
    spec: parent.spec.oran,
    prev: parent.status?.oran,
    observations,
    ready,
    generation: parent.metadata.generation ?? 0,
  });
}

/**
 * Phase while the workload is ready but the O-RAN stage is not complete, for a CNF that was Active
 * before: new work shows as Configuring; a policy NOT_ENFORCED (or refused) as Degraded. Either
 * stays where it is when the other edge is not in the table (Configuring ↛ Degraded, Degraded ↛
 * Configuring), so no phase is shown in between.
 */
function oranHoldPhase(prev: Phase | undefined, stage: OranStage): Phase {
  if (stage === 'pending') return prev === 'Degraded' ? 'Degraded' : 'Configuring';
  return prev === 'Configuring' ? 'Configuring' : 'Degraded';
}

interface Ctx {
  input: ReconcileInput;
  parent: CNFDeployment;
  prev: CNFDeploymentStatus;
  generation: number;
  now: string;
  namespace: string;
}

function context(input: ReconcileInput): Ctx {
  return {
    input,
    parent: input.parent,
    prev: input.parent.status ?? {},
    generation: input.parent.metadata.generation ?? 0,
    now: input.now,
    namespace: input.parent.metadata.namespace ?? 'default',
  };
}

function seconds(fromIso: string, toIso: string): number {
  return (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
}

function addSeconds(iso: string, s: number): string {
  return new Date(Date.parse(iso) + s * 1000).toISOString();
}

/** Removes keys whose value is undefined (exactOptionalPropertyTypes; deep-equal stability). */
function compact<T extends object>(obj: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out = { ...obj } as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}

function nextPhase(prev: CNFDeploymentStatus, target: Phase): { phase: Phase; intermediate: boolean } {
  return stepTowards(prev.phase ?? 'Pending', target);
}

function phaseSince(prev: CNFDeploymentStatus, phase: Phase, now: string): string {
  return prev.phase === phase && prev.phaseSince !== undefined ? prev.phaseSince : now;
}

// ---- configuration errors -------------------------------------------------------------------------

interface Issue {
  path: string;
  message: string;
}

interface Resolved {
  spec: CNFDeploymentSpec;
  packageName: string;
  repository: string;
}

function resolve(ctx: Ctx): { ok: true; value: Resolved } | { ok: false; issues: Issue[] } {
  const v = validateCNFDeployment(ctx.parent);
  if (!v.ok) return { ok: false, issues: v.issues };
  const spec = v.value.spec;
  const issues: Issue[] = [];
  issues.push(...oranIssues({ ...ctx.parent, spec }));
  if (spec.replicas !== undefined && spec.maxReplicas !== undefined && spec.replicas > spec.maxReplicas) {
    issues.push({
      path: 'spec.replicas',
      message: `replicas ${spec.replicas} exceeds maxReplicas ${spec.maxReplicas}`,
    });
  }
  const repository = spec.porch?.repository ?? ctx.input.defaults.repository;
  const packageName = defaultPackageName(ctx.namespace, ctx.parent.metadata.name, spec);
  // Check with the longest workspace we could produce so the name stays valid as revisions grow.
  issues.push(...checkPorchNames(repository, packageName, 'r999999-0123456789', nameSources(spec)));
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { spec, packageName, repository } };
}

function configFailure(ctx: Ctx, issues: Issue[]): ReconcileOutput {
  const { prev, now, generation } = ctx;
  const fields = [...new Set(issues.map((i) => i.path))];
  const message = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
  const reason = issues.some((i) => i.path === 'spec.replicas' && i.message.includes('maxReplicas'))
    ? 'ReplicasExceedMax'
    : 'InvalidSpec';
  const before = prev.lastError;
  const sameError =
    before?.class === 'Configuration' && before.message === message && before.generation === generation;
  const lastError: StatusError = sameError
    ? before
    : { class: 'Configuration', reason, message, fields, generation, since: now };
  const step = nextPhase(prev, 'Failed');
  let conditions = prev.conditions;
  const set = (s: ConditionSpec): void => {
    conditions = upsertCondition(conditions, s, now, generation);
  };
  set({ type: 'ConfigurationValid', status: 'False', reason, message });
  set({ type: 'Active', status: 'False', reason: 'Failed', message: `invalid spec: ${message}` });
  set({ type: 'Synced', status: 'False', reason, message });
  if (prev.conditions?.some((c) => c.type === 'Provisioning' && c.status === 'True') !== true) {
    set({ type: 'Provisioning', status: 'False', reason, message: 'not started: the spec is invalid' });
  }
  const status: CNFDeploymentStatus = compact({
    ...prev,
    phase: step.phase,
    phaseSince: phaseSince(prev, step.phase, now),
    conditions,
    observedGeneration: generation,
    selector: desiredSelector(ctx.parent),
    lastError,
  });
  // Nothing new is created, nothing observed is dropped: Published revisions cannot be deleted.
  const children = ctx.input.children.map((c) => echoChild(ctx.parent, c));
  return step.intermediate
    ? { children, status, actions: [], resyncAfterSeconds: RESYNC_STEP_SECONDS }
    : { children, status, actions: [] };
}

// ---- dependencies -------------------------------------------------------------------------------------

function dependencyProblems(ctx: Ctx, spec: CNFDeploymentSpec): string[] {
  const related = new Map(ctx.input.related.cnfDeployments.map((c) => [c.metadata.name, c]));
  return (spec.dependencies ?? [])
    .map((name) => {
      const dep = related.get(name);
      if (dep === undefined) return `${name} (not found)`;
      const phase = dep.status?.phase ?? 'Pending';
      return phase === 'Active' ? undefined : `${name} (${phase})`;
    })
    .filter((x): x is string => x !== undefined);
}

function dependencyCondition(problems: string[], spec: CNFDeploymentSpec, gating: boolean): ConditionSpec {
  if (problems.length === 0) {
    const none = (spec.dependencies ?? []).length === 0;
    return {
      type: 'DependenciesReady',
      status: 'True',
      reason: none ? 'NoDependencies' : 'DependenciesActive',
      message: none ? 'no dependencies' : `all dependencies Active: ${(spec.dependencies ?? []).join(', ')}`,
    };
  }
  const suffix = gating ? '' : ' (not gating: provisioning already started)';
  return {
    type: 'DependenciesReady',
    status: 'False',
    reason: 'DependenciesNotReady',
    message: `waiting for dependencies to be Active: ${problems.join(', ')}${suffix}`,
  };
}

function pendingOnDependencies(ctx: Ctx, spec: CNFDeploymentSpec, problems: string[]): ReconcileOutput {
  const { prev, now, generation } = ctx;
  const step = nextPhase(prev, 'Pending');
  const dep = dependencyCondition(problems, spec, true);
  const conditions = buildConditions(
    [
      { type: 'Ready', status: 'False', reason: 'NotProvisioned', message: 'waiting for dependencies' },
      { type: 'Active', status: 'False', reason: step.phase, message: 'waiting for dependencies' },
      { type: 'Provisioning', status: 'False', reason: 'DependenciesNotReady', message: dep.message },
      { type: 'ConfigurationValid', status: 'True', reason: 'Valid', message: 'spec is valid' },
      dep,
      { type: 'Synced', status: 'True', reason: 'ReconcileSucceeded', message: 'reconciled' },
    ],
    prev.conditions,
    now,
    generation,
  );
  const rest = { ...prev };
  delete rest.lastError;
  const status = compact({
    ...rest,
    phase: step.phase,
    phaseSince: phaseSince(prev, step.phase, now),
    conditions,
    observedGeneration: generation,
    selector: desiredSelector(ctx.parent),
  });
  return {
    children: [],
    status,
    actions: [],
    resyncAfterSeconds: step.intermediate ? RESYNC_STEP_SECONDS : RESYNC_DEPENDENCIES_SECONDS,
  };
}

// ---- the main path --------------------------------------------------------------------------------------

interface Desired {
  spec: CNFDeploymentSpec;
  restartGeneration: number;
  reason: RevisionReason;
  rendered: RenderedPackage;
}

interface Pass {
  desired: Desired;
  plan: RevisionPlan;
  health: HealthResult;
}

function renderFor(
  ctx: Ctx,
  r: Resolved,
  spec: CNFDeploymentSpec,
  restartGeneration: number,
): RenderedPackage {
  return renderPackage({
    name: ctx.parent.metadata.name,
    namespace: ctx.namespace,
    spec,
    packageName: r.packageName,
    repository: r.repository,
    restartGeneration,
  });
}

export function reconcile(input: ReconcileInput): ReconcileOutput {
  if (input.parent.metadata.deletionTimestamp !== undefined) {
    const out: ReconcileOutput & { finalized?: boolean } = finalize(input);
    delete out.finalized;
    return out;
  }
  const ctx = context(input);
  try {
    return reconcileSpec(ctx);
  } catch (e) {
    // Only inputs validation should have rejected get here; report them like any invalid spec.
    if (e instanceof FieldIssuesError) return configFailure(ctx, e.issues);
    throw e;
  }
}

function reconcileSpec(ctx: Ctx): ReconcileOutput {
  const input = ctx.input;
  const resolved = resolve(ctx);
  if (!resolved.ok) return configFailure(ctx, resolved.issues);
  const r = resolved.value;
  const { prev, now, generation } = ctx;

  const infos = input.children.map(describeChild);
  const started = infos.length > 0 || (prev.history ?? []).length > 0;
  const depProblems = dependencyProblems(ctx, r.spec);
  if (!started && depProblems.length > 0) return pendingOnDependencies(ctx, r.spec, depProblems);

  let history = prev.history ?? [];
  const latestPub = publishedChildren(infos)[0];
  const latestPubEntry = latestPub === undefined ? undefined : findEntry(history, latestPub.name);
  let healing = prev.healing;
  let rollback = prev.rollback;
  let scaling = prev.scaling;
  let failure: { reason: string; message: string } | undefined;

  // A rollback holds until the spec changes: the failed generation is not retried.
  const rollbackActive = (): boolean =>
    rollback !== undefined && rollback.failedGeneration === generation && prev.lastHealthy !== undefined;
  const restartGeneration = (): number => healing?.restartGeneration ?? 0;

  const classify = (spec: CNFDeploymentSpec, rendered: RenderedPackage, rg: number): RevisionReason => {
    if (rollbackActive()) return 'Rollback';
    if (latestPub === undefined) return 'Create';
    if (rendered.contentHash === latestPub.contentHash)
      return (latestPub.reason as RevisionReason) ?? 'Update';
    if (latestPubEntry?.replicas !== undefined) {
      const sameReplicas = renderFor(ctx, r, { ...spec, replicas: latestPubEntry.replicas }, rg);
      if (sameReplicas.contentHash === latestPub.contentHash) return 'Scale';
    }
    return 'Update';
  };

  const desiredFor = (spec: CNFDeploymentSpec, rg: number, forced?: RevisionReason): Desired => {
    const rendered = renderFor(ctx, r, spec, rg);
    return { spec, restartGeneration: rg, rendered, reason: forced ?? classify(spec, rendered, rg) };
  };

  const runPass = (desired: Desired): Pass => {
    const plan = planRevisions({
      parent: ctx.parent,
      children: infos,
      history,
      desired: {
        contentHash: desired.rendered.contentHash,
        files: desired.rendered.files,
        reason: desired.reason,
        generation,
        replicas: desired.spec.replicas ?? 1,
        restartGeneration: desired.restartGeneration,
      },
      packageName: r.packageName,
      repository: r.repository,
      approval: r.spec.porch?.approval ?? 'Automatic',
      observations: input.observations,
    });
    const entry = findEntry(history, plan.target.name);
    const settled =
      plan.target.state === 'Published' && (entry?.outcome === 'Healthy' || entry?.outcome === 'Failed');
    const health = assessHealth({
      name: ctx.parent.metadata.name,
      related: input.related,
      desiredHash: desired.rendered.contentHash,
      desiredReplicas: desired.spec.replicas ?? 1,
      packageState:
        plan.target.state === 'Published'
          ? 'Published'
          : latestPub !== undefined || infos.length > 0
            ? 'InFlight'
            : 'None',
      packageRevision: plan.target.name,
      previous: prev.health,
      now,
      countFailures: settled,
    });
    return { desired, plan, health };
  };

  // 1. What the spec asks for (or the last healthy spec while a rollback holds).
  let desired = rollbackActive()
    ? desiredFor((prev.lastHealthy as { spec: CNFDeploymentSpec }).spec, restartGeneration(), 'Rollback')
    : desiredFor(r.spec, restartGeneration());

  // 2. Scaling cooldown: a replicas-only change inside the cooldown keeps the current revision.
  let deferredUntil: string | undefined;
  const cooldown = r.spec.scaling?.cooldownSeconds ?? 0;
  const lastScale = scaling?.lastScaleTime;
  if (desired.reason === 'Scale' && cooldown > 0 && lastScale !== undefined) {
    const until = addSeconds(lastScale, cooldown);
    const exists = infos.some((c) => c.contentHash === desired.rendered.contentHash);
    if (!exists && Date.parse(now) < Date.parse(until)) {
      const head = [...history].reverse().find((h) => h.outcome !== 'Superseded' && h.outcome !== 'Failed');
      const keep = head?.replicas ?? latestPubEntry?.replicas ?? r.spec.replicas ?? 1;
      const current = desiredFor({ ...desired.spec, replicas: keep }, restartGeneration());
      desired = { ...current, reason: current.reason === 'Scale' ? 'Update' : current.reason };
      deferredUntil = until;
    }
  }
  if (deferredUntil !== undefined) {
    scaling = compact({ ...scaling, cooldownUntil: deferredUntil, pendingReplicas: r.spec.replicas });
  } else if (scaling?.cooldownUntil !== undefined || scaling?.pendingReplicas !== undefined) {
    scaling = compact({ ...scaling, cooldownUntil: undefined, pendingReplicas: undefined });
  }

  let pass = runPass(desired);

  // 3. Rollout outcome of the revision that carries the desired content.
  const rolloutFailed = (p: Pass): string | undefined => {
    if (p.plan.target.state !== 'Published') return undefined;
    const entry = findEntry(history, p.plan.target.name);
    const w = p.health.workload;
    const ready = w.replicasReady && p.health.health.overall === 'Healthy';
    if (ready || entry?.outcome === 'Healthy') return undefined;
    if (entry?.outcome === 'Failed') return 'previously failed';
    if (w.progressDeadlineExceeded) return 'Deployment reported ProgressDeadlineExceeded';
    const deadline = r.spec.rollout?.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
    const publishedAt = entry?.publishedAt ?? p.plan.target.info?.child.status?.publishTimestamp;
    if (publishedAt !== undefined && seconds(publishedAt, now) >= deadline) {
      return `not ready within progressDeadlineSeconds (${deadline}s) of publication at ${publishedAt}`;
    }
    return undefined;
  };

  // History first learns about publication, so the deadline has a start.
  history = updateHistory(history, infos, historyEntry(pass, generation), now);
  const failedWhy = rolloutFailed(pass);
  if (failedWhy !== undefined) {
    const target = pass.plan.target;
    const newlyFailed = findEntry(history, target.name)?.outcome !== 'Failed';
    history = markOutcome(history, target.name, 'Failed', now);
    const message = `revision ${target.name} (${target.reason}) failed its rollout: ${failedWhy}`;
    if (target.reason === 'Heal') {
      // A failed healing attempt: Degraded; the next attempt comes after more failed checks.
    } else if (target.reason === 'Rollback') {
      failure = { reason: 'RollbackFailed', message };
    } else if (
      newlyFailed &&
      (r.spec.rollout?.autoRollback ?? true) &&
      prev.lastHealthy !== undefined &&
      prev.lastHealthy.contentHash !== pass.desired.rendered.contentHash
    ) {
      const failedHash = pass.desired.rendered.contentHash;
      desired = desiredFor(prev.lastHealthy.spec, restartGeneration(), 'Rollback');
      rollback = {
        failedContentHash: failedHash,
        failedGeneration: generation,
        toContentHash: desired.rendered.contentHash,
        at: now,
        reason: message,
      };
      pass = runPass(desired);
      history = updateHistory(history, infos, historyEntry(pass, generation), now);
    } else {
      failure = { reason: 'RolloutFailed', message };
    }
  }

  // 4. Healing: a settled revision that stays unhealthy for N checks gets its pods restarted.
  const entryOf = (p: Pass) => findEntry(history, p.plan.target.name);
  const isSettled = (p: Pass): boolean =>
    p.plan.target.state === 'Published' &&
    (entryOf(p)?.outcome === 'Healthy' || entryOf(p)?.outcome === 'Failed');
  const isReady = (p: Pass): boolean =>
    p.health.workload.replicasReady && p.health.health.overall === 'Healthy';
  if (failure === undefined && isSettled(pass) && !isReady(pass)) {
    const attempts = healing?.attempts ?? 0;
    if (attempts >= MAX_HEALING_ATTEMPTS) {
      failure = {
        reason: 'HealingExhausted',
        message: `still unhealthy after ${attempts} healing attempts: ${failingChecks(pass)}`,
      };
    } else if (prev.phase === 'Degraded' && pass.health.health.consecutiveFails >= HEAL_AFTER_FAILED_CHECKS) {
      const rg = restartGeneration() + 1;
      healing = { attempts: attempts + 1, lastAttemptAt: now, restartGeneration: rg };
      desired = desiredFor(desired.spec, rg, 'Heal');
      pass = runPass(desired);
      history = updateHistory(history, infos, historyEntry(pass, generation), now);
    }
  }

  const target = pass.plan.target;
  const ready = isReady(pass);
  if (target.state === 'Published' && ready) history = markOutcome(history, target.name, 'Healthy', now);
  if (
    target.state === 'New' &&
    target.reason === 'Scale' &&
    !(prev.history ?? []).some((h) => h.name === target.name)
  ) {
    scaling = compact({ ...scaling, lastScaleTime: now });
  }

  // 5. Target phase, then one legal step towards it.
  const everActive = prev.lastHealthy !== undefined;
  const oran = oranPlan({ ...ctx.parent, spec: r.spec }, input.observations, ready);
  const configured = oran.stage === 'complete';
  const inFlight = !isSettled(pass) && !ready;
  let targetPhase: Phase;
  if (failure !== undefined) targetPhase = 'Failed';
  else if (!everActive) targetPhase = !ready ? 'Provisioning' : configured ? 'Active' : 'Configuring';
  else if (ready) targetPhase = configured ? 'Active' : oranHoldPhase(prev.phase, oran.stage);
  else if (inFlight) targetPhase = phaseForReason(target.reason);
  else targetPhase = 'Degraded';
  const step = nextPhase(prev, targetPhase);
  const phase = step.phase;

  let lastHealthy = prev.lastHealthy;
  if (phase === 'Active') {
    const gen = rollbackActive() && lastHealthy !== undefined ? lastHealthy.generation : generation;
    if (lastHealthy?.contentHash !== pass.desired.rendered.contentHash || lastHealthy.generation !== gen) {
      lastHealthy = {
        generation: gen,
        contentHash: pass.desired.rendered.contentHash,
        spec: pass.desired.spec,
      };
    }
    if (healing !== undefined && healing.attempts !== 0) healing = { ...healing, attempts: 0 };
  }

  // 6. Errors: observation failures, carried action failures, permanent failures.
  let lastError: StatusError | undefined;
  let errorResync: number | undefined;
  const obsError = input.observations.errors?.[0];
  const actionKeys = new Set([...pass.plan.actions, ...oran.actions].map(actionKey));
  for (const k of oran.heldKeys) actionKeys.add(k);
  if (obsError !== undefined) {
    const counted = countFailure(
      prev.lastError,
      compact({
        class: obsError.class,
        reason: obsError.reason,
        message: obsError.message,
        action: obsError.action,
      }),
      now,
    );
    lastError = counted.error;
    errorResync = obsError.class === 'Transient' ? counted.resyncAfterSeconds : undefined;
  } else if (prev.lastError?.action !== undefined && actionKeys.has(prev.lastError.action)) {
    lastError = prev.lastError;
    if (prev.lastError.class === 'Transient') errorResync = backoffSeconds(prev.lastError.failures ?? 1);
  } else if (failure !== undefined) {
    const before = prev.lastError;
    lastError =
      before?.class === 'Permanent' && before.reason === failure.reason && before.generation === generation
        ? { ...before, message: failure.message }
        : { class: 'Permanent', reason: failure.reason, message: failure.message, generation, since: now };
  }

  // 7. Conditions.
  const conditions = buildConditions(
    conditionSpecs({
      ctx,
      pass,
      phase,
      ready,
      everActive: everActive || phase === 'Active',
      configured,
      oran,
      depProblems,
      spec: r.spec,
      rollbackActive: rollbackActive(),
      rollback,
      deferredUntil,
      lastError,
      failure,
      inFlight,
    }),
    prev.conditions,
    now,
    generation,
  );

  // 8. Resync.
  const resyncs: number[] = [];
  if (step.intermediate) resyncs.push(RESYNC_STEP_SECONDS);
  if (failure === undefined && (inFlight || phase === 'Degraded' || phase === 'Healing'))
    resyncs.push(RESYNC_IN_FLIGHT_SECONDS);
  if (pass.plan.pruning.length > 0) resyncs.push(RESYNC_IN_FLIGHT_SECONDS);
  if (deferredUntil !== undefined) resyncs.push(Math.max(1, Math.ceil(seconds(now, deferredUntil))));
  if (oran.deleting > 0 || (ready && (oran.actions.length > 0 || oran.stage === 'pending')))
    resyncs.push(RESYNC_IN_FLIGHT_SECONDS);
  else if (ready && oran.stage === 'notEnforced') resyncs.push(RESYNC_ORAN_POLL_SECONDS);
  let resyncAfterSeconds = resyncs.length > 0 ? Math.min(...resyncs) : undefined;
  if (errorResync !== undefined) resyncAfterSeconds = errorResync;

  const w = pass.health.workload;
  const status: CNFDeploymentStatus = compact({
    ...prev,
    phase,
    phaseSince: phaseSince(prev, phase, now),
    conditions,
    observedGeneration: generation,
    replicas: w.replicas,
    readyReplicas: w.readyReplicas,
    selector: desiredSelector(ctx.parent),
    packageRevision: target.name,
    packageName: r.packageName,
    repository: r.repository,
    revision: pass.plan.latestPublished?.revision,
    contentHash: pass.desired.rendered.contentHash,
    health: pass.health.health,
    history,
    lastError,
    lastHealthy,
    rollback,
    scaling: scaling !== undefined && Object.keys(scaling).length > 0 ? scaling : undefined,
    healing,
    oran: oran.status,
  });
  const out: ReconcileOutput = {
    children: pass.plan.children,
    status,
    actions: [...pass.plan.actions, ...oran.actions],
  };
  if (resyncAfterSeconds !== undefined) out.resyncAfterSeconds = resyncAfterSeconds;
  return out;
}

function historyEntry(pass: Pass, generation: number): Parameters<typeof updateHistory>[2] {
  const annotated = Number(pass.plan.target.info?.child.metadata.annotations?.[ANNOTATION_GENERATION]);
  return {
    target: pass.plan.target,
    contentHash: pass.desired.rendered.contentHash,
    generation: Number.isSafeInteger(annotated) ? annotated : generation,
    replicas: pass.desired.spec.replicas ?? 1,
    restartGeneration: pass.desired.restartGeneration,
  };
}

function phaseForReason(reason: RevisionReason): Phase {
  switch (reason) {
    case 'Scale':
      return 'Scaling';
    case 'Heal':
    case 'Rollback':
      return 'Healing';
    default:
      return 'Updating';
  }
}

function failingChecks(pass: Pass): string {
  const bad = pass.health.health.checks.filter((c) => c.status !== 'Healthy');
  return bad.map((c) => `${c.name}: ${c.message}`).join('; ') || 'workload not ready';
}

interface ConditionFacts {
  ctx: Ctx;
  pass: Pass;
  phase: Phase;
  ready: boolean;
  everActive: boolean;
  configured: boolean;
  oran: OranPlan;
  depProblems: string[];
  spec: CNFDeploymentSpec;
  rollbackActive: boolean;
  rollback: CNFDeploymentStatus['rollback'];
  deferredUntil: string | undefined;
  lastError: StatusError | undefined;
  failure: { reason: string; message: string } | undefined;
  inFlight: boolean;
}

function conditionSpecs(f: ConditionFacts): ConditionSpec[] {
  const { pass, phase, ctx } = f;
  const target = pass.plan.target;
  const w = pass.health.workload;
  const h = pass.health.health;
  const want = pass.desired.spec.replicas ?? 1;
  const specs: ConditionSpec[] = [];

  // Ready: the workload runs the latest content with enough ready replicas and is healthy.
  if (f.ready) {
    specs.push({
      type: 'Ready',
      status: 'True',
      reason: 'WorkloadReady',
      message: `${w.readyReplicas}/${want} replicas ready`,
    });
  } else {
    const reason = !w.present
      ? 'NoWorkload'
      : !w.applied
        ? 'LatestRevisionNotApplied'
        : !w.replicasReady
          ? 'ReplicasNotReady'
          : 'Unhealthy';
    specs.push({ type: 'Ready', status: 'False', reason, message: failingChecks(pass) });
  }

  specs.push(
    phase === 'Active'
      ? { type: 'Active', status: 'True', reason: 'Active', message: `running revision ${target.name}` }
      : { type: 'Active', status: 'False', reason: phase, message: `phase is ${phase}` },
  );

  // Provisioning: True from the first revision on, and stays True (kubectl wait-friendly).
  const provisioningReason = f.everActive
    ? 'Provisioned'
    : f.failure !== undefined
      ? 'ProvisioningFailed'
      : 'Provisioning';
  specs.push({
    type: 'Provisioning',
    status: 'True',
    reason: provisioningReason,
    message: f.everActive
      ? 'the CNF was provisioned'
      : f.failure !== undefined
        ? f.failure.message
        : `provisioning package revision ${target.name}`,
  });

  specs.push({ type: 'ConfigurationValid', status: 'True', reason: 'Valid', message: 'spec is valid' });
  specs.push(dependencyCondition(f.depProblems, f.spec, false));

  const ns = ctx.namespace;
  switch (target.state) {
    case 'Published':
      specs.push({
        type: 'PackagePublished',
        status: 'True',
        reason: 'Published',
        message: `${target.name} is published as revision ${target.info?.revision ?? 0}`,
      });
      break;
    case 'New': {
      const known = (ctx.prev.history ?? []).some((e) => e.name === target.name);
      specs.push(
        known
          ? {
              type: 'PackagePublished',
              status: 'False',
              reason: 'RevisionNotFound',
              // Either it never got created (Metacontroller failed to create it: the reason is in its
              // SyncError event, e.g. no Porch Repository of that name in this namespace) or it was
              // deleted behind our back; either way the answer asks for it again.
              message: `PackageRevision ${target.name} recorded in status is not in Porch; (re)creating it — if this persists, \`kubectl describe cnfd ${ctx.parent.metadata.name}\` shows Metacontroller's SyncError (e.g. Porch Repository ${f.spec.porch?.repository ?? ctx.input.defaults.repository} missing in namespace ${ns})`,
            }
          : {
              type: 'PackagePublished',
              status: 'False',
              reason: 'Creating',
              message: `creating ${target.name}`,
            },
      );
      break;
    }
    case 'Draft':
      specs.push({
        type: 'PackagePublished',
        status: 'False',
        reason: target.written ? 'Proposing' : 'WritingContent',
        message: target.written ? `proposing ${target.name}` : `writing package content to ${target.name}`,
      });
      break;
    default:
      specs.push(
        (f.spec.porch?.approval ?? 'Automatic') === 'Manual'
          ? {
              type: 'PackagePublished',
              status: 'False',
              reason: 'AwaitingApproval',
              message: `${target.name} awaits manual approval: porchctl rpkg approve ${target.name} -n ${ns}`,
            }
          : {
              type: 'PackagePublished',
              status: 'False',
              reason: 'Approving',
              message: `approving ${target.name}`,
            },
      );
  }

  const oranReason =
    f.oran.stage === 'notEnforced'
      ? 'PolicyNotEnforced'
      : f.oran.stage === 'failed'
        ? 'OranConfigurationFailed'
        : 'OranConfigurationPending';
  specs.push(
    f.configured
      ? ctx.parent.spec.oran === undefined
        ? {
            type: 'Configured',
            status: 'True',
            reason: 'NoOranConfiguration',
            message: 'configuration stage complete',
          }
        : { type: 'Configured', status: 'True', reason: 'OranConfigured', message: f.oran.message }
      : {
          type: 'Configured',
          status: 'False',
          reason: oranReason,
          message: f.ready
            ? f.oran.message
            : 'waiting for the workload to be ready before the O-RAN configuration stage (A1 policies, E2 subscriptions)',
        },
  );

  if (f.inFlight) {
    specs.push({
      type: 'Degraded',
      status: 'False',
      reason: 'RolloutInProgress',
      message: `rolling out ${target.name}`,
    });
  } else if (h.overall === 'Healthy' && phase === 'Degraded' && !f.configured) {
    specs.push({ type: 'Degraded', status: 'True', reason: oranReason, message: f.oran.message });
  } else if (h.overall === 'Healthy') {
    specs.push({ type: 'Degraded', status: 'False', reason: 'Healthy', message: 'all health checks pass' });
  } else {
    specs.push({
      type: 'Degraded',
      status: 'True',
      reason: h.overall === 'Unhealthy' ? 'Unhealthy' : 'HealthDegraded',
      message: `${failingChecks(pass)} (${h.consecutiveFails} consecutive failed checks)`,
    });
  }

  if (f.rollback !== undefined) {
    specs.push(
      f.rollbackActive
        ? {
            type: 'RolledBack',
            status: 'True',
            reason: 'AutoRollback',
            message: `${f.rollback.reason}; rolled back to the last healthy spec (content ${f.rollback.toContentHash.slice(0, 10)}); generation ${f.rollback.failedGeneration} is not retried until the spec changes`,
          }
        : {
            type: 'RolledBack',
            status: 'False',
            reason: 'SpecChanged',
            message: `the spec changed since the rollback at ${f.rollback.at}`,
          },
    );
  }

  const prevDeferred = ctx.prev.conditions?.some((c) => c.type === 'ScalingDeferred') ?? false;
  if (f.deferredUntil !== undefined) {
    specs.push({
      type: 'ScalingDeferred',
      status: 'True',
      reason: 'Cooldown',
      message: `scaling to ${f.spec.replicas ?? 1} replicas deferred until ${f.deferredUntil} (scaling.cooldownSeconds)`,
    });
  } else if (prevDeferred) {
    specs.push({
      type: 'ScalingDeferred',
      status: 'False',
      reason: 'NotDeferred',
      message: 'no scaling deferred',
    });
  }

  specs.push(
    f.lastError === undefined
      ? { type: 'Synced', status: 'True', reason: 'ReconcileSucceeded', message: 'reconciled' }
      : { type: 'Synced', status: 'False', reason: f.lastError.reason, message: syncedMessage(f.lastError) },
  );
  return specs;
}

function syncedMessage(e: StatusError): string {
  const action = e.action === undefined ? '' : ` (action ${e.action})`;
  return `${e.class}: ${e.message}${action}`;
}

// ---- finalize and action results ----------------------------------------------------------------------

/** The finalize hook's pure core. */
export function finalize(input: ReconcileInput): FinalizeOutput {
  return finalizeCore(input, desiredSelector(input.parent));
}

/**
 * Folds the shell's action outcomes into the answer's status (which action failed, error class,
 * backoff). Pure; generic so a FinalizeOutput stays a FinalizeOutput.
 */
export function applyActionResults<T extends ReconcileOutput>(
  output: T,
  results: ActionResult[],
  now: string,
): T {
  const generation = output.status.observedGeneration;
  if (output.status.oran !== undefined) {
    const oran = foldOranResults(output.status.oran, results, generation);
    const status = { ...output.status };
    if (oran === undefined) delete status.oran;
    else status.oran = oran;
    output = { ...output, status };
  }
  const current = output.status.lastError;
  // A best-effort cleanup (of an endpoint no longer in the spec) is never retried or reported as
  // the CNF's error: events and logs carry its failure.
  const failed = results.find((r) => !r.ok && !('bestEffort' in r.action && r.action.bestEffort === true));
  if (failed === undefined) {
    const succeeded = new Set(results.filter((r) => r.ok).map((r) => actionKey(r.action)));
    if (current?.action === undefined || !succeeded.has(current.action)) return output;
    const status = { ...output.status };
    delete status.lastError;
    const conditions = upsertCondition(
      status.conditions,
      { type: 'Synced', status: 'True', reason: 'ReconcileSucceeded', message: 'reconciled' },
      now,
      generation,
    );
    const out = { ...output, status: { ...status, conditions } };
    if (output.resyncAfterSeconds !== undefined && current.class === 'Transient') {
      // The backoff no longer applies; keep in-flight resyncs short.
      out.resyncAfterSeconds = Math.min(output.resyncAfterSeconds, RESYNC_IN_FLIGHT_SECONDS);
    }
    return out;
  }
  const err = failed.error ?? {
    class: 'Transient' as const,
    reason: 'ActionFailed',
    message: 'action failed',
  };
  const key = actionKey(failed.action);
  const counted = countFailure(
    current,
    compact({
      class: err.class,
      reason: err.reason,
      message: `${failed.action.type} ${failed.action.name}: ${err.message}`,
      action: key,
      generation,
    }),
    now,
  );
  const conditions = upsertCondition(
    output.status.conditions,
    { type: 'Synced', status: 'False', reason: counted.error.reason, message: syncedMessage(counted.error) },
    now,
    generation,
  );
  const out = { ...output, status: { ...output.status, lastError: counted.error, conditions } };
  if (err.class === 'Transient') out.resyncAfterSeconds = counted.resyncAfterSeconds;
  return out;
}

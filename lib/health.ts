// Health aggregation (seed Task 1.5) from the related Deployment, Pods and EndpointSlices.
// Pure and stable: check timestamps move only when a check's status changes, and consecutiveFails
// moves at most once per HEALTH_CHECK_INTERVAL_SECONDS (tracked with lastCheck), or at once when the
// set of failing checks changes.
import type { HealthCheck, HealthState, HealthStatus, KubeObject, RelatedObjects } from './types.ts';
import { ANNOTATION_CONTENT_HASH, LABEL_CNF } from './labels.ts';

const HEALTH_CHECK_INTERVAL_SECONDS = 10;

export type HealthCheckName = 'PackagePublished' | 'DeploymentReady' | 'PodsReady' | 'ServiceEndpoints';

/** What health needs to know about the package side. */
export interface HealthInput {
  name: string;
  related: RelatedObjects;
  /** Content hash of the latest desired revision. */
  desiredHash: string;
  /** Replicas the latest desired revision asks for. */
  desiredReplicas: number;
  /** State of the latest desired revision in Porch. */
  packageState: 'Published' | 'InFlight' | 'None';
  /** Name of the latest desired revision (for messages). */
  packageRevision?: string;
  previous?: HealthStatus | undefined;
  now: string;
  /** False while a rollout is in progress: failures are expected then and are not counted. */
  countFailures: boolean;
}

/** Facts about the workload that the state machine uses beside the health summary. */
export interface WorkloadFacts {
  /** The Deployment (if any) carries the desired content hash, i.e. GitOps applied it. */
  applied: boolean;
  /** The Deployment controller has seen the latest Deployment spec. */
  observed: boolean;
  replicas: number;
  /** Ready replicas on the latest pod template when that can be told (min(ready, updated)). */
  readyReplicas: number;
  /** Ready replicas ≥ desired on the desired content. */
  replicasReady: boolean;
  /** Deployment condition Progressing=False reason ProgressDeadlineExceeded on the desired content. */
  progressDeadlineExceeded: boolean;
  /** The Deployment exists. */
  present: boolean;
}

export interface HealthResult {
  health: HealthStatus;
  workload: WorkloadFacts;
}

const RANK: Record<HealthState, number> = { Healthy: 0, Degraded: 1, Unhealthy: 2 };

export function worst(states: readonly HealthState[]): HealthState {
  return states.reduce<HealthState>((a, b) => (RANK[b] > RANK[a] ? b : a), 'Healthy');
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function ownedBy(obj: KubeObject, name: string): boolean {
  const label = obj.metadata.labels?.[LABEL_CNF];
  return label === undefined || label === name;
}

/** The CNF's Deployment: the one named like the CNF, else the first labelled one. */
export function selectDeployment(related: RelatedObjects, name: string): KubeObject | undefined {
  const mine = related.deployments.filter(
    (d) => ownedBy(d, name) && d.metadata.deletionTimestamp === undefined,
  );
  return mine.find((d) => d.metadata.name === name) ?? mine[0];
}

function deploymentCondition(dep: KubeObject, type: string): Record<string, unknown> | undefined {
  return arr(rec(dep.status)?.['conditions'])
    .map(rec)
    .find((c) => c?.['type'] === type);
}

export function workloadFacts(
  related: RelatedObjects,
  name: string,
  desiredHash: string,
  desiredReplicas: number,
): WorkloadFacts {
  const dep = selectDeployment(related, name);
  if (dep === undefined) {
    return {
      applied: false,
      observed: false,
      replicas: 0,
      readyReplicas: 0,
      replicasReady: false,
      progressDeadlineExceeded: false,
      present: false,
    };
  }
  const status = rec(dep.status) ?? {};
  const applied = dep.metadata.annotations?.[ANNOTATION_CONTENT_HASH] === desiredHash;
  const generation = dep.metadata.generation;
  const observedGen = num(status['observedGeneration']);
  const observed = generation === undefined || (observedGen !== undefined && observedGen >= generation);
  const want = num(rec(dep.spec)?.['replicas']) ?? desiredReplicas;
  const ready = num(status['readyReplicas']) ?? 0;
  // Zero-valued counters are omitted from a Deployment's status (omitempty): right after the
  // controller observes a new template, updatedReplicas is absent, meaning 0 — not "unknown".
  const updated = num(status['updatedReplicas']) ?? 0;
  const replicas = num(status['replicas']) ?? 0;
  // While a rollout is in progress, ready pods may still run the old template: count only those on
  // the new one when the Deployment controller has reported on the current spec.
  const readyOnLatest = observed ? Math.min(ready, updated) : ready;
  // Rolled out as `kubectl rollout status` judges it: every replica is on the new template and no
  // old one is left (during a surge the old pods are still ready, and counting them would report
  // Active before the rollout has finished, then flip back).
  const oldPodsGone = replicas <= updated;
  // A Progressing condition is about the generation the controller last observed: right after
  // GitOps applies a new spec (e.g. a rollback), the previous rollout's ProgressDeadlineExceeded is
  // still there until the controller catches up, and must not be read as the new rollout failing.
  const progressing = observed ? deploymentCondition(dep, 'Progressing') : undefined;
  return {
    applied,
    observed,
    replicas,
    readyReplicas: readyOnLatest,
    replicasReady: applied && observed && oldPodsGone && readyOnLatest >= want,
    progressDeadlineExceeded:
      applied && progressing?.['status'] === 'False' && progressing['reason'] === 'ProgressDeadlineExceeded',
    present: true,
  };
}

function podReady(pod: KubeObject): boolean {
  return arr(rec(pod.status)?.['conditions'])
    .map(rec)
    .some((c) => c?.['type'] === 'Ready' && c['status'] === 'True');
}

function podWaitingReasons(pod: KubeObject): string[] {
  return arr(rec(pod.status)?.['containerStatuses'])
    .map((cs) => rec(rec(rec(cs)?.['state'])?.['waiting'])?.['reason'])
    .filter((r): r is string => typeof r === 'string');
}

interface CheckResult {
  name: HealthCheckName;
  status: HealthState;
  message: string;
}

function checkPackage(input: HealthInput): CheckResult {
  const rev = input.packageRevision ?? 'none';
  switch (input.packageState) {
    case 'Published':
      return { name: 'PackagePublished', status: 'Healthy', message: `revision ${rev} is published` };
    case 'InFlight':
      return {
        name: 'PackagePublished',
        status: 'Degraded',
        message: `revision ${rev} is not published yet`,
      };
    default:
      return { name: 'PackagePublished', status: 'Unhealthy', message: 'no package revision published' };
  }
}

function checkDeployment(input: HealthInput, w: WorkloadFacts): CheckResult {
  const name = 'DeploymentReady';
  if (!w.present) return { name, status: 'Unhealthy', message: `Deployment ${input.name} not found` };
  if (w.progressDeadlineExceeded)
    return {
      name,
      status: 'Unhealthy',
      message: 'rollout exceeded its progress deadline (ProgressDeadlineExceeded)',
    };
  const counts = `${w.readyReplicas}/${input.desiredReplicas} replicas ready`;
  if (!w.applied)
    return {
      name,
      status: 'Degraded',
      message: `${counts}; the Deployment does not carry content ${input.desiredHash.slice(0, 10)} yet (GitOps has not applied the latest revision)`,
    };
  if (w.replicasReady) return { name, status: 'Healthy', message: counts };
  if (w.readyReplicas === 0 && input.desiredReplicas > 0)
    return { name, status: 'Unhealthy', message: counts };
  return { name, status: 'Degraded', message: counts };
}

function checkPods(input: HealthInput): CheckResult {
  const name = 'PodsReady';
  const pods = input.related.pods.filter(
    (p) => ownedBy(p, input.name) && p.metadata.deletionTimestamp === undefined,
  );
  if (pods.length === 0) {
    return input.desiredReplicas === 0
      ? { name, status: 'Healthy', message: 'no pods expected' }
      : { name, status: 'Unhealthy', message: 'no pods found' };
  }
  const ready = pods.filter(podReady).length;
  const reasons = [...new Set(pods.flatMap(podWaitingReasons))].sort();
  const why = reasons.length > 0 ? ` (${reasons.join(', ')})` : '';
  const message = `${ready}/${pods.length} pods ready${why}`;
  if (ready === pods.length) return { name, status: 'Healthy', message };
  return { name, status: ready === 0 ? 'Unhealthy' : 'Degraded', message };
}

function checkEndpoints(input: HealthInput): CheckResult {
  const name = 'ServiceEndpoints';
  const slices = input.related.endpointSlices.filter((s) => ownedBy(s, input.name));
  // Without EndpointSlices (no Service selector, or not gathered) there is nothing to judge.
  if (slices.length === 0) return { name, status: 'Healthy', message: 'no EndpointSlices observed' };
  const endpoints = slices.flatMap((s) => arr(s['endpoints']).map(rec));
  const ready = endpoints.filter((e) => rec(e?.['conditions'])?.['ready'] !== false).length;
  const message = `${ready}/${endpoints.length} endpoints ready`;
  if (input.desiredReplicas === 0 || ready > 0) return { name, status: 'Healthy', message };
  return { name, status: 'Unhealthy', message };
}

/** Aggregates the four checks into HealthStatus with stable timestamps and a paced failure counter. */
export function assessHealth(input: HealthInput): HealthResult {
  const workload = workloadFacts(input.related, input.name, input.desiredHash, input.desiredReplicas);
  const results = [
    checkPackage(input),
    checkDeployment(input, workload),
    checkPods(input),
    checkEndpoints(input),
  ];
  const prev = input.previous;
  const checks: HealthCheck[] = results.map((r) => {
    const before = prev?.checks.find((c) => c.name === r.name);
    const timestamp = before !== undefined && before.status === r.status ? before.timestamp : input.now;
    return { name: r.name, status: r.status, message: r.message, timestamp };
  });
  const overall = worst(results.map((r) => r.status));
  const health: HealthStatus = { overall, checks, consecutiveFails: 0 };
  const prevFails = prev?.consecutiveFails ?? 0;
  const failing = (h: HealthStatus | undefined): string =>
    (h?.checks ?? [])
      .filter((c) => c.status !== 'Healthy')
      .map((c) => `${c.name}=${c.status}`)
      .join(',');
  let fails = 0;
  let lastCheck = prev?.lastCheck;
  if (overall !== 'Healthy' && input.countFailures) {
    const due =
      lastCheck === undefined ||
      Date.parse(input.now) - Date.parse(lastCheck) >= HEALTH_CHECK_INTERVAL_SECONDS * 1000 ||
      failing(prev) !== failing(health);
    fails = due ? prevFails + 1 : prevFails;
    if (due) lastCheck = input.now;
  } else if (prevFails !== 0) {
    lastCheck = input.now;
  }
  health.consecutiveFails = fails;
  if (lastCheck !== undefined) health.lastCheck = lastCheck;
  return { health, workload };
}

// Prometheus metrics of the hook server, on its own registry (plus the default process metrics).
//
// CNF metrics are derived from what the sync answers: a replica only knows the CNFs it has synced.
// Per-CNF gauges are kept per parent uid and expire when this replica has not synced that CNF
// within GAUGE_TTL_SECONDS (so a CNF handled by another replica, or deleted while this one was
// down, does not linger); a finalized CNF is removed at once.
//
// cnf_deployments_total carries two kinds of series under one name:
//   cnf_deployments_total{status,cnf_type,function}   the breakdown
//   cnf_deployments_total{status}                     the roll-up (sum over cnf_type/function)
// The roll-up exists for the phase-1 e2e check (`grep 'cnf_deployments_total{status="success"}'`)
// and for dashboards that want one number. Do not sum() the family without a label filter: that
// counts every event twice. Use {cnf_type!=""} for the breakdown or {cnf_type=""} for the roll-up.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CNFDeployment, CNFDeploymentStatus, Phase } from '../lib/types.ts';

export type HookOutcome = 'success' | 'client_error' | 'server_error';

export interface MetricsOptions {
  /** Epoch milliseconds. */
  now: () => number;
  gaugeTtlSeconds: number;
  /** Default process metrics (off in tests that compare whole scrapes). */
  processMetrics?: boolean;
}

interface TrackedCnf {
  name: string;
  namespace: string;
  cnfType: string;
  fn: string;
  phase: Phase;
  healthy: boolean;
  seenAt: number;
}

/** The transitions that count as a deployment's end. */
const PROVISIONING: ReadonlySet<string> = new Set(['Provisioning', 'Configuring']);

export class HookMetrics {
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly tracked = new Map<string, TrackedCnf>();
  private lastPrune = 0;

  private readonly deployments: Counter<'status' | 'cnf_type' | 'function'>;
  private readonly duration: Histogram<'cnf_type' | 'function'>;
  private readonly hookRequests: Counter<'hook' | 'outcome'>;
  private readonly hookDuration: Histogram<'hook' | 'outcome'>;
  private readonly porchActions: Counter<'operation' | 'result'>;
  private readonly oranActions: Counter<'operation' | 'result'>;
  private readonly events: Counter<'result'>;

  constructor(opts: MetricsOptions) {
    this.now = opts.now;
    this.ttlMs = opts.gaugeTtlSeconds * 1000;
    const registers = [this.registry];
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });

    this.deployments = new Counter({
      name: 'cnf_deployments_total',
      help: 'CNF deployments that finished: status="success" on reaching Active from Provisioning/Configuring, status="failure" on becoming Failed. Series with only {status} are the roll-up over cnf_type/function.',
      labelNames: ['status', 'cnf_type', 'function'],
      registers,
    });
    this.duration = new Histogram({
      name: 'cnf_deployment_duration_seconds',
      help: 'Time from CNFDeployment creation to its first Active phase',
      labelNames: ['cnf_type', 'function'],
      buckets: [10, 30, 60, 120, 300, 600],
      registers,
    });
    const tracked = this.tracked;
    const prune = (): void => this.prune();
    const activeCount: Gauge<'cnf_type' | 'function' | 'phase'> = new Gauge({
      name: 'cnf_active_count',
      help: 'CNFDeployments synced by this replica within GAUGE_TTL_SECONDS, by phase',
      labelNames: ['cnf_type', 'function', 'phase'],
      registers,
      collect() {
        prune();
        activeCount.reset();
        for (const c of tracked.values())
          activeCount.inc({ cnf_type: c.cnfType, function: c.fn, phase: c.phase });
      },
    });
    const health: Gauge<'name' | 'namespace'> = new Gauge({
      name: 'cnf_health_status',
      help: 'CNF health from the last sync (1 = Healthy, 0 = Degraded, Unhealthy or unknown)',
      labelNames: ['name', 'namespace'],
      registers,
      collect() {
        prune();
        health.reset();
        for (const c of tracked.values())
          health.set({ name: c.name, namespace: c.namespace }, c.healthy ? 1 : 0);
      },
    });
    this.hookRequests = new Counter({
      name: 'nephoran_hook_requests_total',
      help: 'HTTP requests to the hook server by route (hook) and outcome',
      labelNames: ['hook', 'outcome'],
      registers,
    });
    this.hookDuration = new Histogram({
      name: 'nephoran_hook_duration_seconds',
      help: 'Time to answer a request, by route (hook) and outcome',
      labelNames: ['hook', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.porchActions = new Counter({
      name: 'nephoran_porch_actions_total',
      help: 'Porch operations by outcome (ok, skipped = nothing to do, or the error class)',
      labelNames: ['operation', 'result'],
      registers,
    });
    this.oranActions = new Counter({
      name: 'nephoran_oran_actions_total',
      help: 'A1/E2 operations against RIC endpoints by outcome (ok, skipped = nothing to do, or the error class)',
      labelNames: ['operation', 'result'],
      registers,
    });
    this.events = new Counter({
      name: 'nephoran_events_total',
      help: 'Kubernetes Events: sent, deduplicated, dropped (queue full) or failed',
      labelNames: ['result'],
      registers,
    });
  }

  observeRequest(hook: string, statusCode: number, seconds: number): void {
    const outcome: HookOutcome =
      statusCode >= 500 ? 'server_error' : statusCode >= 400 ? 'client_error' : 'success';
    this.hookRequests.inc({ hook, outcome });
    this.hookDuration.observe({ hook, outcome }, seconds);
  }

  porchOperation(operation: string, result: string): void {
    this.porchActions.inc({ operation, result });
  }

  oranOperation(operation: string, result: string): void {
    this.oranActions.inc({ operation, result });
  }

  event(result: string): void {
    this.events.inc({ result });
  }

  /**
   * Records what one sync/finalize answer means for the CNF metrics: the request's parent carries
   * the previous phase, `answered` the new one.
   */
  recordAnswer(parent: CNFDeployment, answered: CNFDeploymentStatus, finalized = false): void {
    const key = parent.metadata.uid ?? `${parent.metadata.namespace ?? ''}/${parent.metadata.name}`;
    if (finalized) {
      this.tracked.delete(key);
      return;
    }
    const labels = { cnf_type: label(parent.spec?.type), function: label(parent.spec?.function) };
    const before = parent.status?.phase;
    const after = answered.phase;
    if (after === 'Active' && before !== undefined && PROVISIONING.has(before)) {
      this.deployments.inc({ status: 'success', ...labels });
      this.deployments.inc({ status: 'success' });
      const created = Date.parse(parent.metadata.creationTimestamp ?? '');
      if (Number.isFinite(created)) this.duration.observe(labels, Math.max(0, (this.now() - created) / 1000));
    } else if (after === 'Failed' && before !== 'Failed') {
      this.deployments.inc({ status: 'failure', ...labels });
      this.deployments.inc({ status: 'failure' });
    }
    // Expired CNFs leave on the answers too, not only on a scrape: without Prometheus the map would
    // keep every CNF this replica ever synced (at most once a minute: a prune walks the whole map).
    if (this.now() - this.lastPrune >= 60_000) this.prune();
    this.tracked.set(key, {
      name: parent.metadata.name,
      namespace: parent.metadata.namespace ?? '',
      cnfType: labels.cnf_type,
      fn: labels.function,
      phase: after ?? before ?? 'Pending',
      healthy: answered.health?.overall === 'Healthy',
      seenAt: this.now(),
    });
  }

  /** Number of CNFs currently contributing to the per-CNF gauges (for tests and debugging). */
  get trackedCount(): number {
    this.prune();
    return this.tracked.size;
  }

  private prune(): void {
    this.lastPrune = this.now();
    const cutoff = this.now() - this.ttlMs;
    for (const [k, c] of this.tracked) if (c.seenAt < cutoff) this.tracked.delete(k);
  }
}

/** Label values come from user specs: bound them. */
function label(v: unknown): string {
  if (typeof v !== 'string' || v === '') return 'unknown';
  return v.length > 63 ? v.slice(0, 63) : v;
}

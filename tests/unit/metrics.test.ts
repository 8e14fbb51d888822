/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- JSON fixtures */
// Metrics are asserted on the scrape text, as Prometheus (and the phase-1 e2e grep) sees them.
import { afterEach, describe, expect, it } from '@jest/globals';
import { HookMetrics } from '../../hooks/metrics.ts';
import type { Reconciler } from '../../hooks/flow.ts';
import type { CNFDeployment, CNFDeploymentStatus, Phase } from '../../lib/types.ts';
import { fixture, makeApp, NOW, post, type Json, type TestApp } from './hooks.helpers.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork();

const CREATED = '2026-02-16T10:00:00Z';

function cnf(name: string, phase: Phase | undefined, uid = `uid-${name}`, fn = 'AMF'): CNFDeployment {
  const c: CNFDeployment = {
    apiVersion: 'nephoran.com/v1',
    kind: 'CNFDeployment',
    metadata: { name, namespace: 'default', uid, creationTimestamp: CREATED },
    spec: { type: '5G-Core', function: fn },
  };
  if (phase !== undefined) c.status = { phase };
  return c;
}

function metrics(clock = { t: NOW }): { m: HookMetrics; clock: { t: number } } {
  return { m: new HookMetrics({ now: () => clock.t, gaugeTtlSeconds: 60, processMetrics: false }), clock };
}

const scrape = (m: HookMetrics): Promise<string> => m.registry.metrics();
const status = (phase: Phase, extra: CNFDeploymentStatus = {}): CNFDeploymentStatus => ({ phase, ...extra });

describe('cnf_deployments_total', () => {
  it('counts success on Provisioning/Configuring → Active, with the {status}-only roll-up', async () => {
    const { m } = metrics();
    m.recordAnswer(cnf('a', 'Provisioning'), status('Active'));
    m.recordAnswer(cnf('b', 'Configuring', 'uid-b', 'UPF'), status('Active'));
    const text = await scrape(m);
    expect(text).toContain('cnf_deployments_total{status="success",cnf_type="5G-Core",function="AMF"} 1');
    expect(text).toContain('cnf_deployments_total{status="success",cnf_type="5G-Core",function="UPF"} 1');
    // The literal the phase-1 e2e script greps for.
    expect(text).toContain('cnf_deployments_total{status="success"} 2');
  });

  it('counts failure on the move to Failed only, not while it stays Failed', async () => {
    const { m } = metrics();
    m.recordAnswer(cnf('a', 'Provisioning'), status('Failed'));
    m.recordAnswer(cnf('a', 'Failed'), status('Failed'));
    const text = await scrape(m);
    expect(text).toContain('cnf_deployments_total{status="failure",cnf_type="5G-Core",function="AMF"} 1');
    expect(text).toContain('cnf_deployments_total{status="failure"} 1');
  });

  it('does not count Updating/Scaling → Active or Active → Active', async () => {
    const { m } = metrics();
    m.recordAnswer(cnf('a', 'Updating'), status('Active'));
    m.recordAnswer(cnf('a', 'Active'), status('Active'));
    m.recordAnswer(cnf('b', undefined), status('Pending'));
    expect(await scrape(m)).not.toContain('cnf_deployments_total{');
  });
});

describe('cnf_deployment_duration_seconds', () => {
  it('observes creation → first Active in the seed buckets', async () => {
    const { m, clock } = metrics();
    clock.t = Date.parse(CREATED) + 45_000;
    m.recordAnswer(cnf('a', 'Provisioning'), status('Active'));
    const text = await scrape(m);
    expect(text).toContain(
      'cnf_deployment_duration_seconds_bucket{le="30",cnf_type="5G-Core",function="AMF"} 0',
    );
    expect(text).toContain(
      'cnf_deployment_duration_seconds_bucket{le="60",cnf_type="5G-Core",function="AMF"} 1',
    );
    expect(text).toContain('cnf_deployment_duration_seconds_sum{cnf_type="5G-Core",function="AMF"} 45');
    for (const le of ['10', '30', '60', '120', '300', '600', '+Inf']) expect(text).toContain(`le="${le}"`);
  });

  it('skips the observation without a usable creationTimestamp', async () => {
    const { m } = metrics();
    const c = cnf('a', 'Provisioning');
    delete c.metadata.creationTimestamp;
    m.recordAnswer(c, status('Active'));
    expect(await scrape(m)).not.toContain('cnf_deployment_duration_seconds_count{');
  });
});

describe('per-CNF gauges', () => {
  it('cnf_active_count follows a CNF across phases without double counting', async () => {
    const { m } = metrics();
    m.recordAnswer(cnf('a', undefined), status('Provisioning'));
    m.recordAnswer(cnf('a', 'Provisioning'), status('Active'));
    m.recordAnswer(cnf('b', undefined), status('Provisioning'));
    const text = await scrape(m);
    expect(text).toContain('cnf_active_count{cnf_type="5G-Core",function="AMF",phase="Active"} 1');
    expect(text).toContain('cnf_active_count{cnf_type="5G-Core",function="AMF",phase="Provisioning"} 1');
  });

  it('cnf_health_status is 1 only when Healthy', async () => {
    const { m } = metrics();
    m.recordAnswer(
      cnf('a', 'Active'),
      status('Active', { health: { overall: 'Healthy', checks: [], consecutiveFails: 0 } }),
    );
    m.recordAnswer(
      cnf('b', 'Active'),
      status('Degraded', { health: { overall: 'Degraded', checks: [], consecutiveFails: 1 } }),
    );
    const text = await scrape(m);
    expect(text).toContain('cnf_health_status{name="a",namespace="default"} 1');
    expect(text).toContain('cnf_health_status{name="b",namespace="default"} 0');
  });

  it('expires CNFs not synced within the TTL and removes finalized ones at once', async () => {
    const { m, clock } = metrics();
    m.recordAnswer(cnf('a', 'Active'), status('Active'));
    m.recordAnswer(cnf('b', 'Active'), status('Active'));
    expect(m.trackedCount).toBe(2);
    m.recordAnswer(cnf('b', 'Terminating'), status('Deleted'), true);
    let text = await scrape(m);
    expect(text).not.toContain('name="b"');
    clock.t += 61_000;
    text = await scrape(m);
    expect(text).not.toContain('cnf_health_status{');
    expect(text).not.toContain('cnf_active_count{');
    expect(m.trackedCount).toBe(0);
  });

  it('expires CNFs on later answers too, without any scrape (at most one prune a minute)', () => {
    const { m, clock } = metrics();
    m.recordAnswer(cnf('a', 'Active'), status('Active'));
    clock.t += 61_000;
    m.recordAnswer(cnf('b', 'Active'), status('Active'));
    // Read without trackedCount (which prunes itself): the map holds b only.
    expect(
      [...(m as unknown as { tracked: Map<string, { name: string }> }).tracked.values()].map((c) => c.name),
    ).toEqual(['b']);
  });

  it('bounds label values from user specs', async () => {
    const { m } = metrics();
    const c = cnf('a', 'Provisioning', 'u', 'F'.repeat(100));
    (c.spec as { type?: unknown }).type = undefined;
    m.recordAnswer(c, status('Failed'));
    expect(await scrape(m)).toContain(
      `cnf_deployments_total{status="failure",cnf_type="unknown",function="${'F'.repeat(63)}"} 1`,
    );
  });
});

describe('through the app', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('a sync answering Active for a Provisioning parent shows the e2e literal on GET /metrics', async () => {
    const toActive: Reconciler = {
      reconcile: (input) => ({ children: input.children, status: { phase: 'Active' }, actions: [] }),
      finalize: (input) => ({
        children: input.children,
        status: { phase: 'Deleted' },
        actions: [],
        finalized: true,
      }),
      applyActionResults: (o) => o,
    };
    t = await makeApp({ reconciler: toActive });
    const req = fixture('sync-with-children');
    req.children = {};
    expect((await post(t.app, '/sync', req)).statusCode).toBe(200);
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^cnf_deployments_total\{status="success"\} 1$/m);
    expect(text).toContain('cnf_active_count{cnf_type="5G-Core",function="AMF",phase="Active"} 1');
    expect(text).toContain('nephoran_hook_requests_total{hook="sync",outcome="success"} 1');

    expect((await post(t.app, '/finalize', fixture('finalize'))).json<Json>().finalized).toBe(true);
    const after = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(after).not.toContain('cnf_active_count{');
  });

  it('labels hook requests by route and outcome; unknown routes are __unknown__; /metrics is not counted', async () => {
    t = await makeApp();
    await t.app.inject({ method: 'GET', url: '/nope/123' });
    await t.app.inject({ method: 'GET', url: '/nope/456' });
    await post(t.app, '/sync', { parent: {} });
    await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/metrics' });
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('nephoran_hook_requests_total{hook="__unknown__",outcome="client_error"} 2');
    expect(text).toContain('nephoran_hook_requests_total{hook="sync",outcome="client_error"} 1');
    expect(text).toContain('nephoran_hook_requests_total{hook="healthz",outcome="success"} 1');
    expect(text).toContain('nephoran_hook_duration_seconds_count{hook="sync",outcome="client_error"} 1');
    expect(text).not.toContain('hook="metrics"');
  });

  it('default process metrics are on the same registry in production', async () => {
    const m = new HookMetrics({ now: Date.now, gaugeTtlSeconds: 60 });
    expect(await m.registry.metrics()).toContain('process_cpu_seconds_total');
    m.event('sent');
    expect(await m.registry.metrics()).toContain('nephoran_events_total{result="sent"} 1');
  });
});

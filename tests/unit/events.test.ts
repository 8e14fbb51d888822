// Which events an answer produces (pure), how the recorder deduplicates and bounds them, and that
// a failing Events API never fails a hook.
import { afterEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import { eventsForAnswer } from '../../lib/events.ts';
import {
  ApiReachability,
  KubeEventRecorder,
  kubeApiFromKubeConfig,
  type EventOutcome,
  type InvolvedObject,
} from '../../lib/clients/kube.ts';
import type { ErrorReason } from '../../lib/errors.ts';
import type { ActionResult, StatusError } from '../../lib/types.ts';
import { fixture, makeApp, post, type TestApp } from './hooks.helpers.ts';
import { forbidNetwork } from '../network.ts';

forbidNetwork();

const OBJ: InvolvedObject = {
  apiVersion: 'nephoran.com/v1',
  kind: 'CNFDeployment',
  name: 'test-amf',
  namespace: 'default',
  uid: 'u-1',
};
const err = (reason: ErrorReason, extra: Partial<StatusError> = {}): StatusError => ({
  class: 'Transient',
  reason,
  message: `${reason} happened`,
  since: '2026-02-16T10:00:00Z',
  ...extra,
});

describe('eventsForAnswer', () => {
  it('a phase change is a Normal PhaseChanged; Degraded is a Warning', () => {
    expect(eventsForAnswer({ phase: 'Pending' }, { phase: 'Provisioning' }, [])).toEqual([
      { type: 'Normal', reason: 'PhaseChanged', message: 'phase Pending → Provisioning' },
    ]);
    expect(eventsForAnswer(undefined, { phase: 'Pending' }, [])[0]!.message).toBe('phase (none) → Pending');
    expect(eventsForAnswer({ phase: 'Active' }, { phase: 'Degraded' }, [])[0]!.type).toBe('Warning');
    expect(eventsForAnswer({ phase: 'Active' }, { phase: 'Active' }, [])).toEqual([]);
  });

  it('moving to Failed is one Warning carrying the error', () => {
    const ev = eventsForAnswer(
      { phase: 'Pending' },
      { phase: 'Failed', lastError: err('InvalidSpec', { class: 'Configuration' }) },
      [],
    );
    expect(ev).toEqual([
      {
        type: 'Warning',
        reason: 'Failed',
        message: 'phase Pending → Failed: Configuration/InvalidSpec: InvalidSpec happened',
      },
    ]);
    expect(eventsForAnswer({ phase: 'Pending' }, { phase: 'Failed' }, [])[0]!.message).toBe(
      'phase Pending → Failed',
    );
  });

  it('a new non-action error is a Warning with its reason; an unchanged one is not repeated', () => {
    expect(
      eventsForAnswer({ phase: 'Active' }, { phase: 'Active', lastError: err('PorchObserveFailed') }, []),
    ).toEqual([
      { type: 'Warning', reason: 'PorchObserveFailed', message: 'Transient: PorchObserveFailed happened' },
    ]);
    expect(
      eventsForAnswer(
        { phase: 'Active', lastError: err('PorchObserveFailed') },
        { phase: 'Active', lastError: err('PorchObserveFailed') },
        [],
      ),
    ).toEqual([]);
    // Action errors are reported by the action's own event.
    expect(
      eventsForAnswer(
        { phase: 'Active' },
        { phase: 'Active', lastError: err('HTTP503', { action: 'x' }) },
        [],
      ),
    ).toEqual([]);
  });

  it('action outcomes: written, approved, failures; skipped ones are silent', () => {
    const write = {
      type: 'writeResources' as const,
      name: 'pr1',
      namespace: 'default',
      files: {},
      contentHash: 'abcdef0123456789',
    };
    const approve = { type: 'approve' as const, name: 'pr1', namespace: 'default', contentHash: 'h' };
    const results: ActionResult[] = [
      { action: write, ok: true },
      { action: approve, ok: true },
      { action: approve, ok: true, skipped: true },
      { action: write, ok: false, error: { class: 'Transient', reason: 'HTTP503', message: 'down' } },
      { action: approve, ok: false },
    ];
    expect(eventsForAnswer({ phase: 'Provisioning' }, { phase: 'Provisioning' }, results)).toEqual([
      { type: 'Normal', reason: 'ResourcesWritten', message: 'pr1: wrote package content abcdef012345' },
      { type: 'Normal', reason: 'Approved', message: 'pr1: approved, now Published' },
      { type: 'Warning', reason: 'WriteResourcesFailed', message: 'pr1: Transient/HTTP503: down' },
      { type: 'Warning', reason: 'ApproveFailed', message: 'pr1: failed' },
    ]);
  });

  it('finalized, and messages capped at 1000 characters', () => {
    const ev = eventsForAnswer(
      { phase: 'Terminating' },
      { phase: 'Deleted', lastError: err('Timeout', { message: 'm'.repeat(5000) }) },
      [],
      true,
    );
    expect(ev.map((e) => e.reason)).toEqual(['PhaseChanged', 'Timeout', 'Finalized']);
    expect(ev[1]!.message.length).toBe(1000);
  });
});

describe('KubeEventRecorder', () => {
  function recorder(api: (ns: string, e: CoreV1Event) => Promise<void>, opts: { maxQueue?: number } = {}) {
    const clock = { t: Date.parse('2026-02-16T10:00:00Z') };
    const outcomes: EventOutcome[] = [];
    const sent: CoreV1Event[] = [];
    const r = new KubeEventRecorder({
      api: {
        createEvent: async (ns, e) => {
          await api(ns, e);
          sent.push(e);
        },
      },
      now: () => clock.t,
      dedupTtlMs: 60_000,
      instance: 'hooks-0',
      onOutcome: (o) => outcomes.push(o),
      ...opts,
    });
    return { r, clock, outcomes, sent };
  }
  const ev = { type: 'Normal' as const, reason: 'PhaseChanged', message: 'phase Pending → Provisioning' };

  it('sends a core/v1 Event about the CNFDeployment (with uid)', async () => {
    const { r, sent } = recorder(() => Promise.resolve());
    r.record(OBJ, ev);
    await r.flush(1000);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      metadata: { namespace: 'default', name: expect.stringMatching(/^test-amf\.[0-9a-f]+$/) },
      involvedObject: { kind: 'CNFDeployment', name: 'test-amf', namespace: 'default', uid: 'u-1' },
      type: 'Normal',
      reason: 'PhaseChanged',
      count: 1,
      source: { component: 'nephoran-cnf-controller' },
      reportingInstance: 'hooks-0',
    });
  });

  it('deduplicates the same uid + reason + message within the TTL, and sends again after it', async () => {
    const { r, clock, outcomes, sent } = recorder(() => Promise.resolve());
    r.record(OBJ, ev);
    r.record(OBJ, ev);
    r.record({ ...OBJ, uid: 'u-2' }, ev);
    r.record(OBJ, { ...ev, message: 'other' });
    await r.flush(1000);
    expect(sent).toHaveLength(3);
    clock.t += 61_000;
    r.record(OBJ, ev);
    await r.flush(1000);
    expect(sent).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'deduplicated')).toHaveLength(1);
  });

  it('an API failure is counted and swallowed; later events still go out', async () => {
    let fail = true;
    const { r, outcomes, sent } = recorder(() =>
      fail ? Promise.reject(new Error('forbidden')) : Promise.resolve(),
    );
    r.record(OBJ, ev);
    await r.flush(1000);
    fail = false;
    r.record(OBJ, { ...ev, message: 'next' });
    await r.flush(1000);
    expect(outcomes).toEqual(['failed', 'sent']);
    expect(sent).toHaveLength(1);
  });

  it('bounds the queue: beyond it events are dropped, record() never blocks', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { r, outcomes } = recorder(() => gate, { maxQueue: 2 });
    for (let i = 0; i < 5; i++) r.record(OBJ, { ...ev, message: `m${i}` });
    // The first is in flight, two wait, two are dropped.
    expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(2);
    await r.flush(10); // bounded: returns although the API hangs
    release();
    await r.flush(1000);
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(3);
    await r.flush(10); // nothing in flight
  });
});

describe('the hook answer never depends on the Events API', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
  });

  it('an Events API that fails or hangs does not fail or delay /sync', async () => {
    const outcomes: EventOutcome[] = [];
    const events = new KubeEventRecorder({
      api: {
        createEvent: () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('503')), 50)),
      },
      onOutcome: (o) => outcomes.push(o),
    });
    t = await makeApp({ events });
    const started = Date.now();
    const res = await post(t.app, '/sync', fixture('sync-invalid-spec'));
    expect(res.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    await events.flush(1000);
    expect(outcomes).toContain('failed');
  });
});

describe('kubeApiFromKubeConfig (client-node, mocked API server)', () => {
  const SERVER = 'https://kube.test:6443';
  function kc(): KubeConfig {
    const k = new KubeConfig();
    k.loadFromString(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: SERVER, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 'tok' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    return k;
  }

  it('creates core/v1 Events in the object namespace', async () => {
    let body: unknown;
    const scope = nock(SERVER, { reqheaders: { authorization: 'Bearer tok' } })
      .post('/api/v1/namespaces/default/events', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(201, {});
    const r = new KubeEventRecorder({ api: kubeApiFromKubeConfig(kc()) });
    r.record(OBJ, { type: 'Warning', reason: 'Failed', message: 'x' });
    await r.flush(2000);
    scope.done();
    expect(body).toMatchObject({ involvedObject: { uid: 'u-1', kind: 'CNFDeployment' }, reason: 'Failed' });
  });

  it('ping() reaches /version; ApiReachability caches the answer', async () => {
    const scope = nock(SERVER).get('/version').reply(200, { major: '1', minor: '36', gitVersion: 'v1.36.0' });
    let t = 0;
    const reach = new ApiReachability({
      api: kubeApiFromKubeConfig(kc()),
      now: () => t,
      ttlMs: 5000,
      timeoutMs: 10_000,
    });
    expect({ ok: await reach.check(), error: reach.lastError }).toEqual({ ok: true, error: undefined });
    expect(await reach.check()).toBe(true); // cached: no second request
    scope.done();
    t = 6000;
    nock(SERVER).get('/version').reply(500, 'down');
    expect(await reach.check()).toBe(false);
    expect(reach.lastError).toBeDefined();
  });

  it('ApiReachability is single-flight and reports timeouts', async () => {
    let calls = 0;
    const reach = new ApiReachability({
      api: {
        ping: () => {
          calls++;
          return Promise.reject(new Error('timeout'));
        },
      },
    });
    const [a, b] = await Promise.all([reach.check(), reach.check()]);
    expect([a, b, calls]).toEqual([false, false, 1]);
    expect(reach.lastError).toBe('timeout');
  });
});

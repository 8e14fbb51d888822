// Property tests: random lives of a CNF (spec changes, readiness flips, Porch/GitOps hiccups, time)
// driven through the simulator. After every sync: no throw, Porch-valid child names, only table
// transitions, nothing Porch would refuse, a status the CRD accepts, and status feedback converges.
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { reconcile } from '../../lib/reconcile/index.ts';
import { isTransitionAllowed } from '../../lib/phase.ts';
import { isDNS1123Subdomain } from '../../lib/naming.ts';
import { validateStatus } from '../../lib/validate.ts';
import { World } from '../fixtures/simulator.ts';
import type { PackageRevision, Phase, ReconcileInput, ReconcileOutput } from '../../lib/types.ts';

type Op =
  | { t: 'sync' }
  | { t: 'advance'; s: number }
  | { t: 'replicas'; n: number }
  | { t: 'image'; i: number }
  | { t: 'ready'; v: boolean }
  | { t: 'gitops'; v: boolean }
  | { t: 'dropDraft' }
  | { t: 'actionFail'; v: boolean }
  | { t: 'obsError'; v: boolean }
  | { t: 'invalid' }
  | { t: 'fix' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Op>({ t: 'sync' }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 90 }).map<Op>((s) => ({ t: 'advance', s })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map<Op>((n) => ({ t: 'replicas', n })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map<Op>((i) => ({ t: 'image', i })) },
  { weight: 2, arbitrary: fc.boolean().map<Op>((v) => ({ t: 'ready', v })) },
  { weight: 1, arbitrary: fc.boolean().map<Op>((v) => ({ t: 'gitops', v })) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'dropDraft' }) },
  { weight: 1, arbitrary: fc.boolean().map<Op>((v) => ({ t: 'actionFail', v })) },
  { weight: 1, arbitrary: fc.boolean().map<Op>((v) => ({ t: 'obsError', v })) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'invalid' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'fix' }) },
);

const specArb = fc.record({
  replicas: fc.integer({ min: 1, max: 4 }),
  cooldown: fc.constantFrom(0, 30),
  autoRollback: fc.boolean(),
  deadline: fc.integer({ min: 10, max: 120 }),
  manual: fc.boolean(),
  packageName: fc.option(fc.constantFrom('core/amf-a', 'amf'), { nil: undefined }),
});

/** Metacontroller applying an answer's children onto the observed ones (no Porch actions run). */
function metacontrollerApply(observed: PackageRevision[], desired: PackageRevision[]): PackageRevision[] {
  const seen = new Map(observed.map((c) => [c.metadata.name, c]));
  const kept = observed.filter(
    (c) => c.spec.lifecycle === 'Published' && !desired.some((d) => d.metadata.name === c.metadata.name),
  );
  const applied = desired.map((d) => {
    const o = seen.get(d.metadata.name);
    if (o === undefined) {
      const created = structuredClone(d);
      created.spec.lifecycle = 'Draft';
      created.spec.revision = 0;
      return created;
    }
    const next = structuredClone(o);
    if (d.spec.lifecycle !== undefined) next.spec.lifecycle = d.spec.lifecycle;
    if (d.metadata.annotations !== undefined)
      next.metadata.annotations = { ...next.metadata.annotations, ...d.metadata.annotations };
    return next;
  });
  return [...kept, ...applied];
}

/** Feeding status (and applied children) back converges within a few steps, then stays put. */
function expectConverges(start: ReconcileInput): void {
  let inp = start;
  let out: ReconcileOutput = reconcile(inp);
  for (let i = 0; i < 8; i++) {
    const next: ReconcileInput = {
      ...inp,
      parent: { ...inp.parent, status: out.status },
      children: metacontrollerApply(inp.children, out.children),
    };
    const again = reconcile(next);
    if (JSON.stringify(again) === JSON.stringify(out)) {
      expect(again).toEqual(out);
      return;
    }
    inp = next;
    out = again;
  }
  throw new Error(`no fixed point: ${JSON.stringify(out.status.phase)}`);
}

function checkAnswer(before: Phase, out: ReconcileOutput, w: World): void {
  const after = out.status.phase ?? 'Pending';
  expect([before, after, isTransitionAllowed(before, after)]).toEqual([before, after, true]);
  for (const c of out.children) {
    const expected = `${c.spec.repository}.${c.spec.packageName.split('/').join('.')}.${c.spec.workspaceName}`;
    expect(c.metadata.name).toBe(expected);
    expect(isDNS1123Subdomain(c.metadata.name)).toBe(true);
    expect(c.metadata.labels?.['kpt.dev/latest-revision']).toBeUndefined();
  }
  expect(
    out.children.filter((c) => c.spec.lifecycle === 'Draft' || c.spec.lifecycle === 'Proposed').length,
  ).toBeLessThanOrEqual(1);
  expect(w.refusals).toEqual([]);
  expect(validateStatus(out.status)).toEqual([]);
  if (out.resyncAfterSeconds !== undefined) expect(out.resyncAfterSeconds).toBeGreaterThan(0);
}

describe('reconcile properties', () => {
  it('random lives: never throws, valid names, table transitions, no Porch refusals, CRD-valid status, converges', () => {
    fc.assert(
      fc.property(specArb, fc.array(opArb, { minLength: 5, maxLength: 60 }), (s, ops) => {
        const porch: { approval: 'Manual' | 'Automatic'; packageName?: string } = {
          approval: s.manual ? 'Manual' : 'Automatic',
        };
        if (s.packageName !== undefined) porch.packageName = s.packageName;
        const w = new World({
          spec: {
            replicas: s.replicas,
            maxReplicas: 5,
            porch,
            rollout: { autoRollback: s.autoRollback, progressDeadlineSeconds: s.deadline },
            scaling: { cooldownSeconds: s.cooldown },
          },
        });
        let failActions = false;
        for (const op of ops) {
          switch (op.t) {
            case 'sync': {
              const before = w.parent.status?.phase ?? 'Pending';
              const snapshot = w.input();
              expectConverges(snapshot);
              const out = w.sync();
              checkAnswer(before, out, w);
              // Manual approval: a human approves eventually.
              if (s.manual && w.syncs % 3 === 0) {
                for (const c of w.children.values()) {
                  if (c.spec.lifecycle === 'Proposed') {
                    const max = Math.max(0, ...[...w.children.values()].map((x) => x.spec.revision ?? 0));
                    c.spec.lifecycle = 'Published';
                    c.spec.revision = max + 1;
                    c.status = { publishTimestamp: w.now };
                  }
                }
              }
              break;
            }
            case 'advance':
              w.advance(op.s);
              break;
            case 'replicas':
              w.setSpec({ replicas: op.n });
              break;
            case 'image':
              w.setSpec({ image: `registry.example/amf:${op.i}` });
              break;
            case 'ready':
              w.podsReady = () => op.v;
              w.gitopsSync();
              break;
            case 'gitops':
              w.gitops = op.v;
              break;
            case 'dropDraft':
              for (const [name, c] of w.children) if (c.spec.lifecycle === 'Draft') w.children.delete(name);
              break;
            case 'actionFail':
              failActions = op.v;
              w.failActions = failActions
                ? () => ({
                    class: 'Transient',
                    reason: 'Conflict',
                    message: 'another request is in progress',
                  })
                : undefined;
              break;
            case 'obsError':
              w.observationErrors = op.v
                ? [{ class: 'Transient', reason: 'ConnectionFailed', message: 'timeout', since: w.now }]
                : [];
              break;
            case 'invalid':
              w.setSpec({ replicas: 9 });
              break;
            case 'fix':
              w.setSpec({ replicas: 2 });
              break;
          }
        }
        // And deletion always finishes.
        w.failActions = undefined;
        w.observationErrors = [];
        w.markDeleted();
        for (let i = 0; i < 10 && !w.finalized; i++) {
          const before = w.parent.status?.phase ?? 'Pending';
          const out = w.sync();
          checkAnswer(before, out, w);
          if (w.children.size === 0) w.removeWorkload();
          w.advance(2);
        }
        expect(w.finalized).toBe(true);
        expect(w.parent.status?.phase).toBe('Deleted');
      }),
      { numRuns: 60 },
    );
  });
});

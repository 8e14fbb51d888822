// Porch's human workflow against the pure core, in the scenario simulator (tests/fixtures/simulator.ts,
// whose `children` map is Porch's state): a reviewer's reject (Proposed → Draft) and propose-delete
// (Published → DeletionProposed) are decisions the controller does not override (docs/lifecycle.md,
// "Reviewers' decisions").
import { describe, expect, it } from '@jest/globals';
import { ANNOTATION_PROPOSE_AGAIN } from '../../lib/labels.ts';
import type { Condition, PackageRevision } from '../../lib/types.ts';
import { World } from '../fixtures/simulator.ts';

const published = (w: World): Condition | undefined =>
  w.parent.status?.conditions?.find((c) => c.type === 'PackagePublished');

function only(w: World, lifecycle: string): PackageRevision {
  const found = [...w.children.values()].filter((c) => c.spec.lifecycle === lifecycle);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function manualWorld(): World {
  const w = new World({ spec: { porch: { approval: 'Manual' } } });
  w.runUntil((x) => published(x)?.reason === 'AwaitingApproval');
  return w;
}

describe('a reviewer rejects a revision (approval Manual)', () => {
  it('is not proposed again until the user asks with a new propose-again value', () => {
    const w = manualWorld();
    const rev = only(w, 'Proposed');
    rev.spec.lifecycle = 'Draft'; // porchctl rpkg reject
    for (let i = 0; i < 5; i++) {
      w.sync();
      w.advance(30);
    }
    expect(rev.spec.lifecycle).toBe('Draft');
    expect(published(w)).toMatchObject({
      status: 'False',
      reason: 'Rejected',
      message: expect.stringContaining(`${ANNOTATION_PROPOSE_AGAIN}=<a new value>`),
    });
    const entry = w.parent.status?.history?.find((h) => h.name === rev.metadata.name);
    expect(entry).toMatchObject({
      proposedAt: expect.any(String),
      rejectedAt: expect.any(String),
      proposeAgain: '',
    });

    // The user asks again.
    w.parent.metadata.annotations = { [ANNOTATION_PROPOSE_AGAIN]: '1' };
    w.sync();
    expect(rev.spec.lifecycle).toBe('Proposed');
    w.sync();
    expect(published(w)?.reason).toBe('AwaitingApproval');
    expect(w.parent.status?.history?.find((h) => h.name === rev.metadata.name)?.rejectedAt).toBeUndefined();

    // Rejected again: the value seen now is '1', so '1' does not ask again; '2' does.
    rev.spec.lifecycle = 'Draft';
    w.sync();
    w.sync();
    expect(rev.spec.lifecycle).toBe('Draft');
    expect(published(w)?.reason).toBe('Rejected');
    w.parent.metadata.annotations = { [ANNOTATION_PROPOSE_AGAIN]: '2' };
    w.sync();
    expect(rev.spec.lifecycle).toBe('Proposed');
    expect(w.refusals).toEqual([]);
  });

  it('a spec change moves on: the rejected revision is superseded by a new one', () => {
    const w = manualWorld();
    const rev = only(w, 'Proposed');
    rev.spec.lifecycle = 'Draft';
    w.sync();
    expect(published(w)?.reason).toBe('Rejected');
    w.setSpec({ replicas: 3 });
    w.runUntil((x) => published(x)?.reason === 'AwaitingApproval');
    const next = only(w, 'Proposed');
    expect(next.metadata.name).not.toBe(rev.metadata.name);
    expect(w.children.has(rev.metadata.name)).toBe(false);
  });

  it('a reviewer proposing it again by hand ends the rejection', () => {
    const w = manualWorld();
    const rev = only(w, 'Proposed');
    rev.spec.lifecycle = 'Draft';
    w.sync();
    rev.spec.lifecycle = 'Proposed'; // porchctl rpkg propose
    w.sync();
    expect(published(w)?.reason).toBe('AwaitingApproval');
    rev.spec.lifecycle = 'Published'; // porchctl rpkg approve
    rev.spec.revision = 1;
    w.runUntil((x) => x.parent.status?.phase === 'Active');
  });

  it('with approval Automatic, a rejection is proposed and approved again (the spec says so)', () => {
    const w = manualWorld();
    const rev = only(w, 'Proposed');
    rev.spec.lifecycle = 'Draft';
    w.sync();
    w.setSpec({ porch: { approval: 'Automatic' } });
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    expect(w.children.get(rev.metadata.name)?.spec.lifecycle).toBe('Published');
  });
});

describe('a reviewer proposes a published revision for deletion', () => {
  it('stays (Metacontroller is not asked to delete it) until the reviewer approves the deletion', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const rev = only(w, 'Published');
    rev.spec.lifecycle = 'DeletionProposed'; // porchctl rpkg propose-delete
    for (let i = 0; i < 3; i++) {
      const out = w.sync();
      expect(out.children.map((c) => c.metadata.name)).toContain(rev.metadata.name);
      expect(out.actions.filter((a) => a.name === rev.metadata.name)).toEqual([]);
      w.advance(30);
    }
    expect(w.children.get(rev.metadata.name)?.spec.lifecycle).toBe('DeletionProposed');
    expect(w.parent.status?.phase).toBe('Active');
    expect(published(w)).toMatchObject({
      status: 'True',
      message: expect.stringContaining('a reviewer proposed it for deletion'),
    });

    // The reviewer approves the deletion (porchctl rpkg del): the spec, which still asks for this
    // content, is published again as a new revision.
    w.children.delete(rev.metadata.name);
    w.runUntil(
      (x) =>
        x.parent.status?.phase === 'Active' &&
        [...x.children.values()].some((c) => c.spec.lifecycle === 'Published'),
    );
    expect(only(w, 'Published').metadata.name).not.toBe(rev.metadata.name);
    expect(w.refusals).toEqual([]);
  });

  it('a reviewer rejecting the deletion leaves everything as it was', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const rev = only(w, 'Published');
    rev.spec.lifecycle = 'DeletionProposed';
    w.sync();
    rev.spec.lifecycle = 'Published'; // porchctl rpkg reject
    w.sync();
    expect(published(w)?.message).not.toContain('deletion');
    expect([...w.children.values()].map((c) => c.metadata.name)).toEqual([rev.metadata.name]);
  });
});

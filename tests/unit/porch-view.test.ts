// Porch under load (docs/operations.md, "Porch under load"): what Porch holds for a CNF's package set
// against what Metacontroller shows, and what the reconciler does about it — never asking for a
// revision Porch already holds (Porch would push a second draft: "non-fast-forward update"), adopting
// revisions whose labels Porch dropped, deleting the unpublished twin of a name held twice, cleaning up
// everything on delete (the branch revision found, not assumed), and adopting what a deleted CNF of
// the same name left behind.
import { describe, expect, it } from '@jest/globals';
import { freshest, listingNeeded, ownershipOf, porchView } from '../../lib/porch-view.ts';
import { finalize, reconcile } from '../../lib/reconcile/index.ts';
import { LABEL_CONTROLLER_UID } from '../../lib/labels.ts';
import type { PackageRevision, ReconcileOutput } from '../../lib/types.ts';
import { cnf, input, packageRevision } from '../fixtures/builders.ts';
import { World } from '../fixtures/simulator.ts';

const cond = (out: ReconcileOutput, type: string) => out.status.conditions?.find((c) => c.type === type);

function unlabelled(pr: PackageRevision): PackageRevision {
  return { ...pr, metadata: { ...pr.metadata, labels: {} } };
}

describe('porchView and listingNeeded', () => {
  it('finds twins, revisions Metacontroller does not see, the branch revision and a foreign owner', () => {
    const parent = cnf();
    const a = packageRevision({
      workspace: 'r1-0123456789',
      contentHash: 'h',
      lifecycle: 'Published',
      revision: 1,
    });
    const b = packageRevision({ workspace: 'r2-0123456789', contentHash: 'h', lifecycle: 'Draft' });
    const branch: PackageRevision = {
      ...packageRevision({ workspace: 'main', contentHash: 'h', lifecycle: 'Published', revision: -1 }),
    };
    const view = porchView([a, b, b, branch], parent, [a]);
    expect([...(view?.twins ?? [])]).toEqual([b.metadata.name]);
    expect(view?.unobserved.map((pr) => pr.metadata.name)).toEqual([b.metadata.name, b.metadata.name]);
    expect(view?.branch.map((pr) => pr.metadata.name)).toEqual([branch.metadata.name]);
    expect(view?.ownedByOther).toBeUndefined();
    const foreign = {
      ...a,
      metadata: { ...a.metadata, ownerReferences: [{ ...ownershipOf(cnf({ name: 'other' }))!.owner }] },
    };
    expect(porchView([foreign], parent, [])?.ownedByOther).toBe('other');
    expect(porchView([foreign], parent, [])?.unobserved).toEqual([]);
    expect(porchView(undefined, parent, [])).toBeUndefined();
  });

  it("freshest: lifecycle, revision and version from Porch's listing; our metadata as observed; twins and unlisted as observed", () => {
    const observed = packageRevision({ workspace: 'r1-0123456789', contentHash: 'h', lifecycle: 'Draft' });
    observed.metadata.resourceVersion = 'commit-1';
    // Porch has moved it on, and (under load) dropped its metadata.
    const listed: PackageRevision = {
      ...observed,
      metadata: { name: observed.metadata.name, namespace: 'default', resourceVersion: 'commit-2' },
      spec: { ...observed.spec, lifecycle: 'Published', revision: 1 },
    };
    const [fresh] = freshest([observed], [listed]);
    expect(fresh?.spec).toMatchObject({ lifecycle: 'Published', revision: 1 });
    expect(fresh?.metadata.resourceVersion).toBe('commit-2');
    expect(fresh?.metadata.annotations).toEqual(observed.metadata.annotations);
    expect(fresh?.metadata.labels).toEqual(observed.metadata.labels);
    expect(freshest([observed], [listed, listed])).toEqual([observed]);
    expect(freshest([observed], [])).toEqual([observed]);
    expect(freshest([observed], undefined)).toEqual([observed]);
  });

  it('lists only while a revision may be asked for or moved, or is not where status says; always while deleting', () => {
    const published = packageRevision({
      workspace: 'r1-0123456789',
      contentHash: 'h',
      lifecycle: 'Published',
      revision: 1,
    });
    const settled = cnf({
      status: {
        observedGeneration: 1,
        packageRevision: published.metadata.name,
        history: [
          {
            name: published.metadata.name,
            workspace: 'r1-0123456789',
            revision: 1,
            contentHash: 'h',
            generation: 1,
            outcome: 'Healthy',
            createdAt: 't',
          },
        ],
      },
    });
    expect(listingNeeded(settled, [published])).toBe(false);
    expect(listingNeeded(settled, [])).toBe(true);
    expect(listingNeeded(settled, [{ ...published, spec: { ...published.spec, lifecycle: 'Draft' } }])).toBe(
      true,
    );
    expect(
      listingNeeded({ ...settled, status: { ...settled.status, packageRevision: 'x' } }, [published]),
    ).toBe(true);
    // Published and observed, the workload still coming up: nothing for Porch to tell.
    const pending = structuredClone(settled);
    pending.status!.history![0]!.outcome = 'Pending';
    expect(listingNeeded(pending, [published])).toBe(false);
    // A spec change not yet reconciled may ask for a new revision.
    const changed = structuredClone(settled);
    changed.metadata.generation = 2;
    expect(listingNeeded(changed, [published])).toBe(true);
    expect(listingNeeded(cnf({ deletionTimestamp: 't' }), [published])).toBe(true);
  });
});

describe('reconcile with what Porch holds', () => {
  it('never asks for a revision Porch holds that Metacontroller does not show: adopts it instead', () => {
    const w = new World();
    w.sync(); // asks for r1
    const name = w.parent.status?.packageRevision ?? '';
    expect(w.children.has(name)).toBe(true);
    w.dropLabels(name); // Porch under load: the revision's metadata is re-created bare
    const out = w.sync();
    expect(out.children.map((c) => c.metadata.name)).not.toContain(name);
    expect(cond(out, 'PackagePublished')).toMatchObject({ status: 'False', reason: 'Adopting' });
    expect(out.actions).toContainEqual(expect.objectContaining({ type: 'adoptPackageRevision', name }));
    expect(w.children.get(name)?.metadata.labels?.[LABEL_CONTROLLER_UID]).toBe(w.parent.metadata.uid);
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    expect(w.refusals).toEqual([]);
    expect([...w.children.keys()]).toEqual([name]);
  });

  it('adopts a published revision that lost its labels, so the latest content is not created again', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const name = w.parent.status?.packageRevision ?? '';
    w.dropLabels(name);
    w.runUntil((x) => x.observedChildren().length === 1, 10);
    expect(w.parent.status?.packageRevision).toBe(name);
    expect([...w.children.keys()]).toEqual([name]);
    expect(w.refusals).toEqual([]);
  });

  it.each(['Draft', 'Published'])(
    'a %s revision whose annotations Porch dropped too is adopted and kept: no second revision of the same content',
    (when) => {
      const w = new World();
      if (when === 'Draft') w.sync();
      else w.runUntil((x) => x.parent.status?.phase === 'Active');
      const name = w.parent.status?.packageRevision ?? '';
      w.dropLabels(name);
      delete w.children.get(name)!.metadata.annotations; // the whole metadata re-created bare
      w.runUntil((x) => x.parent.status?.phase === 'Active' && x.observedChildren().length === 1, 30);
      expect([...w.children.keys()]).toEqual([name]);
      expect(w.parent.status?.revision).toBe(1);
      expect(w.refusals).toEqual([]);
    },
  );

  it('a Draft whose draft branch Porch cannot find is left for a revision of the next sequence number', () => {
    const w = new World();
    w.sync(); // asks for r1
    const first = w.parent.status?.packageRevision ?? '';
    w.failActions = (a) =>
      a.type === 'propose' && a.name === first
        ? { class: 'Transient', reason: 'DraftBranchMissing', message: 'cannot find draft package branch' }
        : undefined;
    // Refused on two counted attempts (one could be Porch's cache lagging git for a moment).
    w.runUntil((x) => (x.parent.status?.lastError?.failures ?? 0) >= 2, 20);
    expect(w.parent.status?.lastError).toMatchObject({
      reason: 'DraftBranchMissing',
      action: `propose:${first}`,
    });
    w.failActions = undefined;
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const now = w.parent.status?.packageRevision ?? '';
    expect(now).not.toBe(first);
    expect(now).toMatch(/\.r2-[0-9a-f]{10}$/);
    expect(w.children.has(first)).toBe(false);
    expect(w.refusals).toEqual([]);
  });

  it('deletes the unpublished twin of a name Porch holds twice and moves on to a fresh workspace', () => {
    const parent = cnf();
    const first = reconcile(input(parent));
    const name = first.status.packageRevision ?? '';
    const draft = first.children[0]!;
    const twinA = { ...draft, spec: { ...draft.spec, lifecycle: 'Draft' as const } };
    const twinB = { ...draft, spec: { ...draft.spec, lifecycle: 'Proposed' as const } };
    const out = reconcile(
      input(
        { ...parent, status: first.status },
        { children: [twinB], observations: { packageRevisions: [twinA, twinB] } },
      ),
    );
    expect(out.actions).toContainEqual({ type: 'deletePackageRevision', name, namespace: 'default' });
    // The broken name is not the target any more: a new workspace carries the content.
    expect(out.status.packageRevision).not.toBe(name);
    expect(out.status.packageRevision).toMatch(/\.r2-/);
  });

  it('a new name never collides with a leftover Porch holds (numbering continues above it)', () => {
    const leftover = unlabelled(
      packageRevision({ workspace: 'r7-0123456789', contentHash: 'x', lifecycle: 'Draft' }),
    );
    const out = reconcile(input(cnf(), { observations: { packageRevisions: [leftover] } }));
    expect(out.status.packageRevision).toMatch(/\.r8-/);
    expect(out.actions).toContainEqual(
      expect.objectContaining({ type: 'adoptPackageRevision', name: leftover.metadata.name }),
    );
  });

  it('refuses a package another CNFDeployment owns, touching nothing (PackageInUse)', () => {
    const theirs = packageRevision({
      workspace: 'r1-0123456789',
      contentHash: 'x',
      lifecycle: 'Published',
      revision: 1,
    });
    theirs.metadata.ownerReferences = [ownershipOf(cnf({ name: 'someone-else' }))!.owner];
    const out = reconcile(input(cnf(), { observations: { packageRevisions: [theirs] } }));
    expect(out.status.phase).toBe('Failed');
    expect(out.status.lastError).toMatchObject({ class: 'Configuration', reason: 'PackageInUse' });
    expect(cond(out, 'SpecValid')).toMatchObject({ status: 'False', reason: 'PackageInUse' });
    expect(out.children).toEqual([]);
    expect(out.actions).toEqual([]);
    const fin = finalize(
      input(cnf({ deletionTimestamp: 't', status: { phase: 'Terminating' } }), {
        observations: { packageRevisions: [theirs] },
      }),
    );
    expect(fin.actions).toEqual([]);
    expect(fin.finalized).toBe(true);
  });
});

describe('delete leaves nothing behind; re-creating works', () => {
  it('finalize adopts revisions Metacontroller cannot see, deletes the branch revision last, and waits for Porch to list none', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    w.setSpec({ replicas: 3 });
    w.runUntil((x) => x.parent.status?.revision === 2 && x.parent.status.phase === 'Active');
    const names = [...w.children.keys()];
    expect(names).toHaveLength(2);
    w.dropLabels(names[0]!);
    w.markDeleted();
    w.runUntil((x) => x.children.size === 0 && x.branch === undefined, 30, 2);
    expect(w.finalized).toBe(false); // the workload is still there
    w.removeWorkload();
    w.runUntil((x) => x.finalized, 10, 2);
    expect(w.children.size).toBe(0);
    expect(w.branch).toBeUndefined();
    expect(w.refusals).toEqual([]);
  });

  it('a CNF created again with the same name adopts what the deleted one left and reaches Active', () => {
    const w = new World();
    w.runUntil((x) => x.parent.status?.phase === 'Active');
    const left = [...w.children.values()].map((c) => structuredClone(c));
    // The old CNF is gone (e.g. its finalize timed out); its revisions stay, owned by the old uid.
    const again = new World({ uid: 'uid-second' });
    for (const c of left) again.children.set(c.metadata.name, c);
    again.files = new Map(w.files);
    again.branch = w.branch;
    again.runUntil((x) => x.parent.status?.phase === 'Active');
    expect(again.refusals).toEqual([]);
    // The published leftover carries the same content: adopted, not made again.
    expect([...again.children.keys()]).toEqual(left.map((c) => c.metadata.name));
    for (const c of again.children.values())
      expect(c.metadata.labels?.[LABEL_CONTROLLER_UID]).toBe('uid-second');
  });
});

// status.history: a bounded summary of the package revisions this CNF went through. Entries change
// only when something observable happens (created, seen published, healthy, failed, superseded).
import type { RevisionHistoryEntry, RevisionOutcome } from './types.ts';
import type { ChildInfo, RevisionTarget } from './revisions.ts';

const HISTORY_LIMIT = 10;

export interface NewEntry {
  target: RevisionTarget;
  contentHash: string;
  generation: number;
  replicas: number;
  restartGeneration: number;
  /** The annotation nephoran.com/propose-again's value now ('' when absent). */
  proposeAgain: string;
}

/** Adds the target (when new), records publication, marks superseded pending entries; bounded. */
export function updateHistory(
  previous: readonly RevisionHistoryEntry[],
  children: readonly ChildInfo[],
  entry: NewEntry,
  now: string,
): RevisionHistoryEntry[] {
  const byName = new Map(children.map((c) => [c.name, c]));
  let history = previous.map((h) => ({ ...h }));
  if (!history.some((h) => h.name === entry.target.name)) {
    const observed = entry.target.info;
    const added: RevisionHistoryEntry = {
      name: entry.target.name,
      workspace: entry.target.workspace,
      revision: observed?.revision ?? 0,
      contentHash: entry.contentHash,
      generation: entry.generation,
      replicas: entry.replicas,
      restartGeneration: entry.restartGeneration,
      outcome: 'Pending',
      createdAt: observed?.child.metadata.creationTimestamp ?? now,
      trigger: entry.target.trigger,
    };
    history.push(added);
  }
  history = history.map((h) => {
    const c = byName.get(h.name);
    if (h.outcome === 'Pending') h = proposal(h, c, entry.proposeAgain, now);
    if (c?.lifecycle === 'Published' && h.outcome === 'Pending') {
      return {
        ...h,
        outcome: 'Published',
        revision: c.revision,
        publishedAt: c.child.status?.publishTimestamp ?? now,
      };
    }
    if (c?.lifecycle === 'Published' && h.revision !== c.revision) return { ...h, revision: c.revision };
    const unpublished = c === undefined || c.lifecycle === 'Draft' || c.lifecycle === 'Proposed';
    if (h.outcome === 'Pending' && h.name !== entry.target.name && unpublished) {
      return { ...h, outcome: 'Superseded', finishedAt: now };
    }
    return h;
  });
  return history.slice(-HISTORY_LIMIT);
}

/**
 * A pending revision's review in Porch: first seen Proposed (proposedAt), then seen back in Draft —
 * a reviewer rejected it (rejectedAt, with the propose-again annotation's value at that moment).
 * Seen Proposed again (proposed again, by the controller or by hand): the rejection is over.
 */
function proposal(
  h: RevisionHistoryEntry,
  c: ChildInfo | undefined,
  proposeAgain: string,
  now: string,
): RevisionHistoryEntry {
  if (c?.lifecycle === 'Proposed') {
    if (h.proposedAt !== undefined && h.rejectedAt === undefined) return h;
    const rest = { ...h, proposedAt: h.proposedAt ?? now };
    delete rest.rejectedAt;
    delete rest.proposeAgain;
    return rest;
  }
  if (c?.lifecycle === 'Draft' && h.proposedAt !== undefined && h.rejectedAt === undefined) {
    return { ...h, rejectedAt: now, proposeAgain };
  }
  return h;
}

/** Sets the outcome of one entry (no-op when already so), stamping finishedAt. */
export function markOutcome(
  history: RevisionHistoryEntry[],
  name: string,
  outcome: RevisionOutcome,
  now: string,
): RevisionHistoryEntry[] {
  return history.map((h) =>
    h.name === name && h.outcome !== outcome ? { ...h, outcome, finishedAt: now } : h,
  );
}

export function findEntry(
  history: readonly RevisionHistoryEntry[],
  name: string,
): RevisionHistoryEntry | undefined {
  return history.find((h) => h.name === name);
}

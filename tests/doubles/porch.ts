// An in-memory PorchClient for hook tests: content hashes per revision name, every call recorded.
import type {
  AdoptOutcome,
  ApproveOutcome,
  DeleteOutcome,
  PackageFilter,
  PorchClient,
  ProposeOutcome,
  ResourcesSnapshot,
  WriteOutcome,
} from '../../lib/clients/porch.ts';
import type { PackageRevision } from '../../lib/types.ts';

/** Porch stub: content hashes per revision name; calls recorded. */
export class StubPorch implements PorchClient {
  readonly hashes = new Map<string, string | null | Error>();
  readonly calls: string[] = [];
  /** What listPackageRevisions answers (Porch's view of the package, whatever the labels). */
  listed: PackageRevision[] = [];
  getPackageRevision(_ns: string, name: string): Promise<PackageRevision> {
    this.calls.push(`getPackageRevision ${name}`);
    return Promise.reject(new Error('not scripted'));
  }
  getResources(ns: string, name: string): Promise<ResourcesSnapshot> {
    this.calls.push(`getResources ${ns}/${name}`);
    const h = this.hashes.get(name) ?? null;
    if (h instanceof Error) return Promise.reject(h);
    return Promise.resolve({ resourceVersion: '1', resources: {}, contentHash: h });
  }
  writeResources(
    _ns: string,
    name: string,
    _files: Record<string, string>,
    hash: string,
  ): Promise<WriteOutcome> {
    this.calls.push(`writeResources ${name}`);
    this.hashes.set(name, hash);
    return Promise.resolve('written');
  }
  propose(_ns: string, name: string): Promise<ProposeOutcome> {
    this.calls.push(`propose ${name}`);
    return Promise.resolve('proposed');
  }
  approve(_ns: string, name: string): Promise<ApproveOutcome> {
    this.calls.push(`approve ${name}`);
    return Promise.resolve('approved');
  }
  deletePackageRevision(_ns: string, name: string): Promise<DeleteOutcome> {
    this.calls.push(`deletePackageRevision ${name}`);
    return Promise.resolve('deleted');
  }
  listPackageRevisions(ns: string, filter: PackageFilter): Promise<PackageRevision[]> {
    this.calls.push(`listPackageRevisions ${ns}/${filter.packageName}`);
    return Promise.resolve(this.listed.map((pr) => structuredClone(pr)));
  }
  adoptPackageRevision(_ns: string, name: string): Promise<AdoptOutcome> {
    this.calls.push(`adoptPackageRevision ${name}`);
    return Promise.resolve('adopted');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

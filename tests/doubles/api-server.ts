// The API server's copies of CNFDeployments, as the hooks read them before any write (flow.ts
// confirmParent). Tests put the objects the "cluster" holds; `reads` counts the hook's GETs.
import type { KubeApi } from '../../lib/clients/kube.ts';
import type { CNFDeployment } from '../../lib/types.ts';

export class MemoryApiServer implements Pick<KubeApi, 'getCNFDeployment'> {
  private readonly objects = new Map<string, CNFDeployment>();
  reads = 0;
  /** When set, every read fails with it (the API server unreachable). */
  failure: Error | undefined;

  /** Stores a copy, as the API server would hold it. */
  put(obj: CNFDeployment): void {
    const key = `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
    this.objects.set(key, structuredClone(obj));
  }

  delete(namespace: string, name: string): void {
    this.objects.delete(`${namespace}/${name}`);
  }

  getCNFDeployment(namespace: string, name: string): Promise<CNFDeployment | null> {
    this.reads++;
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const obj = this.objects.get(`${namespace}/${name}`);
    return Promise.resolve(obj === undefined ? null : structuredClone(obj));
  }
}

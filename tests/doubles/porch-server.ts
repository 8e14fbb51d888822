// An in-memory Porch on 127.0.0.1 that behaves like the real one where it matters for the client:
// PackageRevision and PackageRevisionResources share one resourceVersion; a stale resourceVersion
// is answered 500 "the object has been modified"; resources can be written only while Draft;
// approval works only on Proposed (422 otherwise); a LIST honours the spec.repository and
// spec.packageName field selectors; the Porch-managed label kpt.dev/latest-revision cannot be
// changed by a client (422 with Porch's text). Faults can be scripted per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OwnerReference, PackageLifecycle } from '../../lib/types.ts';

export interface StoredRevision {
  namespace: string;
  name: string;
  lifecycle: PackageLifecycle;
  resources: Record<string, string>;
  rv: number;
  /** From the name `<repository>.<package path with / as .>.<workspace>`, as Porch composes it. */
  repository: string;
  packageName: string;
  workspace: string;
  labels: Record<string, string>;
  ownerReferences: OwnerReference[];
}

const LATEST = 'kpt.dev/latest-revision';

export type FaultReply =
  { status: number; body: string; headers?: Record<string, string> } | 'hang' | 'reset';

export interface Fault {
  method?: string;
  /** Substring of the request path. */
  path?: string;
  reply: FaultReply;
  /** How many matching requests it applies to (default 1). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

const MODIFIED =
  'Internal error occurred: the object has been modified; please apply your changes to the latest version and try again';

export function kptfile(hash: string | null): string {
  const ann = hash === null ? '' : `  annotations:\n    nephoran.com/content-hash: ${hash}\n`;
  return `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n${ann}info:\n  description: test\n`;
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

export class FakePorch {
  readonly revisions = new Map<string, StoredRevision>();
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Successful content writes and approvals, in order. */
  readonly writes: Array<{ name: string; hash: string | null; rv: number }> = [];
  readonly approvals: string[] = [];
  readonly deletions: string[] = [];
  /** Porch's admission webhook: a Published revision must be DeletionProposed before DELETE. */
  webhook = true;
  /** Answer a resources write with a bare Status instead of the resources (as a proxy might). */
  bareWriteAnswers = false;
  /** Added latency before answering each request (widens race windows). */
  delayMs = 0;
  private server: Server | undefined;
  private rvCounter = 100;

  add(
    namespace: string,
    name: string,
    lifecycle: PackageLifecycle,
    hash: string | null = null,
    meta: { labels?: Record<string, string>; ownerReferences?: OwnerReference[] } = {},
  ): StoredRevision {
    const parts = name.split('.');
    const r: StoredRevision = {
      namespace,
      name,
      lifecycle,
      resources: { Kptfile: kptfile(hash) },
      rv: ++this.rvCounter,
      repository: parts[0] ?? '',
      packageName: parts.slice(1, -1).join('/'),
      workspace: parts[parts.length - 1] ?? '',
      labels: { ...meta.labels },
      ownerReferences: [...(meta.ownerReferences ?? [])],
    };
    this.revisions.set(`${namespace}/${name}`, r);
    return r;
  }

  fault(f: Fault): void {
    this.faults.push({ times: 1, ...f });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const path = req.url ?? '';
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, headers: req.headers, body });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));

    const fault = this.faults.find(
      (f) =>
        (f.method === undefined || f.method === method) && (f.path === undefined || path.includes(f.path)),
    );
    if (fault !== undefined) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      if (fault.reply === 'hang') return; // never answers; the client must time out
      if (fault.reply === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(fault.reply.status, { 'content-type': 'application/json', ...fault.reply.headers });
      res.end(fault.reply.body);
      return;
    }
    const [code, out] = this.route(method, path, body);
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(out);
  }

  private route(method: string, path: string, body: unknown): [number, string] {
    const list =
      /^\/apis\/porch\.kpt\.dev\/v1alpha1\/namespaces\/([^/]+)\/packagerevisions\?fieldSelector=(.*)$/.exec(
        path,
      );
    if (list !== null && method === 'GET')
      return this.list(decodeURIComponent(list[1]!), decodeURIComponent(list[2]!));
    const m =
      /^\/apis\/porch\.kpt\.dev\/v1alpha1\/namespaces\/([^/]+)\/(packagerevisions|packagerevisionresources)\/([^/]+)(\/approval)?$/.exec(
        path,
      );
    if (m === null) return [404, status(404, 'NotFound', `no route ${path}`)];
    const [, ns, kind, name, approval] = m as unknown as [string, string, string, string, string | undefined];
    const r = this.revisions.get(`${decodeURIComponent(ns)}/${decodeURIComponent(name)}`);
    if (r === undefined) return [404, status(404, 'NotFound', `${kind} "${name}" not found`)];
    const sentRv = (body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata
      ?.resourceVersion;

    if (kind === 'packagerevisionresources') {
      if (method === 'GET') return [200, JSON.stringify(this.resourcesObject(r))];
      if (method !== 'PUT') return [405, status(405, 'MethodNotAllowed', method)];
      if (sentRv !== String(r.rv)) return [500, status(500, 'InternalError', MODIFIED)];
      if (r.lifecycle !== 'Draft')
        return [400, status(400, 'BadRequest', 'cannot update: package must be Draft')];
      const resources = (body as { spec?: { resources?: Record<string, string> } }).spec?.resources ?? {};
      r.resources = { ...resources };
      r.rv = ++this.rvCounter;
      this.writes.push({ name: r.name, hash: hashOf(r.resources), rv: r.rv });
      if (this.bareWriteAnswers) return [200, status(200, 'Success', 'updated')];
      return [200, JSON.stringify(this.resourcesObject(r))];
    }
    if (method === 'GET' && approval === undefined) return [200, JSON.stringify(this.revisionObject(r))];
    if (method === 'PUT' && approval !== undefined) {
      if (sentRv !== String(r.rv)) return [500, status(500, 'InternalError', MODIFIED)];
      const lc = (body as { spec?: { lifecycle?: string } }).spec?.lifecycle;
      if (r.lifecycle !== 'Proposed' || lc !== 'Published') {
        return [422, status(422, 'Invalid', `cannot change approval from ${r.lifecycle} to ${lc ?? ''}`)];
      }
      r.lifecycle = 'Published';
      r.rv = ++this.rvCounter;
      this.approvals.push(r.name);
      return [200, JSON.stringify(this.revisionObject(r))];
    }
    if (method === 'PUT' && approval === undefined) {
      // Plain update: Porch allows Draft ↔ Proposed and Published ↔ DeletionProposed only.
      if (sentRv !== String(r.rv)) return [500, status(500, 'InternalError', MODIFIED)];
      const lc = (body as { spec?: { lifecycle?: PackageLifecycle } }).spec?.lifecycle ?? r.lifecycle;
      const published = (l: string): boolean => l === 'Published' || l === 'DeletionProposed';
      if (published(r.lifecycle) !== published(lc)) {
        return [422, status(422, 'Invalid', `value can be only updated to Draft,Proposed`)];
      }
      const meta = (
        body as { metadata?: { labels?: Record<string, string>; ownerReferences?: OwnerReference[] } }
      ).metadata;
      if ((meta?.labels?.[LATEST] ?? undefined) !== this.latestLabel(r)) {
        return [
          422,
          status(
            422,
            'Invalid',
            `PackageRevision.porch.kpt.dev "${r.name}" is invalid: metadata.labels.${LATEST}: Forbidden: label is managed by porch and cannot be modified by users`,
          ),
        ];
      }
      r.labels = { ...(meta?.labels ?? {}) };
      delete r.labels[LATEST];
      r.ownerReferences = [...(meta?.ownerReferences ?? [])];
      r.lifecycle = lc;
      r.rv = ++this.rvCounter;
      return [200, JSON.stringify(this.revisionObject(r))];
    }
    if (method === 'DELETE' && approval === undefined) {
      if (r.lifecycle === 'Published' && this.webhook) {
        return [
          403,
          status(
            403,
            'Forbidden',
            "must be proposed for deletion by setting spec.lifecycle to 'DeletionProposed'",
          ),
        ];
      }
      this.revisions.delete(`${r.namespace}/${r.name}`);
      this.deletions.push(r.name);
      return [200, status(200, 'Success', 'deleted')];
    }
    return [405, status(405, 'MethodNotAllowed', method)];
  }

  private list(namespace: string, selector: string): [number, string] {
    const want = Object.fromEntries(selector.split(',').map((kv) => kv.split('=') as [string, string]));
    const items = [...this.revisions.values()]
      .filter(
        (r) =>
          r.namespace === namespace &&
          (want['spec.repository'] === undefined || r.repository === want['spec.repository']) &&
          (want['spec.packageName'] === undefined || r.packageName === want['spec.packageName']),
      )
      .map((r) => this.revisionObject(r));
    return [
      200,
      JSON.stringify({ apiVersion: 'porch.kpt.dev/v1alpha1', kind: 'PackageRevisionList', items }),
    ];
  }

  /** Porch computes it on read: "true" on the highest published revision of a package. */
  private latestLabel(r: StoredRevision): string | undefined {
    if (r.lifecycle !== 'Published') return undefined;
    const higher = [...this.revisions.values()].some(
      (o) => o !== r && o.packageName === r.packageName && o.lifecycle === 'Published' && o.rv > r.rv,
    );
    return higher ? 'false' : 'true';
  }

  private revisionObject(r: StoredRevision): Record<string, unknown> {
    const latest = this.latestLabel(r);
    const labels = latest === undefined ? r.labels : { ...r.labels, [LATEST]: latest };
    return {
      apiVersion: 'porch.kpt.dev/v1alpha1',
      kind: 'PackageRevision',
      metadata: {
        name: r.name,
        namespace: r.namespace,
        resourceVersion: String(r.rv),
        labels,
        ownerReferences: r.ownerReferences,
      },
      spec: {
        packageName: r.packageName,
        repository: r.repository,
        workspaceName: r.workspace,
        lifecycle: r.lifecycle,
      },
    };
  }

  private resourcesObject(r: StoredRevision): Record<string, unknown> {
    return {
      apiVersion: 'porch.kpt.dev/v1alpha1',
      kind: 'PackageRevisionResources',
      metadata: { name: r.name, namespace: r.namespace, resourceVersion: String(r.rv) },
      spec: {
        packageName: r.packageName,
        repository: r.repository,
        workspaceName: r.workspace,
        resources: r.resources,
      },
    };
  }
}

function hashOf(resources: Record<string, string>): string | null {
  const m = /nephoran\.com\/content-hash: (\S+)/.exec(resources['Kptfile'] ?? '');
  return m?.[1] ?? null;
}

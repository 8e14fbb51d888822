// Porch client for what Metacontroller cannot do: write PackageRevisionResources (an update-only
// resource), approve through the `approval` subresource, and remove revisions it does not own.
// Porch is an aggregated API, so this talks to the Kubernetes API server with the controller's
// credentials, over one pooled keep-alive connection pool per API server. Every write first checks
// the revision against the guard of the CNF the API server confirmed (porch-guard.ts).
//
// Every operation is idempotent and safe to race with another replica: writes compare the content
// hash first and PUT with the resourceVersion just read (Porch rejects a stale one), approval checks
// the lifecycle first. Retries re-read the object, so a conflict ends in "skipped" once the other
// writer has done the same work.
import { Pool, type Dispatcher } from 'undici';
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { OwnerReference, PackageRevision } from '../types.ts';
import { isObject } from '../json.ts';
import { readContentHash } from '../render/hash.ts';
import { checkGuard, type RevisionGuard } from './porch-guard.ts';
import { httpError, mustProposeDeletion } from './porch-errors.ts';
import { ApiError, Caller, requestJson, type CallerOptions, type CallOptions } from './http.ts';

const API = '/apis/porch.kpt.dev/v1alpha1';

export interface ResourcesSnapshot {
  resourceVersion: string;
  resources: Record<string, string>;
  /** Content hash annotation on the Kptfile; null when there is no Kptfile or no annotation. */
  contentHash: string | null;
}

export type WriteOutcome = 'written' | 'skipped';
export type ProposeOutcome = 'proposed' | 'skipped';
export type ApproveOutcome = 'approved' | 'skipped';
export type DeleteOutcome = 'deleted' | 'skipped';
export type AdoptOutcome = 'adopted';

/** Which revisions to list: those of one package in one repository. */
export interface PackageFilter {
  repository: string;
  packageName: string;
}

/** Call options of the writes: the guard is checked against Porch's copy before anything is written. */
export interface WriteOptions extends CallOptions {
  guard?: RevisionGuard;
}

/** What the hooks need from Porch; tests substitute their own. */
export interface PorchClient {
  getPackageRevision(namespace: string, name: string, opts?: CallOptions): Promise<PackageRevision>;
  getResources(namespace: string, name: string, opts?: CallOptions): Promise<ResourcesSnapshot>;
  writeResources(
    namespace: string,
    name: string,
    files: Record<string, string>,
    contentHash: string,
    opts?: WriteOptions,
  ): Promise<WriteOutcome>;
  /**
   * Draft → Proposed from a fresh read, once the revision holds `contentHash`; skipped when it is
   * already Proposed or beyond.
   */
  propose(namespace: string, name: string, contentHash: string, opts?: WriteOptions): Promise<ProposeOutcome>;
  /** Proposed → Published from a fresh read, once the revision holds `contentHash`. */
  approve(namespace: string, name: string, contentHash: string, opts?: WriteOptions): Promise<ApproveOutcome>;
  deletePackageRevision(namespace: string, name: string, opts?: WriteOptions): Promise<DeleteOutcome>;
  /** Every revision of one package, whatever its labels (a field-selected LIST). */
  listPackageRevisions(
    namespace: string,
    filter: PackageFilter,
    opts?: CallOptions,
  ): Promise<PackageRevision[]>;
  /**
   * Sets these labels and this controller owner on a revision (other labels and owners are kept);
   * always an update, so Porch announces the revision to watchers again.
   */
  adoptPackageRevision(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    owner: OwnerReference,
    opts?: WriteOptions,
  ): Promise<AdoptOutcome>;
  close(): Promise<void>;
}

export interface PorchHttpOptions extends CallerOptions {
  /** API server origin, e.g. https://10.0.0.1:443. */
  origin: string;
  dispatcher: Dispatcher;
  /** Headers for each request (Authorization); called per request so rotated tokens are used. */
  authHeaders?: () => Promise<Record<string, string>>;
}

interface PackageRevisionResources {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: { resources?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export class PorchHttpClient implements PorchClient {
  private readonly origin: string;
  private readonly dispatcher: Dispatcher;
  private readonly authHeaders: () => Promise<Record<string, string>>;
  private readonly caller: Caller;

  constructor(opts: PorchHttpOptions) {
    this.origin = opts.origin.replace(/\/+$/, '');
    this.dispatcher = opts.dispatcher;
    this.authHeaders = opts.authHeaders ?? (() => Promise.resolve({}));
    this.caller = new Caller(opts, { requestTimeoutMs: 4000, attempts: 3, maxDelayMs: 2000 });
  }

  getPackageRevision(namespace: string, name: string, opts: CallOptions = {}): Promise<PackageRevision> {
    return this.caller.retrying(opts, () => this.readRevision(namespace, name, opts));
  }

  getResources(namespace: string, name: string, opts: CallOptions = {}): Promise<ResourcesSnapshot> {
    return this.caller.retrying(opts, async () => snapshot(await this.readResources(namespace, name, opts)));
  }

  writeResources(
    namespace: string,
    name: string,
    files: Record<string, string>,
    contentHash: string,
    opts: WriteOptions = {},
  ): Promise<WriteOutcome> {
    return this.caller.retrying(opts, async () => {
      // The resources carry no owner: the revision is read for that.
      if (opts.guard !== undefined) checkGuard(await this.readRevision(namespace, name, opts), opts.guard);
      const current = await this.readResources(namespace, name, opts);
      if (snapshot(current).contentHash === contentHash) return 'skipped';
      // spec.resources is the whole file set: files left out are deleted by Porch.
      const body: PackageRevisionResources = { ...current, spec: { ...current.spec, resources: files } };
      // Porch answers the PUT with the revision's resources as committed (rendered), so that answer
      // confirms the write; a body without them (an older or proxied Porch) is confirmed by a read.
      const answer = await this.send('PUT', resourcesPath(namespace, name), body, opts);
      const after = snapshot(isResources(answer) ? answer : await this.readResources(namespace, name, opts));
      if (after.contentHash !== contentHash) {
        // Someone else wrote different content in between: do not overwrite it blindly; the next
        // sync sees the new hash and decides.
        throw new ApiError(
          `resources of ${namespace}/${name} hold content hash ${after.contentHash ?? 'none'} after writing ${contentHash}`,
          { class: 'Transient', reason: 'WriteNotConfirmed' },
        );
      }
      return 'written';
    });
  }

  propose(
    namespace: string,
    name: string,
    contentHash: string,
    opts: WriteOptions = {},
  ): Promise<ProposeOutcome> {
    return this.caller.retrying(opts, async () => {
      // The object as Porch holds it now: its resourceVersion and its labels as they are (Porch
      // refuses a body that changes kpt.dev/latest-revision, and a Draft never carries it).
      const pr = await this.readRevision(namespace, name, opts);
      checkGuard(pr, opts.guard);
      const lifecycle = pr.spec?.lifecycle ?? 'Draft';
      if (lifecycle !== 'Draft') return 'skipped';
      await this.confirmContent(namespace, name, pr, contentHash, opts);
      const body = { ...pr, spec: { ...pr.spec, lifecycle: 'Proposed' } };
      await this.send('PUT', revisionPath(namespace, name), body, opts);
      return 'proposed';
    });
  }

  approve(
    namespace: string,
    name: string,
    contentHash: string,
    opts: WriteOptions = {},
  ): Promise<ApproveOutcome> {
    return this.caller.retrying(opts, async () => {
      const pr = await this.readRevision(namespace, name, opts);
      checkGuard(pr, opts.guard);
      const lifecycle = pr.spec?.lifecycle ?? 'Draft';
      if (lifecycle === 'Published' || lifecycle === 'DeletionProposed') return 'skipped';
      if (lifecycle !== 'Proposed') {
        // Transient: right after a propose Porch's cache can still show the Draft (fault matrix).
        throw new ApiError(`cannot approve ${namespace}/${name}: lifecycle is ${lifecycle}, not Proposed`, {
          class: 'Transient',
          reason: 'NotProposed',
          httpStatus: 422,
        });
      }
      await this.confirmContent(namespace, name, pr, contentHash, opts);
      const body = { ...pr, spec: { ...pr.spec, lifecycle: 'Published' } };
      await this.send('PUT', `${revisionPath(namespace, name)}/approval`, body, opts);
      return 'approved';
    });
  }

  /**
   * That the revision holds `contentHash` at the very version about to be moved on. Porch v1.5.8's
   * cache can fall back to an older version of a revision when a repository refresh races a write
   * (docs/operations.md, "Porch under load"): measured here, a revision was proposed and published
   * with its init content although the write had been confirmed. Porch's resourceVersion is the git
   * commit, the same for the revision and its resources, and Porch refuses a lifecycle change at any
   * other version than the one it holds — so checking the content at the revision's version makes
   * the move act on that content or fail.
   */
  private async confirmContent(
    namespace: string,
    name: string,
    pr: PackageRevision,
    contentHash: string,
    opts: CallOptions,
  ): Promise<void> {
    const held = snapshot(await this.readResources(namespace, name, opts));
    if (held.resourceVersion !== (pr.metadata.resourceVersion ?? '')) {
      // Moved between the two reads: read both again.
      throw new ApiError(`${namespace}/${name} changed while being read`, {
        class: 'Transient',
        reason: 'Conflict',
        retryable: true,
      });
    }
    if (held.contentHash !== contentHash) {
      throw new ApiError(
        `${namespace}/${name} holds content ${held.contentHash ?? 'none'} in Porch, not ${contentHash}: not moved on (the content is written again)`,
        { class: 'Transient', reason: 'ContentNotWritten' },
      );
    }
  }

  deletePackageRevision(namespace: string, name: string, opts: WriteOptions = {}): Promise<DeleteOutcome> {
    return this.caller.retrying(opts, async () => {
      let pr: PackageRevision;
      try {
        pr = await this.readRevision(namespace, name, opts);
      } catch (err) {
        if (err instanceof ApiError && err.httpStatus === 404) return 'skipped';
        throw err;
      }
      checkGuard(pr, opts.guard);
      // Deleted directly where Porch allows it: proposing a revision for deletion writes a git ref,
      // and when the revision is a moment-old leftover of Porch's cache that ref would outlive it.
      // Porch with its admission webhook refuses a Published one until it is DeletionProposed.
      try {
        return await this.deleteRevision(namespace, name, opts);
      } catch (err) {
        if (!(pr.spec?.lifecycle === 'Published' && mustProposeDeletion(err))) throw err;
      }
      const body = { ...pr, spec: { ...pr.spec, lifecycle: 'DeletionProposed' } };
      await this.send('PUT', revisionPath(namespace, name), body, opts);
      return this.deleteRevision(namespace, name, opts);
    });
  }

  private async deleteRevision(namespace: string, name: string, opts: CallOptions): Promise<DeleteOutcome> {
    try {
      await this.send('DELETE', revisionPath(namespace, name), undefined, opts);
    } catch (err) {
      if (err instanceof ApiError && err.httpStatus === 404) return 'deleted';
      throw err;
    }
    return 'deleted';
  }

  listPackageRevisions(
    namespace: string,
    filter: PackageFilter,
    opts: CallOptions = {},
  ): Promise<PackageRevision[]> {
    const selector = `spec.repository=${filter.repository},spec.packageName=${filter.packageName}`;
    const path = `${API}/namespaces/${encodeURIComponent(namespace)}/packagerevisions?fieldSelector=${encodeURIComponent(selector)}`;
    return this.caller.retrying(opts, async () => {
      const data = await this.send('GET', path, undefined, opts);
      const items = isObject(data) ? data['items'] : undefined;
      if (!Array.isArray(items)) throw malformed(`LIST PackageRevisions of ${filter.packageName}`);
      // Porch filters on the selector; checking again guards against a server that ignores it.
      return (items as PackageRevision[]).filter(
        (pr) =>
          isObject(pr) &&
          isObject(pr.metadata) &&
          pr.spec?.repository === filter.repository &&
          pr.spec.packageName === filter.packageName,
      );
    });
  }

  adoptPackageRevision(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    owner: OwnerReference,
    opts: WriteOptions = {},
  ): Promise<AdoptOutcome> {
    return this.caller.retrying(opts, async (): Promise<AdoptOutcome> => {
      const pr = await this.readRevision(namespace, name, opts);
      checkGuard(pr, opts.guard);
      const meta = pr.metadata;
      const owners = meta.ownerReferences ?? [];
      // Written even when the labels are there already: Metacontroller not showing the revision
      // means its watch missed it (Porch can announce a new revision before its labels are stored),
      // and an update is what makes Porch announce it again, labels included.
      // Only the controller owner of the same kind is replaced; Porch's own labels are sent back as read.
      const others = owners.filter((o) => !(o.kind === owner.kind && o.apiVersion === owner.apiVersion));
      const body: PackageRevision = {
        ...pr,
        metadata: { ...meta, labels: { ...meta.labels, ...labels }, ownerReferences: [...others, owner] },
      };
      await this.send('PUT', revisionPath(namespace, name), body, opts);
      return 'adopted';
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async readRevision(namespace: string, name: string, opts: CallOptions): Promise<PackageRevision> {
    const data = await this.send('GET', revisionPath(namespace, name), undefined, opts);
    if (!isObject(data) || !isObject(data['metadata']))
      throw malformed(`GET PackageRevision ${namespace}/${name}`);
    return data as unknown as PackageRevision;
  }

  private async readResources(
    namespace: string,
    name: string,
    opts: CallOptions,
  ): Promise<PackageRevisionResources> {
    const data = await this.send('GET', resourcesPath(namespace, name), undefined, opts);
    if (!isObject(data) || !isObject(data['metadata'])) {
      throw malformed(`GET PackageRevisionResources ${namespace}/${name}`);
    }
    return data as unknown as PackageRevisionResources;
  }

  private async send(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    opts: CallOptions,
  ): Promise<unknown> {
    const res = await requestJson(this.dispatcher, {
      method,
      origin: this.origin,
      path,
      headers: await this.authHeaders(),
      body,
      timeoutMs: this.caller.timeoutFor(opts, `${method} ${path}`),
    });
    if (res.status >= 200 && res.status < 300) {
      if (method === 'GET' && res.data === undefined)
        throw malformed(`${method} ${path}`, res.status, res.unparsed);
      return res.data;
    }
    throw httpError(method, path, res);
  }
}

function revisionPath(namespace: string, name: string): string {
  return `${API}/namespaces/${encodeURIComponent(namespace)}/packagerevisions/${encodeURIComponent(name)}`;
}

function resourcesPath(namespace: string, name: string): string {
  return `${API}/namespaces/${encodeURIComponent(namespace)}/packagerevisionresources/${encodeURIComponent(name)}`;
}

function isResources(data: unknown): data is PackageRevisionResources {
  return (
    isObject(data) &&
    isObject(data['metadata']) &&
    isObject(data['spec']) &&
    isObject((data['spec'] as Record<string, unknown>)['resources'])
  );
}

function snapshot(prr: PackageRevisionResources): ResourcesSnapshot {
  const resources = prr.spec?.resources ?? {};
  return {
    resourceVersion: prr.metadata.resourceVersion ?? '',
    resources,
    contentHash: readContentHash(resources['Kptfile']),
  };
}

function malformed(what: string, status?: number, unparsed?: string): ApiError {
  const detail =
    unparsed === undefined ? 'no Kubernetes object in the body' : `body is not JSON: ${unparsed}`;
  return new ApiError(`${what}: malformed response (${detail})`, {
    class: 'Transient',
    reason: 'MalformedResponse',
    retryable: true,
    httpStatus: status,
  });
}

// ---- construction from a kubeconfig ----------------------------------------------------------------

export interface FromKubeConfigOptions extends CallerOptions {
  /** Connections kept to the API server. */
  connections?: number;
  /** How long an Authorization header is reused before asking the KubeConfig again (token rotation). */
  authRefreshMs?: number;
}

/**
 * Builds the client from client-node's KubeConfig (in-cluster service account or a kubeconfig file):
 * server URL, CA, client certificate/key or bearer token, insecure-skip-tls-verify, tls-server-name.
 */
export async function porchClientFromKubeConfig(
  kc: KubeConfig,
  opts: FromKubeConfigOptions = {},
): Promise<PorchHttpClient> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new ApiError('kubeconfig has no current cluster', { class: 'Configuration', reason: 'NoCluster' });
  }
  const now = opts.now ?? Date.now;
  const tlsOpts = await httpsOptions(kc);
  const pool = new Pool(cluster.server, {
    connections: opts.connections ?? 16,
    keepAliveTimeout: 30_000,
    connect: {
      ...(tlsOpts.ca === undefined ? {} : { ca: tlsOpts.ca as string | Buffer }),
      ...(tlsOpts.cert === undefined ? {} : { cert: tlsOpts.cert as string | Buffer }),
      ...(tlsOpts.key === undefined ? {} : { key: tlsOpts.key as string | Buffer }),
      ...(tlsOpts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tlsOpts.rejectUnauthorized }),
      ...(tlsOpts.servername === undefined ? {} : { servername: tlsOpts.servername }),
    },
  });
  const refreshMs = opts.authRefreshMs ?? 30_000;
  let cached = { at: now(), headers: authFrom(tlsOpts) };
  const authHeaders = async (): Promise<Record<string, string>> => {
    if (now() - cached.at > refreshMs) cached = { at: now(), headers: authFrom(await httpsOptions(kc)) };
    return cached.headers;
  };
  return new PorchHttpClient({ ...opts, origin: cluster.server, dispatcher: pool, authHeaders });
}

async function httpsOptions(kc: KubeConfig): Promise<https.RequestOptions> {
  const o: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(o);
  return o;
}

function authFrom(o: https.RequestOptions): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = (o.headers ?? {}) as Record<string, unknown>;
  const authz = headers['Authorization'] ?? headers['authorization'];
  if (typeof authz === 'string') out['authorization'] = authz;
  else if (typeof o.auth === 'string')
    out['authorization'] = `Basic ${Buffer.from(o.auth).toString('base64')}`;
  const imp = headers['Impersonate-User'];
  if (typeof imp === 'string') out['impersonate-user'] = imp;
  return out;
}

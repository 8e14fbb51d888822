// The work of the GitOps stand-in (scripts/local/gitops.ts, which parses its options and runs the
// loop): read the branch head, fetch it, find the packages and their objects, apply them with
// `kubectl apply --server-side`, prune what no package holds any more, and keep the inventory.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

import { errorMessage, run, say as log, writeJson, type RunOptions, type RunResult } from '../common.ts';

const LOCAL_CONFIG = 'config.kubernetes.io/local-config';
const FIELD_MANAGER = 'nephoran-local-gitops';
const DISCOVERY_RETRY_MS = 10_000;
/** Bound on one API call of the stand-in's (apply, delete). */
const API_TIMEOUT_MS = 30_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** HTTP status of a client-node ApiException, if it is one. */
function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's message (its Status body), else the error's. */
function apiErrorMessage(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return `HTTP ${statusOf(err) ?? '?'}: ${status.message}`;
    } catch {
      return body.slice(0, 300);
    }
  }
  return errorMessage(err);
}

/** What the stand-in follows and where it keeps its state. */
export interface GitOpsConfig {
  repo: string;
  branch: string;
  /** '' for kubectl's default. */
  kubeconfig: string;
  kubectl: string;
  stateDir: string;
  resyncSeconds: number;
}

export const short = (sha: string): string => sha.slice(0, 12);

// ---- what is applied, and what is wanted -----------------------------------------------------------

/** An object in the cluster, by identity. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** An object the stand-in applied, and the package directory it came from. */
export interface InventoryObject extends ObjectRef {
  package: string;
}

/** <state-dir>/inventory.json */
export interface Inventory {
  repo: string;
  branch: string;
  /** The commit fully applied last; null after a failure (so the next tick syncs again). */
  commit: string | null;
  packages: Record<string, { commit: string | null; objects: InventoryObject[]; fingerprint?: string }>;
}

interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, unknown> };
}

/** What one package directory on the branch wants in the cluster. */
interface DesiredPackage {
  objects: { obj: KubeObject; file: string; ref: ObjectRef }[];
  skipped: string[];
  error: string | null;
}

/** Kinds a group/version serves: kind → { namespaced, resource }; null when not served. */
type Served = Map<string, { namespaced: boolean; resource: string }> | null;

export function ref(
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): ObjectRef {
  return { apiVersion, kind, ...(namespace ? { namespace } : {}), name };
}

/** Identity of an object across API versions of its group. */
export function key(r: ObjectRef): string {
  const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '';
  return `${group}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/**
 * Splits the output of `git cat-file --batch` (for `paths`, in order) into path → content. Each
 * entry is "<sha> <type> <size>\n<size bytes>\n"; sizes are in bytes, hence the Buffer.
 */
export function splitCatFileBatch(buf: Buffer, paths: string[]): Record<string, string> {
  const files: Record<string, string> = {};
  let off = 0;
  for (const p of paths) {
    const nl = buf.indexOf(0x0a, off);
    const header = buf.subarray(off, nl).toString('utf8').split(' ');
    const size = Number(header[2]);
    files[p] = buf.subarray(nl + 1, nl + 1 + size).toString('utf8');
    off = nl + 1 + size + 1;
  }
  return files;
}

/** A YAML file's documents as values, or the first parse error. */
export interface ParsedFile {
  values: unknown[];
  error: string | null;
}

export function parseFile(text: string): ParsedFile {
  const values: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    const bad = doc.errors[0];
    if (bad) return { values: [], error: bad.message };
    values.push(doc.toJS());
  }
  return { values, error: null };
}

/**
 * The object id `ref` points at in a smart-HTTP ref advertisement (pkt-lines: "# service=…", a
 * flush, then "<oid> <ref>[\\0capabilities]"), or null when the ref is not advertised.
 */
export function advertisedRef(body: Buffer, ref: string): string | null {
  let off = 0;
  while (off + 4 <= body.length) {
    const len = Number.parseInt(body.subarray(off, off + 4).toString('latin1'), 16);
    if (Number.isNaN(len)) throw new Error('ref advertisement: bad pkt-line length');
    if (len === 0) {
      off += 4; // flush
      continue;
    }
    if (len < 4 || off + len > body.length) throw new Error('ref advertisement: truncated pkt-line');
    const line = body
      .subarray(off + 4, off + len)
      .toString('utf8')
      .replace(/\n$/, '');
    off += len;
    const [oid, name] = line.split('\0')[0]!.split(' ');
    if (name === ref && oid !== undefined && /^[0-9a-f]{40,64}$/.test(oid)) return oid;
  }
  return null;
}

// ---- the stand-in ---------------------------------------------------------------------------------

export class GitOps {
  readonly opts: GitOpsConfig;
  readonly clone: string;
  readonly inventoryFile: string;
  inventory: Inventory;
  lastSync = 0;
  retryAt = 0;
  waitingLogged = false;
  readonly discovery = new Map<string, Served>();
  /** Parsed files by blob id (readTree). */
  readonly parsed = new Map<string, ParsedFile>();
  readonly notServedUntil = new Map<string, number>();

  constructor(opts: GitOpsConfig) {
    this.opts = opts;
    this.clone = path.join(opts.stateDir, 'clone');
    this.inventoryFile = path.join(opts.stateDir, 'inventory.json');
    this.inventory = { repo: opts.repo, branch: opts.branch, commit: null, packages: {} };
  }

  #run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(cmd, args, { timeoutMs: 60_000, ...opts });
  }

  kubectl(args: string[], opts?: RunOptions): Promise<RunResult> {
    const base = this.opts.kubeconfig ? ['--kubeconfig', this.opts.kubeconfig] : [];
    return this.#run(this.opts.kubectl, [...base, ...args], opts);
  }

  git(args: string[], opts?: RunOptions): Promise<RunResult> {
    return this.#run('git', args, { cwd: this.clone, ...opts });
  }

  async init(): Promise<void> {
    await mkdir(this.opts.stateDir, { recursive: true });
    if (!existsSync(path.join(this.clone, '.git'))) {
      await mkdir(this.clone, { recursive: true });
      const res = await this.git(['init', '--quiet']);
      if (res.code !== 0) throw new Error(`git init ${this.clone}: ${res.stderr.trim()}`);
    }
    if (existsSync(this.inventoryFile)) {
      this.inventory = JSON.parse(await readFile(this.inventoryFile, 'utf8')) as Inventory;
    }
  }

  /**
   * Head of the branch on the server, or null when the branch does not exist (yet): the smart-HTTP
   * ref advertisement (GET info/refs), read here rather than by spawning `git ls-remote` once a
   * second — with a stand-in per site, those spawns were a fifth of the machine's CPU under load.
   */
  async remoteHead(): Promise<string | null> {
    const url = `${this.opts.repo.replace(/\/+$/, '')}/info/refs?service=git-upload-pack`;
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${body.toString('utf8').trim()}`);
    return advertisedRef(body, `refs/heads/${this.opts.branch}`);
  }

  async fetch(): Promise<string> {
    const ref = `refs/remotes/origin/${this.opts.branch}`;
    // No `have` negotiation: Porch's test git server (go-git, stateless HTTP) breaks a second
    // negotiation round ("protocol error: bad line length character: PACK"), which git starts once
    // the clone holds more than 16 commits the server does not ACK. The repository is small; a
    // full pack each time is cheap.
    const res = await this.git(
      [
        '-c',
        'fetch.negotiationAlgorithm=noop',
        'fetch',
        '--quiet',
        '--no-tags',
        this.opts.repo,
        `+refs/heads/${this.opts.branch}:${ref}`,
      ],
      { timeoutMs: 60_000 },
    );
    if (res.code !== 0) throw new Error(`git fetch: ${res.stderr.trim()}`);
    const head = await this.git(['rev-parse', ref]);
    return head.stdout.trim();
  }

  /**
   * Every path of the commit, and the YAML documents of each Kptfile/YAML file, parsed. Files are
   * kept by blob id across syncs: a publish changes one package, so only its files are read (in one
   * `git cat-file --batch`) and parsed — re-parsing every package on every publish made the
   * stand-in quadratic in the number of CNFs of a site.
   */
  async readTree(sha: string): Promise<{ paths: string[]; docs: Record<string, ParsedFile> }> {
    const ls = await this.git(['ls-tree', '-r', '-z', sha]);
    if (ls.code !== 0) throw new Error(`git ls-tree ${sha}: ${ls.stderr.trim()}`);
    const entries = ls.stdout
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf('\t');
        const [, type, blob] = line.slice(0, tab).split(' ');
        return { path: line.slice(tab + 1), type, blob: blob ?? '' };
      });
    const wanted = entries.filter(
      (e) => e.type === 'blob' && (path.posix.basename(e.path) === 'Kptfile' || /\.ya?ml$/.test(e.path)),
    );
    const missing = [...new Set(wanted.map((e) => e.blob).filter((b) => !this.parsed.has(b)))];
    if (missing.length > 0) {
      const res = await this.git(['cat-file', '--batch'], { input: missing.map((b) => `${b}\n`).join('') });
      if (res.code !== 0) throw new Error(`git cat-file: ${res.stderr.trim()}`);
      const texts = splitCatFileBatch(res.stdoutBuf, missing);
      for (const b of missing) this.parsed.set(b, parseFile(texts[b] ?? ''));
    }
    // Keep only what this commit holds.
    const inTree = new Set(wanted.map((e) => e.blob));
    for (const b of this.parsed.keys()) if (!inTree.has(b)) this.parsed.delete(b);
    const docs: Record<string, ParsedFile> = {};
    for (const e of wanted) docs[e.path] = this.parsed.get(e.blob)!;
    return { paths: entries.map((e) => e.path), docs };
  }

  /**
   * The kinds a group/version serves, or null when it is not served. Kept across syncs (a kubectl
   * per group/version per sync was most of a sync's cost); a group/version not served is asked
   * again after DISCOVERY_RETRY_MS, as a CRD may be installed after the package was published.
   */
  async served(apiVersion: string, cache: Map<string, Served>): Promise<Served> {
    const known = cache.get(apiVersion);
    if (known !== undefined && (known !== null || Date.now() < (this.notServedUntil.get(apiVersion) ?? 0)))
      return known;
    const url = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await this.kubectl(['get', '--raw', url]);
    let kinds: Served = null;
    if (res.code === 0) {
      kinds = new Map();
      const list = JSON.parse(res.stdout) as {
        resources?: { name: string; kind: string; namespaced: boolean }[];
      };
      for (const r of list.resources ?? []) {
        if (!r.name.includes('/')) kinds.set(r.kind, { namespaced: r.namespaced, resource: r.name });
      }
    } else if (!/NotFound|not found|404/.test(res.stderr)) {
      throw new Error(`discovery ${url}: ${res.stderr.trim()}`);
    }
    cache.set(apiVersion, kinds);
    if (kinds === null) this.notServedUntil.set(apiVersion, Date.now() + DISCOVERY_RETRY_MS);
    return kinds;
  }

  /** Adds one YAML document of `file` to its package: as an object to apply, or as skipped. */
  async #addObject(
    pkg: DesiredPackage,
    file: string,
    value: unknown,
    discovery: Map<string, Served>,
  ): Promise<void> {
    if (!value || typeof value !== 'object') return;
    const obj = value as KubeObject;
    const what = `${obj.kind ?? '?'} ${obj.metadata?.name ?? '?'} (${file})`;
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      pkg.skipped.push(`${what}: not a Kubernetes object`);
      return;
    }
    if (String(obj.metadata.annotations?.[LOCAL_CONFIG]) === 'true') {
      pkg.skipped.push(`${what}: local-config`);
      return;
    }
    const kind = (await this.served(obj.apiVersion, discovery))?.get(obj.kind);
    if (!kind) {
      pkg.skipped.push(`${what}: kind ${obj.kind}.${obj.apiVersion} is not served by the cluster (no CRD)`);
      return;
    }
    const namespace = kind.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    pkg.objects.push({ obj, file, ref: ref(obj.apiVersion, obj.kind, namespace, obj.metadata.name) });
  }

  /** Package directories (holding a Kptfile) and the objects each one wants in the cluster. */
  async desired(sha: string): Promise<Map<string, DesiredPackage>> {
    const { paths, docs } = await this.readTree(sha);
    const pkgDirs = paths
      .filter((p) => path.posix.basename(p) === 'Kptfile')
      .map((p) => path.posix.dirname(p))
      .sort((a, b) => b.length - a.length);
    const owner = (file: string): string | undefined =>
      pkgDirs.find((d) => d === '.' || file.startsWith(`${d}/`));
    const packages = new Map<string, DesiredPackage>(
      pkgDirs.map((d) => [d, { objects: [], skipped: [], error: null }]),
    );
    const discovery = this.discovery;
    for (const [file, parsed] of Object.entries(docs)) {
      if (path.posix.basename(file) === 'Kptfile') continue;
      const dir = owner(file);
      const pkg = dir === undefined ? undefined : packages.get(dir);
      if (!pkg) continue;
      if (parsed.error !== null) {
        pkg.error = `${file}: ${parsed.error}`;
        continue;
      }
      for (const value of parsed.values) await this.#addObject(pkg, file, value, discovery);
    }
    return packages;
  }

  /**
   * Server-side apply of each object (field manager nephoran-local-gitops, conflicts forced), over
   * the Kubernetes API rather than by spawning `kubectl apply`: a kubectl per publish per site was
   * most of the stand-in's CPU with a hundred CNFs.
   */
  async apply(dir: string, pkg: DesiredPackage, sha: string, quiet: boolean): Promise<void> {
    const api = this.#api();
    const lines: string[] = [];
    let failed = 0;
    for (const { obj, ref: r } of pkg.objects) {
      const what = `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
      // the namespace the object's identity was taken with (kubectl apply's default too)
      const body = (
        r.namespace ? { ...obj, metadata: { ...obj.metadata, namespace: r.namespace } } : obj
      ) as KubernetesObject;
      try {
        await withTimeout(
          api.patch(body, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
          API_TIMEOUT_MS,
          `apply ${what}`,
        );
        lines.push(`${what} serverside-applied`);
      } catch (err) {
        failed++;
        lines.push(`${what}: ${apiErrorMessage(err)}`);
      }
    }
    // a periodic re-apply of an unchanged package (drift correction) is logged only when it fails
    if (!quiet || failed > 0) for (const line of lines) log(`apply ${dir} @${short(sha)}: ${line}`);
    if (failed > 0) throw new Error(`${failed} object(s) not applied`);
  }

  async prune(
    refs: InventoryObject[],
    reason: (r: InventoryObject) => string,
    sha: string,
  ): Promise<boolean> {
    const byKey = new Map(refs.map((r) => [key(r), r]));
    if (byKey.size === 0) return true;
    const api = this.#api();
    let ok = true;
    for (const r of byKey.values()) {
      const what = `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
      log(`prune ${r.package} @${short(sha)}: ${what} (${reason(r)})`);
      const target: KubernetesObject = {
        apiVersion: r.apiVersion,
        kind: r.kind,
        metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
      };
      try {
        await withTimeout(
          api.delete(target, undefined, undefined, undefined, undefined, 'Background'),
          API_TIMEOUT_MS,
          `delete ${what}`,
        );
        log(`prune @${short(sha)}: ${what} deleted`);
      } catch (err) {
        if (statusOf(err) === 404) continue;
        log(`prune @${short(sha)}: ${what}: ${apiErrorMessage(err)}`);
        ok = false;
      }
    }
    return ok;
  }

  #client: KubernetesObjectApi | undefined;
  #api(): KubernetesObjectApi {
    if (this.#client === undefined) {
      const kc = new KubeConfig();
      if (this.opts.kubeconfig) kc.loadFromFile(this.opts.kubeconfig);
      else kc.loadFromDefault();
      this.#client = KubernetesObjectApi.makeApiClient(kc);
    }
    return this.#client;
  }

  /**
   * Applies the packages of `sha` that changed since they were applied (all of them when `drift`):
   * in one kubectl call, and package by package only when that fails, to tell which one failed.
   * Applying every package on every publish made the stand-in spawn one kubectl per package per
   * publish — quadratic, and most of the machine's CPU with a hundred CNFs. Returns the new
   * inventory's packages and whether all went well.
   */
  async #applyAll(
    sha: string,
    packages: Map<string, DesiredPackage>,
    drift: boolean,
  ): Promise<[Inventory['packages'], boolean]> {
    const before = this.inventory.packages;
    const after: Inventory['packages'] = {};
    const todo: Array<[string, DesiredPackage, string]> = [];
    let ok = true;
    for (const [dir, pkg] of [...packages.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const objects = pkg.objects.map((o) => ({ ...o.ref, package: dir }));
      const fingerprint = createHash('sha256')
        .update(JSON.stringify(pkg.objects.map((o) => o.obj)))
        .digest('hex');
      const changed = before[dir]?.fingerprint !== fingerprint;
      for (const s of pkg.skipped) if (changed) log(`skip ${dir} @${short(sha)}: ${s}`);
      if (pkg.error) {
        log(`ERROR ${dir} @${short(sha)}: cannot parse: ${pkg.error}; package left as it was`);
        if (before[dir]) after[dir] = before[dir];
        ok = false;
        continue;
      }
      after[dir] = { commit: sha, objects, fingerprint };
      if ((changed || drift) && pkg.objects.length > 0) todo.push([dir, pkg, fingerprint]);
    }
    if (todo.length === 0) return [after, ok];
    const all: DesiredPackage = { objects: todo.flatMap(([, pkg]) => pkg.objects), skipped: [], error: null };
    const changedDirs = todo.filter(([dir, , fp]) => before[dir]?.fingerprint !== fp).map(([dir]) => dir);
    try {
      await this.apply(
        changedDirs.length > 0 ? changedDirs.join(', ') : '(drift)',
        all,
        sha,
        changedDirs.length === 0,
      );
      return [after, ok];
    } catch {
      // one of them failed: package by package, to keep the others and say which
    }
    for (const [dir, pkg] of todo) {
      try {
        await this.apply(dir, pkg, sha, false);
      } catch (err) {
        log(`ERROR ${dir} @${short(sha)}: ${errorMessage(err)}; will retry`);
        // keep what was there: nothing of a failed package is pruned
        after[dir] = before[dir] ?? { commit: null, objects: after[dir]?.objects ?? [] };
        ok = false;
      }
    }
    return [after, ok];
  }

  async sync(sha: string, drift = false): Promise<boolean> {
    const packages = await this.desired(sha);
    const before = this.inventory.packages;
    const [after, applied] = await this.#applyAll(sha, packages, drift);
    let failed = !applied;
    // Prune every object applied before that no package wants any more.
    const wanted = new Set(Object.values(after).flatMap((p) => p.objects.map(key)));
    const stale = Object.entries(before).flatMap(([dir, p]) =>
      p.objects.filter((o) => !wanted.has(key(o))).map((o) => ({ ...o, package: dir })),
    );
    if (stale.length > 0) {
      const ok = await this.prune(
        stale,
        (r) => (packages.has(r.package) ? 'no longer in its package' : 'package removed from the branch'),
        sha,
      );
      if (!ok) {
        failed = true;
        // remember them so that the next sync tries again
        for (const o of stale) {
          const pkg = (after[o.package] ??= { commit: null, objects: [] });
          if (!pkg.objects.some((x) => key(x) === key(o))) pkg.objects.push(o);
        }
      }
    }
    this.inventory = { ...this.inventory, commit: failed ? null : sha, packages: after };
    await writeJson(this.inventoryFile, this.inventory);
    return !failed;
  }

  async tick(): Promise<boolean> {
    const now = Date.now();
    if (now < this.retryAt) return true;
    const head = await this.remoteHead();
    if (head === null) {
      if (!this.waitingLogged)
        log(`waiting: branch ${this.opts.branch} does not exist yet on ${this.opts.repo}`);
      this.waitingLogged = true;
      return true;
    }
    const due = now - this.lastSync > this.opts.resyncSeconds * 1000;
    if (head === this.inventory.commit && !due) return true;
    const sha = await this.fetch();
    if (sha !== this.inventory.commit)
      log(
        `sync ${this.opts.branch} @${short(sha)} (was ${this.inventory.commit ? short(this.inventory.commit) : 'nothing'})`,
      );
    const ok = await this.sync(sha, due);
    if (due) this.lastSync = Date.now();
    if (!ok) this.retryAt = Date.now() + 5000;
    return ok;
  }
}

#!/usr/bin/env node
// GitOps stand-in for the LOCAL STACK ONLY. Never shipped with the product (the Dockerfile copies
// hooks/ and lib/ only) and not a substitute for Config Sync or Flux in a real deployment: it exists
// because neither can run on a machine without containers. It does the one thing the local stack
// needs from them: make what Porch publishes on the deployment repository's branch exist in the
// cluster, so that the CNFDeployment's related objects (Deployments, Pods) appear and its status can
// reach Active.
//
// Every --interval-ms (1 s) it:
//   1. asks the git server for the branch head (`git ls-remote`);
//   2. when the head moved (or every --resync-seconds, to undo drift), fetches it into a local clone
//      (<state-dir>/clone) and finds every package directory (a directory holding a Kptfile);
//   3. applies each package's resources with `kubectl apply --server-side` (field manager
//      nephoran-local-gitops). Skipped: the Kptfile, any object annotated
//      config.kubernetes.io/local-config: "true", and objects whose kind the cluster does not serve
//      (logged; e.g. a FunctionConfig without a CRD);
//   4. prunes: deletes every object it applied earlier that no package on the branch holds any more
//      (the package directory disappeared, or the object left its package). What it applied is kept
//      in <state-dir>/inventory.json, so pruning works across restarts.
// Each apply/prune is logged with the package directory and the commit it came from.
//
//   node scripts/local/gitops.mjs --repo http://127.0.0.1:9446/cnf-packages [--branch main]
//        [--kubeconfig .local/kubeconfig] [--kubectl kubectl] [--state-dir .local/gitops]
//        [--interval-ms 1000] [--resync-seconds 30] [--once]
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearTimeout, setTimeout } from 'node:timers';
import { parseAllDocuments, stringify } from 'yaml';

const LOCAL_CONFIG = 'config.kubernetes.io/local-config';
const FIELD_MANAGER = 'nephoran-local-gitops';

function parseArgs(argv) {
  const opts = {
    repo: '',
    branch: 'main',
    kubeconfig: process.env.KUBECONFIG ?? '',
    kubectl: 'kubectl',
    stateDir: path.resolve('.local', 'gitops'),
    intervalMs: 1000,
    resyncSeconds: 30,
    once: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--repo') opts.repo = next();
    else if (a === '--branch') opts.branch = next();
    else if (a === '--kubeconfig') opts.kubeconfig = path.resolve(next());
    else if (a === '--kubectl') opts.kubectl = next();
    else if (a === '--state-dir') opts.stateDir = path.resolve(next());
    else if (a === '--interval-ms') opts.intervalMs = Number(next());
    else if (a === '--resync-seconds') opts.resyncSeconds = Number(next());
    else if (a === '--once') opts.once = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.repo) throw new Error('--repo <git url> is required');
  return opts;
}

const log = (msg) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
const short = (sha) => sha.slice(0, 12);

function run(cmd, args, { input, cwd, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    let stderr = '';
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBuf = Buffer.concat(out);
      resolve({ code: code ?? 1, stdout: stdoutBuf.toString('utf8'), stdoutBuf, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

class GitOps {
  constructor(opts) {
    this.opts = opts;
    this.clone = path.join(opts.stateDir, 'clone');
    this.inventoryFile = path.join(opts.stateDir, 'inventory.json');
    this.lastSync = 0;
    this.retryAt = 0;
    this.waitingLogged = false;
  }

  kubectl(args, opts) {
    const base = this.opts.kubeconfig ? ['--kubeconfig', this.opts.kubeconfig] : [];
    return run(this.opts.kubectl, [...base, ...args], opts);
  }

  git(args, opts) {
    return run('git', args, { cwd: this.clone, ...opts });
  }

  async init() {
    await mkdir(this.opts.stateDir, { recursive: true });
    if (!existsSync(path.join(this.clone, '.git'))) {
      await mkdir(this.clone, { recursive: true });
      const res = await this.git(['init', '--quiet']);
      if (res.code !== 0) throw new Error(`git init ${this.clone}: ${res.stderr.trim()}`);
    }
    this.inventory = existsSync(this.inventoryFile)
      ? JSON.parse(await readFile(this.inventoryFile, 'utf8'))
      : { repo: this.opts.repo, branch: this.opts.branch, commit: null, packages: {} };
  }

  async saveInventory() {
    const tmp = `${this.inventoryFile}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.inventory, null, 2)}\n`);
    renameSync(tmp, this.inventoryFile);
  }

  /** Head of the branch on the server, or null when the branch does not exist (yet). */
  async remoteHead() {
    const ref = `refs/heads/${this.opts.branch}`;
    const res = await run('git', ['ls-remote', '--exit-code', this.opts.repo, ref], { timeoutMs: 15_000 });
    if (res.code === 2) return null;
    if (res.code !== 0) throw new Error(`git ls-remote ${this.opts.repo}: ${res.stderr.trim()}`);
    return res.stdout.split(/\s+/)[0];
  }

  async fetch() {
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

  /** { path: content } of every YAML file of the commit, read in one `git cat-file --batch`. */
  async readTree(sha) {
    const ls = await this.git(['ls-tree', '-r', '-z', '--name-only', sha]);
    if (ls.code !== 0) throw new Error(`git ls-tree ${sha}: ${ls.stderr.trim()}`);
    const paths = ls.stdout.split('\0').filter(Boolean);
    const wanted = paths.filter((p) => path.posix.basename(p) === 'Kptfile' || /\.ya?ml$/.test(p));
    const res = await this.git(['cat-file', '--batch'], {
      input: wanted.map((p) => `${sha}:${p}\n`).join(''),
    });
    if (res.code !== 0) throw new Error(`git cat-file: ${res.stderr.trim()}`);
    const files = {};
    const buf = res.stdoutBuf;
    let off = 0;
    for (const p of wanted) {
      const nl = buf.indexOf(0x0a, off);
      const header = buf.subarray(off, nl).toString('utf8').split(' ');
      const size = Number(header[2]);
      files[p] = buf.subarray(nl + 1, nl + 1 + size).toString('utf8');
      off = nl + 1 + size + 1;
    }
    return { paths, files };
  }

  /** The kinds a group/version serves: Map kind → { namespaced, resource }, or null when not served. */
  async served(apiVersion, cache) {
    if (cache.has(apiVersion)) return cache.get(apiVersion);
    const url = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await this.kubectl(['get', '--raw', url]);
    let kinds = null;
    if (res.code === 0) {
      kinds = new Map();
      for (const r of JSON.parse(res.stdout).resources ?? []) {
        if (!r.name.includes('/')) kinds.set(r.kind, { namespaced: r.namespaced, resource: r.name });
      }
    } else if (!/NotFound|not found|404/.test(res.stderr)) {
      throw new Error(`discovery ${url}: ${res.stderr.trim()}`);
    }
    cache.set(apiVersion, kinds);
    return kinds;
  }

  /** Package directories (holding a Kptfile) and the objects each one wants in the cluster. */
  async desired(sha) {
    const { paths, files } = await this.readTree(sha);
    const pkgDirs = paths
      .filter((p) => path.posix.basename(p) === 'Kptfile')
      .map((p) => path.posix.dirname(p))
      .sort((a, b) => b.length - a.length);
    const owner = (file) => pkgDirs.find((d) => d === '.' || file.startsWith(`${d}/`));
    const packages = new Map(pkgDirs.map((d) => [d, { objects: [], skipped: [], error: null }]));
    const discovery = new Map();
    for (const [file, text] of Object.entries(files)) {
      if (path.posix.basename(file) === 'Kptfile') continue;
      const dir = owner(file);
      if (dir === undefined) continue;
      const pkg = packages.get(dir);
      const docs = parseAllDocuments(text);
      for (const doc of docs) {
        if (doc.errors.length > 0) {
          pkg.error = `${file}: ${doc.errors[0].message}`;
          break;
        }
        const obj = doc.toJS();
        if (!obj || typeof obj !== 'object') continue;
        const what = `${obj.kind ?? '?'} ${obj.metadata?.name ?? '?'} (${file})`;
        if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
          pkg.skipped.push(`${what}: not a Kubernetes object`);
          continue;
        }
        if (String(obj.metadata.annotations?.[LOCAL_CONFIG]) === 'true') {
          pkg.skipped.push(`${what}: local-config`);
          continue;
        }
        const kinds = await this.served(obj.apiVersion, discovery);
        const kind = kinds?.get(obj.kind);
        if (!kind) {
          pkg.skipped.push(
            `${what}: kind ${obj.kind}.${obj.apiVersion} is not served by the cluster (no CRD)`,
          );
          continue;
        }
        const namespace = kind.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
        pkg.objects.push({ obj, file, ref: ref(obj.apiVersion, obj.kind, namespace, obj.metadata.name) });
      }
    }
    return packages;
  }

  async apply(dir, pkg, sha, quiet) {
    const stream = pkg.objects.map((o) => stringify(o.obj)).join('---\n');
    const res = await this.kubectl(
      ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '-f', '-'],
      { input: stream },
    );
    const lines = `${res.stdout}${res.stderr}`.trim().split('\n').filter(Boolean);
    // a periodic re-apply of an unchanged package (drift correction) is logged only when it fails
    if (!quiet || res.code !== 0) for (const line of lines) log(`apply ${dir} @${short(sha)}: ${line}`);
    if (res.code !== 0) throw new Error(`kubectl apply exited ${res.code}`);
  }

  async prune(refs, reason, sha) {
    const byKey = new Map(refs.map((r) => [key(r), r]));
    if (byKey.size === 0) return true;
    const stream = [...byKey.values()]
      .map((r) =>
        stringify({
          apiVersion: r.apiVersion,
          kind: r.kind,
          metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
        }),
      )
      .join('---\n');
    const res = await this.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], {
      input: stream,
    });
    for (const r of byKey.values()) {
      log(
        `prune ${r.package} @${short(sha)}: ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} (${reason(r)})`,
      );
    }
    for (const line of `${res.stdout}${res.stderr}`.trim().split('\n').filter(Boolean)) {
      log(`prune @${short(sha)}: ${line}`);
    }
    return res.code === 0;
  }

  async sync(sha) {
    const packages = await this.desired(sha);
    const before = this.inventory.packages;
    const after = {};
    let failed = false;
    for (const [dir, pkg] of [...packages.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const changed = before[dir]?.commit !== sha;
      for (const s of pkg.skipped) if (changed) log(`skip ${dir} @${short(sha)}: ${s}`);
      if (pkg.error) {
        log(`ERROR ${dir} @${short(sha)}: cannot parse: ${pkg.error}; package left as it was`);
        if (before[dir]) after[dir] = before[dir];
        failed = true;
        continue;
      }
      try {
        if (pkg.objects.length > 0) await this.apply(dir, pkg, sha, !changed);
        after[dir] = { commit: sha, objects: pkg.objects.map((o) => ({ ...o.ref, package: dir })) };
      } catch (err) {
        log(`ERROR ${dir} @${short(sha)}: ${err.message}; will retry`);
        // keep what was there: nothing of a failed package is pruned
        after[dir] = before[dir] ?? {
          commit: null,
          objects: pkg.objects.map((o) => ({ ...o.ref, package: dir })),
        };
        failed = true;
      }
    }
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
          after[o.package] ??= { commit: null, objects: [] };
          if (!after[o.package].objects.some((x) => key(x) === key(o))) after[o.package].objects.push(o);
        }
      }
    }
    this.inventory = { ...this.inventory, commit: failed ? null : sha, packages: after };
    await this.saveInventory();
    return !failed;
  }

  async tick() {
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
    const ok = await this.sync(sha);
    this.lastSync = Date.now();
    if (!ok) this.retryAt = Date.now() + 5000;
    return ok;
  }
}

function ref(apiVersion, kind, namespace, name) {
  return { apiVersion, kind, ...(namespace ? { namespace } : {}), name };
}

/** Identity of an object across API versions of its group. */
function key(r) {
  const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '';
  return `${group}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const gitops = new GitOps(opts);
  await gitops.init();
  log(
    `watching ${opts.repo} branch ${opts.branch} every ${opts.intervalMs} ms (state ${opts.stateDir}; ` +
      `last applied ${gitops.inventory.commit ? short(gitops.inventory.commit) : 'nothing'})`,
  );
  if (opts.once) {
    process.exitCode = (await gitops.tick()) ? 0 : 1;
    return;
  }
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      log(`${sig}: stopping`);
      stopping = true;
    });
  }
  let lastError = '';
  while (!stopping) {
    try {
      await gitops.tick();
      lastError = '';
    } catch (err) {
      // the same error every second is logged once
      if (err.message !== lastError) log(`ERROR ${err.message}`);
      lastError = err.message;
    }
    await sleep(opts.intervalMs);
  }
}

main().catch((err) => {
  log(`FATAL ${err.message}`);
  process.exit(1);
});

// `npm run local` step 6: applies an example CNFDeployment (with the CNFDeployments it depends on,
// when the file brings them as earlier documents) and prints, as they happen, its phase and
// conditions, its PackageRevisions, the Deployment the GitOps stand-in applies and the events about
// it, until it is Active (or Failed, or the time is up). A NetworkIntent example is followed by
// intent-example.ts instead.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';

import { say } from '../common.ts';
import { assertRunning } from './daemon.ts';
import { FLUX_COMPONENTS } from './flux.ts';
import { watchIntentExample } from './intent-example.ts';
import { KUBECONFIG, StackError, kubectl, kubectlApply, logFile, rel, type StackContext } from './util.ts';

interface Condition {
  type: string;
  status: string;
  reason?: string;
}

interface CnfDeployment {
  status?: { phase?: string; conditions?: Condition[] };
}

interface PackageRevision {
  metadata: { name: string };
  spec?: { repository?: string; lifecycle?: string; revision?: number | string };
}

interface KubeEvent {
  metadata: { uid: string; creationTimestamp?: string };
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: { count?: number };
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string };
}

export interface ExampleTimings {
  activeSeconds: number;
  /** When the first PackageRevision was Published, if seen. */
  firstPublishedSeconds: number | null;
}

/** Prints what changed about one CNFDeployment since the last poll. */
class ExampleWatcher {
  readonly #ctx: StackContext;
  readonly #name: string;
  readonly #ns: string;
  readonly #t0: number;
  #phase: string | undefined = undefined;
  #conditions = '';
  #ready: string | undefined = undefined;
  readonly #prs = new Map<string, string>();
  readonly #events = new Map<string, { count: number; at: number }>();
  lastWarning = '';
  firstPublished: number | null = null;
  last: CnfDeployment | null = null;

  constructor(ctx: StackContext, name: string, ns: string, t0: number) {
    this.#ctx = ctx;
    this.#t0 = t0;
    this.#name = name;
    this.#ns = ns;
  }

  get secondsSoFar(): number {
    return (Date.now() - this.#t0) / 1000;
  }

  #since(): string {
    return `+${this.secondsSoFar.toFixed(1)}s`;
  }

  async #getJson<T>(args: string[]): Promise<T | null> {
    const res = await kubectl(this.#ctx.bins, [...args, '-n', this.#ns, '-o', 'json']);
    return res.code === 0 ? (JSON.parse(res.stdout) as T) : null;
  }

  /** The CNFDeployment's phase and conditions; returns its phase. */
  async status(): Promise<string | undefined> {
    const cnfd = await this.#getJson<CnfDeployment>(['get', 'cnfdeployments.nephoran.com', this.#name]);
    if (!cnfd) return undefined;
    this.last = cnfd;
    const phase = cnfd.status?.phase;
    if (phase !== this.#phase) {
      say(`example: ${this.#since()} phase ${this.#phase ?? '(none)'} → ${phase ?? '(none)'}`);
      this.#phase = phase;
    }
    const conds = (cnfd.status?.conditions ?? [])
      .map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ''}`)
      .join(' ');
    if (conds !== this.#conditions) {
      say(`example: ${this.#since()} conditions ${conds || '(none)'}`);
      this.#conditions = conds;
    }
    return phase;
  }

  async packageRevisions(): Promise<void> {
    const list = await this.#getJson<{ items?: PackageRevision[] }>([
      'get',
      'packagerevisions.porch.kpt.dev',
    ]);
    for (const pr of list?.items ?? []) {
      if (pr.spec?.repository !== this.#ctx.settings.repository) continue;
      const state = `${pr.spec.lifecycle ?? '?'} rev ${pr.spec.revision ?? '?'}`;
      const before = this.#prs.get(pr.metadata.name);
      if (before !== state) {
        say(`example: ${this.#since()} PackageRevision ${pr.metadata.name}: ${before ?? 'new'} → ${state}`);
        this.#prs.set(pr.metadata.name, state);
      }
      if (pr.spec.lifecycle === 'Published' && this.firstPublished === null)
        this.firstPublished = this.secondsSoFar;
    }
  }

  async deployment(): Promise<void> {
    const dep = await kubectl(this.#ctx.bins, [
      'get',
      'deployment',
      this.#name,
      '-n',
      this.#ns,
      '-o',
      'jsonpath={.status.readyReplicas}/{.spec.replicas}',
    ]);
    const ready = dep.code === 0 ? dep.stdout.trim() : 'absent';
    if (ready !== this.#ready) {
      say(
        `example: ${this.#since()} Deployment ${this.#ns}/${this.#name} (applied by gitops) ready ${ready}`,
      );
      this.#ready = ready;
    }
  }

  async events(): Promise<void> {
    const list = await this.#getJson<{ items?: KubeEvent[] }>([
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=${this.#name}`,
    ]);
    const at = (e: KubeEvent): number =>
      Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '') || 0;
    for (const e of (list?.items ?? []).sort((a, b) => at(a) - at(b))) {
      // each event once, a repeating one again at most every 30 s with its count
      const count = e.count ?? e.series?.count ?? 1;
      const prev = this.#events.get(e.metadata.uid);
      if (prev && (prev.count === count || Date.now() - prev.at < 30_000)) continue;
      this.#events.set(e.metadata.uid, { count, at: Date.now() });
      const msg = (e.message ?? '').slice(0, 300);
      if (e.type === 'Warning') this.lastWarning = `${e.reason}: ${msg}`;
      const kind = e.involvedObject?.kind ?? '?';
      say(
        `example: ${this.#since()} event ${kind} ${e.type} ${e.reason}${count > 1 ? ` (x${count})` : ''}: ${msg}`,
      );
    }
  }
}

/** Applies the example and prints phase, PackageRevision and workload changes until Active. */
export async function watchExample(ctx: StackContext, file: string): Promise<ExampleTimings> {
  const text = await readFile(file, 'utf8');
  // An example may bring what it depends on as earlier documents (examples/odu.yaml): all are
  // applied, the last one is followed.
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const doc = docs[docs.length - 1]?.toJS() as {
    kind?: string;
    metadata: { name: string; namespace?: string };
  };
  const name = doc.metadata.name;
  const ns = doc.metadata.namespace ?? 'default';
  if (doc.kind === 'NetworkIntent') return watchIntentExample(ctx, file, text, name, ns);
  const timeout = ctx.settings.activeTimeoutSeconds;
  const w = new ExampleWatcher(ctx, name, ns, Date.now());
  await kubectlApply(ctx.bins, 'example', text);
  say(
    `example: applied ${rel(file)} (CNFDeployment ${ns}/${name}); waiting up to ${timeout}s for phase Active`,
  );
  while (w.secondsSoFar < timeout) {
    for (const c of ['hooks', 'metacontroller', 'porch', ...FLUX_COMPONENTS]) await assertRunning(c);
    const phase = await w.status();
    if (phase === 'Active') {
      say(`example: ${ns}/${name} is Active after ${w.secondsSoFar.toFixed(1)}s`);
      return { activeSeconds: w.secondsSoFar, firstPublishedSeconds: w.firstPublished };
    }
    if (phase === 'Failed') {
      throw new StackError(
        'hooks',
        `CNFDeployment ${ns}/${name} went to phase Failed: ${JSON.stringify(w.last?.status?.conditions ?? [], null, 2)}`,
      );
    }
    await w.packageRevisions();
    await w.deployment();
    await w.events();
    await sleep(1000);
  }
  const ready = w.last?.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '?';
  throw new StackError(
    'hooks',
    `CNFDeployment ${ns}/${name} did not reach phase Active within ${timeout}s ` +
      `(last phase ${w.last?.status?.phase ?? '(none)'}, Ready=${ready}).\n` +
      (w.lastWarning ? `  Last Warning event: ${w.lastWarning}\n` : '') +
      `  Look at: ${rel(logFile('hooks'))} (hook answers), ${rel(logFile('metacontroller'))} (sync errors), ` +
      `${rel(logFile('porch'))}, ${rel(logFile('flux-kustomize'))} (what Flux applied)\n` +
      `  KUBECONFIG=${rel(KUBECONFIG)} kubectl describe cnfd ${name} -n ${ns}`,
  );
}

// `npm run local -- --example <networkintent.yaml>`: applies a NetworkIntent (docs/intent.md) and
// prints, as they change, its phase and Ready condition and the phase of each of its CNFDeployments,
// until the intent is Active (or refused, or the time is up).
import { setTimeout as sleep } from 'node:timers/promises';

import { say } from '../common.ts';
import { assertRunning } from './daemon.ts';
import { FLUX_COMPONENTS } from './flux.ts';
import type { ExampleTimings } from './example.ts';
import { KUBECONFIG, StackError, kubectl, kubectlApply, logFile, rel, type StackContext } from './util.ts';

interface IntentStatus {
  phase?: string;
  ready?: string;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  functions?: Array<{ name: string; phase?: string; ready: boolean }>;
}

/** Applies the intent and prints its progress until it is Active. */
export async function watchIntentExample(
  ctx: StackContext,
  file: string,
  text: string,
  name: string,
  ns: string,
): Promise<ExampleTimings> {
  const t0 = Date.now();
  const since = (): string => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const timeout = ctx.settings.activeTimeoutSeconds;
  await kubectlApply(ctx.bins, 'example', text);
  say(
    `example: applied ${rel(file)} (NetworkIntent ${ns}/${name}); waiting up to ${timeout}s for phase Active`,
  );
  let last = '';
  let status: IntentStatus | undefined;
  while (Date.now() - t0 < timeout * 1000) {
    for (const c of ['hooks', 'metacontroller', 'porch', ...FLUX_COMPONENTS]) await assertRunning(c);
    const res = await kubectl(ctx.bins, ['get', 'networkintents.nephoran.com', name, '-n', ns, '-o', 'json']);
    status = res.code === 0 ? (JSON.parse(res.stdout) as { status?: IntentStatus }).status : undefined;
    const ready = status?.conditions?.find((c) => c.type === 'Ready');
    const functions = (status?.functions ?? []).map((f) => `${f.name}=${f.phase ?? '-'}`).join(' ');
    const line = `phase ${status?.phase ?? '(none)'} ready ${status?.ready ?? '-'} Ready=${ready?.status ?? '?'}(${ready?.reason ?? ''}) ${functions}`;
    if (line !== last) say(`example: ${since()} ${(last = line)}`);
    if (status?.phase === 'Active') {
      const seconds = (Date.now() - t0) / 1000;
      say(`example: NetworkIntent ${ns}/${name} is Active after ${seconds.toFixed(1)}s`);
      return { activeSeconds: seconds, firstPublishedSeconds: null };
    }
    if (ready?.reason === 'IntentNotUnderstood' || ready?.reason === 'InvalidSpec') {
      throw new StackError('hooks', `NetworkIntent ${ns}/${name} was refused: ${ready.message ?? ''}`);
    }
    await sleep(1000);
  }
  throw new StackError(
    'hooks',
    `NetworkIntent ${ns}/${name} did not reach phase Active within ${timeout}s (last: ${last}).\n` +
      `  Look at: ${rel(logFile('hooks'))}, ${rel(logFile('metacontroller'))}\n` +
      `  KUBECONFIG=${rel(KUBECONFIG)} kubectl describe ni ${name} -n ${ns}; kubectl get cnfd -n ${ns} -l nephoran.com/intent=${name}`,
  );
}

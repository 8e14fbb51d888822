// The intent's status from its CNFDeployments as Metacontroller shows them: one entry per function
// (phase, readiness, why not ready), the overall phase, and the Ready and Progressing conditions.
// Everything here is read from objects anyone may have edited, so every field is checked before use.
import { isObject, ownValue } from '../json.ts';
import type { CNFDeployment, Condition } from '../types.ts';
import type { IntentConditionSpec } from './conditions.ts';
import type { IntentFunctionStatus, IntentPhase, NetworkIntentStatus } from './types.ts';

/** Longest per-function message kept (a CNFDeployment's own messages can be long). */
const MAX_MESSAGE = 300;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (Number.isInteger(v) ? (v as number) : undefined);

function shorten(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s;
}

/** The previous conditions of the intent, when well-formed (their transition times are kept). */
export function previousConditions(status: unknown): Condition[] {
  const list = ownValue(status, 'conditions');
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is Condition =>
      isObject(c) &&
      typeof c.type === 'string' &&
      typeof c.status === 'string' &&
      typeof c.lastTransitionTime === 'string',
  );
}

/** `want` holds nothing `got` does not: every key of every object equal, lists equal item by item. */
export function isSubset(want: unknown, got: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(got) && got.length === want.length && want.every((w, i) => isSubset(w, got[i]));
  }
  if (isObject(want))
    return isObject(got) && Object.keys(want).every((k) => isSubset(want[k], ownValue(got, k)));
  return want === got;
}

function conditionMessage(child: CNFDeployment, type: string): string | undefined {
  const list = ownValue(child.status, 'conditions');
  if (!Array.isArray(list)) return undefined;
  const c: unknown = list.find((x) => isObject(x) && x.type === type && x.status === 'False');
  return str(ownValue(c, 'message'));
}

/** Why an observed child is not ready, in its own words where it has them. */
function notReadyMessage(child: CNFDeployment, phase: string | undefined): string {
  if (phase === undefined) return 'the CNFDeployment has no phase yet';
  const own =
    (phase === 'Pending' ? conditionMessage(child, 'DependenciesReady') : undefined) ??
    conditionMessage(child, 'Ready') ??
    str(ownValue(ownValue(child.status, 'lastError'), 'message'));
  return own === undefined ? `phase ${phase}` : `${phase}: ${own}`;
}

/**
 * One function's entry. `desired` is absent when the intent could not be planned (the child is kept
 * as it is); then readiness is judged on the child alone.
 */
export function functionStatus(
  name: string,
  desired: CNFDeployment | undefined,
  observed: CNFDeployment | undefined,
): IntentFunctionStatus {
  const spec = desired?.spec ?? observed?.spec;
  const entry: IntentFunctionStatus = {
    name,
    function: str(spec?.function) ?? '',
    replicas: int(spec?.replicas) ?? 1,
    ready: false,
  };
  if (observed === undefined) return { ...entry, message: 'not created yet' };
  const phase = str(ownValue(observed.status, 'phase'));
  const readyReplicas = int(ownValue(observed.status, 'readyReplicas'));
  if (phase !== undefined) entry.phase = phase;
  if (readyReplicas !== undefined) entry.readyReplicas = readyReplicas;
  const generation = int(observed.metadata.generation);
  const seen = int(ownValue(observed.status, 'observedGeneration'));
  let message: string | undefined;
  if (observed.metadata.deletionTimestamp !== undefined) message = 'being deleted';
  else if (desired !== undefined && !isSubset(desired.spec, observed.spec))
    message = 'waiting for the CNFDeployment to be updated to the intent';
  else if (generation !== undefined && seen !== undefined && seen < generation)
    message = `the CNF controller has not yet seen generation ${generation}`;
  else if (phase !== 'Active') message = shorten(notReadyMessage(observed, phase));
  return message === undefined ? { ...entry, ready: true } : { ...entry, message };
}

const DEGRADED = new Set(['Degraded', 'Healing']);

/** The intent's phase from its functions (when it could be planned). */
export function intentPhase(functions: readonly IntentFunctionStatus[]): IntentPhase {
  if (functions.some((f) => f.phase === 'Failed')) return 'Failed';
  if (functions.some((f) => f.phase !== undefined && DEGRADED.has(f.phase))) return 'Degraded';
  if (functions.length > 0 && functions.every((f) => f.ready)) return 'Active';
  if (functions.every((f) => f.phase === undefined)) return 'Pending';
  return 'Progressing';
}

function describe(f: IntentFunctionStatus): string {
  return `${f.name} (${f.message ?? f.phase ?? 'not ready'})`;
}

/** Ready and Progressing of a planned intent. `removing`: children being removed from it. */
export function plannedConditions(
  functions: readonly IntentFunctionStatus[],
  phase: IntentPhase,
  removing: readonly string[],
): IntentConditionSpec[] {
  const waiting = functions.filter((f) => !f.ready);
  const count = `${functions.length - waiting.length}/${functions.length} functions Active`;
  const gone = removing.length === 0 ? '' : `; removing ${removing.join(', ')}`;
  const ready: IntentConditionSpec =
    waiting.length === 0
      ? { type: 'Ready', status: 'True', reason: 'AllFunctionsActive', message: count }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'FunctionsNotActive',
          message: `${count}; not Active: ${waiting.map(describe).join(', ')}`,
        };
  let progressing: IntentConditionSpec;
  if (phase === 'Failed') {
    const failed = functions.filter((f) => f.phase === 'Failed').map(describe);
    progressing = {
      type: 'Progressing',
      status: 'False',
      reason: 'FunctionFailed',
      message: failed.join(', '),
    };
  } else if (waiting.length === 0 && removing.length === 0) {
    progressing = { type: 'Progressing', status: 'False', reason: 'Complete', message: count };
  } else {
    progressing = {
      type: 'Progressing',
      status: 'True',
      reason: 'FunctionsProgressing',
      message: `${count}${gone}`,
    };
  }
  return [ready, progressing];
}

/** "<ready>/<total>" for the printer column. */
export function readyColumn(functions: readonly IntentFunctionStatus[]): string {
  return `${functions.filter((f) => f.ready).length}/${functions.length}`;
}

/** Drops absent optional fields so the status is exactly what the CRD's status schema holds. */
export function compactStatus(s: {
  [K in keyof NetworkIntentStatus]-?: NetworkIntentStatus[K] | undefined;
}): NetworkIntentStatus {
  const out: NetworkIntentStatus = {};
  if (s.phase !== undefined) out.phase = s.phase;
  if (s.observedGeneration !== undefined) out.observedGeneration = s.observedGeneration;
  if (s.ready !== undefined) out.ready = s.ready;
  if (s.functions !== undefined) out.functions = s.functions;
  if (s.conditions !== undefined) out.conditions = s.conditions;
  return out;
}

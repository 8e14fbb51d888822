// The NetworkIntent's status vocabulary: its two condition types and, per type and status, the closed
// set of reasons (documented in docs/intent.md; tests/unit/intent-plan.test.ts checks that they are).
// Like lib/conditions.ts: lastTransitionTime moves only when a condition's status changes, so an
// unchanged world yields a deep-equal status and Metacontroller does not loop on status writes.
import type { Condition } from '../types.ts';

export const INTENT_CONDITIONS = {
  Ready: {
    True: ['AllFunctionsActive'],
    False: ['FunctionsNotActive', 'IntentNotUnderstood', 'InvalidSpec', 'Terminating'],
  },
  Progressing: {
    True: ['FunctionsProgressing', 'Terminating'],
    False: ['Complete', 'FunctionFailed', 'IntentNotUnderstood', 'InvalidSpec'],
  },
} as const satisfies Record<string, { True: readonly string[]; False: readonly string[] }>;

export type IntentConditionType = keyof typeof INTENT_CONDITIONS;

/** What the planner decides about one condition; buildIntentConditions adds the timestamps. */
export type IntentConditionSpec = {
  [T in IntentConditionType]:
    | { type: T; status: 'True'; reason: (typeof INTENT_CONDITIONS)[T]['True'][number]; message: string }
    | { type: T; status: 'False'; reason: (typeof INTENT_CONDITIONS)[T]['False'][number]; message: string };
}[IntentConditionType];

const ORDER = Object.keys(INTENT_CONDITIONS);

/**
 * Our conditions in table order with stable transition times, then the foreign ones (not ours) of
 * the previous list as they were.
 */
export function buildIntentConditions(
  specs: readonly IntentConditionSpec[],
  previous: readonly Condition[],
  now: string,
  generation: number | undefined,
): Condition[] {
  const ours = [...specs]
    .sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type))
    .map((s): Condition => {
      const before = previous.find((c) => c.type === s.type);
      const c: Condition = {
        type: s.type,
        status: s.status,
        reason: s.reason,
        message: s.message,
        lastTransitionTime:
          before !== undefined && before.status === s.status ? before.lastTransitionTime : now,
      };
      if (generation !== undefined) c.observedGeneration = generation;
      return c;
    });
  return [...ours, ...previous.filter((c) => !ORDER.includes(c.type))];
}

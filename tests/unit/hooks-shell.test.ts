// The hook shell's pieces one by one: the mapping of any error onto an HTTP answer, the action
// dispatcher's edges (no O-RAN clients, the deadline, errors that are not ApiErrors) and the
// observations' failure handling. The whole flow is covered through the app in hooks-*.test.ts.
import { describe, expect, it } from '@jest/globals';
import { HookError, toHookError } from '../../hooks/errors.ts';
import { dispatch, execute } from '../../hooks/dispatch.ts';
import { mergeObservations, observeA1, observePorch } from '../../hooks/observe.ts';
import { ApiError } from '../../lib/clients/http.ts';
import type { A1Client } from '../../lib/clients/a1.ts';
import type { Action, OranPolicyStatus } from '../../lib/types.ts';
import { cnf, packageRevision } from '../fixtures/builders.ts';
import { StubPorch } from '../doubles/porch.ts';
import type { RevisionGuard } from '../../lib/clients/porch-guard.ts';

const GUARD: RevisionGuard = { repository: 'cnf-packages', packageName: 'ns-amf', cnf: 'amf' };

describe('toHookError', () => {
  it.each([
    [{ code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, 413, 'HOOK_BODY_TOO_LARGE'],
    [{ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }, 415, 'HOOK_UNSUPPORTED_MEDIA_TYPE'],
    [{ code: 'FST_ERR_CTP_EMPTY_JSON_BODY' }, 400, 'HOOK_BAD_REQUEST'],
    [{ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' }, 400, 'HOOK_BAD_REQUEST'],
    [{ code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: 'Unexpected token' }, 400, 'HOOK_BAD_REQUEST'],
    [new SyntaxError('bad json'), 400, 'HOOK_BAD_REQUEST'],
    [{ statusCode: 429, message: 'slow down' }, 429, 'HOOK_BAD_REQUEST'],
    [{ statusCode: 502 }, 500, 'HOOK_INTERNAL'],
    [new Error('secret internal detail'), 500, 'HOOK_INTERNAL'],
    [undefined, 500, 'HOOK_INTERNAL'],
  ])('%p → %i %s', (err, status, code) => {
    const e = toHookError(err);
    expect([e.statusCode, e.code]).toEqual([status, code]);
    expect(e.message).not.toContain('secret');
  });

  it('names the field of a validation error, and keeps our own HookErrors', () => {
    const v = toHookError({
      validation: [{ instancePath: '/parent/metadata', params: { additionalProperty: 'x' } }],
      validationContext: 'body',
    });
    expect(v.message).toBe('body/parent/metadata is invalid (x)');
    const own = new HookError('HOOK_NOT_READY', 503, 'starting');
    expect(toHookError(own)).toBe(own);
  });
});

const put: Action = {
  type: 'putA1Policy',
  name: 'p',
  endpoint: 'http://ric:10000',
  policyTypeId: 1,
  policyId: 'p',
  policy: {},
  policyHash: 'h',
};

describe('dispatch and execute', () => {
  it('an O-RAN action on a server without A1/E2 clients fails as Configuration NoOranClients', async () => {
    expect(await dispatch({ porch: new StubPorch() }, put, {})).toMatchObject({
      ok: false,
      error: { class: 'Configuration', reason: 'NoOranClients' },
    });
  });

  it('a client that throws something other than an ApiError reports a Transient ClientError', async () => {
    const porch = new StubPorch();
    porch.approve = () => Promise.reject(new TypeError('boom'));
    expect(
      await dispatch({ porch }, { type: 'approve', name: 'r', namespace: 'ns', contentHash: 'h' }, {}),
    ).toMatchObject({
      ok: false,
      error: { class: 'Transient', reason: 'ClientError', message: 'boom' },
    });
  });

  it('actions the deadline leaves no time for fail as DeadlineExceeded without being tried', async () => {
    const porch = new StubPorch();
    let t = 0;
    const actions: Action[] = [
      { type: 'approve', name: 'a', namespace: 'ns', contentHash: 'h' },
      { type: 'approve', name: 'b', namespace: 'ns', contentHash: 'h' },
    ];
    porch.approve = (_ns, name) => {
      porch.calls.push(name);
      t = 100; // the first call uses up the budget
      return Promise.resolve('approved');
    };
    const results = await execute({ porch }, actions, 50, () => t, GUARD);
    expect(porch.calls).toEqual(['a']);
    expect(results.map((r) => [r.ok, r.error?.reason])).toEqual([
      [true, undefined],
      [false, 'DeadlineExceeded'],
    ]);
  });
});

describe("a revision's chain: write → propose → approve", () => {
  it('a failed step stops the rest of its chain only; other revisions and repairs go on', async () => {
    const porch = new StubPorch();
    porch.writeResources = (_ns, name) => {
      porch.calls.push(`writeResources ${name}`);
      return Promise.reject(
        new ApiError('non-fast-forward update', { class: 'Transient', reason: 'HTTP500' }),
      );
    };
    const actions: Action[] = [
      { type: 'writeResources', name: 'a', namespace: 'ns', files: {}, contentHash: 'h' },
      { type: 'propose', name: 'a', namespace: 'ns', contentHash: 'h' },
      { type: 'approve', name: 'a', namespace: 'ns', contentHash: 'h' },
      { type: 'approve', name: 'b', namespace: 'ns', contentHash: 'h' },
      { type: 'deletePackageRevision', name: 'a', namespace: 'ns' },
    ];
    const results = await execute({ porch }, actions, 1e15, () => 0, GUARD);
    expect(porch.calls).toEqual(['writeResources a', 'approve b', 'deletePackageRevision a']);
    // The blocked steps have no result: the write's failure is what status reports.
    expect(results.map((r) => `${r.action.type} ${r.action.name} ${r.ok}`)).toEqual([
      'writeResources a false',
      'approve b true',
      'deletePackageRevision a true',
    ]);
  });
});

describe('observations', () => {
  it('a Porch read failure is a Transient observation error with the client reason (or PorchObserveFailed)', async () => {
    const porch = new StubPorch();
    const draft = packageRevision({ workspace: 'r1-0123456789', contentHash: 'h', lifecycle: 'Draft' });
    const other = packageRevision({ workspace: 'r2-0123456789', contentHash: 'h', lifecycle: 'Proposed' });
    porch.hashes.set(draft.metadata.name, new ApiError('slow', { class: 'Transient', reason: 'Timeout' }));
    porch.hashes.set(other.metadata.name, new Error('odd'));
    const results: string[] = [];
    const obs = await observePorch(porch, [draft, other], 'default', 1e15, 'now', (r) => results.push(r));
    expect(obs.errors?.map((e) => e.reason).sort()).toEqual(['PorchObserveFailed', 'Timeout']);
    expect(results.sort()).toEqual(['transient', 'transient']);
    expect(await observePorch(porch, [], 'default', 1e15, 'now', () => undefined)).toEqual({});
  });

  it('A1 read failures are summed up in one error; nothing is read for a CNF being deleted', async () => {
    const policy = (id: string): OranPolicyStatus => ({
      policyTypeId: 1,
      policyId: id,
      state: 'Enforced',
      endpoint: 'http://ric:10000',
      policyHash: 'h',
    });
    const parent = cnf({ status: { oran: { policies: [policy('a'), policy('b'), policy('c')] } } });
    const a1 = {
      getPolicyStatus: (_e: string, _t: number, id: string) =>
        id === 'a'
          ? Promise.resolve({ enforceStatus: 'ENFORCED' as const })
          : Promise.reject(
              id === 'b' ? new Error('odd') : new ApiError('down', { class: 'Transient', reason: 'HTTP503' }),
            ),
    } as unknown as A1Client;
    const out = await observeA1(a1, parent, 1e15, 'now', () => undefined);
    expect(Object.keys(out.a1Policies ?? {})).toEqual(['1/a']);
    expect(out.errors).toHaveLength(1);
    expect(out.errors?.[0]).toMatchObject({ reason: 'A1ObserveFailed', action: 'observeA1Policy' });
    expect(out.errors?.[0]?.message).toContain('(and 1 more)');
    const deleting = { ...parent, metadata: { ...parent.metadata, deletionTimestamp: 'now' } };
    expect(await observeA1(a1, deleting, 1e15, 'now', () => undefined)).toEqual({});
    expect(mergeObservations({ errors: out.errors ?? [] }, out).errors).toHaveLength(2);
  });
});

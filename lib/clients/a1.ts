// A1 policy client for the O-RAN SC Near-RT RIC a1mediator (A1-P v2, case-sensitive `/A1-P/v2`).
// Every operation is idempotent: a policy type that exists is "exists", a PUT of a policy replaces
// it, a DELETE of a policy that is gone is "gone". Errors are ApiError with the reconciler's classes:
// Transient (503, 5xx, timeouts, connections; retried here up to 3 attempts), Configuration (unknown
// policy type, policy invalid against the type's schema, 401/403), Permanent (other refusals).
import type { A1PolicyObservation } from '../types.ts';
import { isObject } from '../json.ts';
import { ApiError, type CallOptions } from './http.ts';
import { answerDetail, malformedAnswer, RicHttp, unexpectedAnswer, type RicHttpOptions } from './ric.ts';

const A1_BASE = '/A1-P/v2';

export interface A1PolicyTypeBody {
  name: string;
  description: string;
  policy_type_id: number;
  create_schema: Record<string, unknown>;
}

export type PutTypeOutcome = 'created' | 'exists';
export type DeleteOutcome = 'deleted' | 'gone';

/** What the hooks need from an A1 mediator; tests substitute their own. */
export interface A1Client {
  putPolicyType(
    endpoint: string,
    typeId: number,
    body: A1PolicyTypeBody,
    opts?: CallOptions,
  ): Promise<PutTypeOutcome>;
  putPolicy(
    endpoint: string,
    typeId: number,
    policyId: string,
    policy: Record<string, unknown>,
    opts?: CallOptions,
  ): Promise<void>;
  getPolicyStatus(
    endpoint: string,
    typeId: number,
    policyId: string,
    opts?: CallOptions,
  ): Promise<A1PolicyObservation>;
  deletePolicy(
    endpoint: string,
    typeId: number,
    policyId: string,
    opts?: CallOptions,
  ): Promise<DeleteOutcome>;
  close(): Promise<void>;
}

const typePath = (typeId: number): string => `${A1_BASE}/policytypes/${typeId}`;
const policyPath = (typeId: number, policyId: string): string =>
  `${typePath(typeId)}/policies/${encodeURIComponent(policyId)}`;

export class A1HttpClient implements A1Client {
  private readonly http: RicHttp;

  constructor(opts: RicHttpOptions = {}) {
    this.http = new RicHttp(opts);
  }

  putPolicyType(
    endpoint: string,
    typeId: number,
    body: A1PolicyTypeBody,
    opts: CallOptions = {},
  ): Promise<PutTypeOutcome> {
    const what = `PUT ${typePath(typeId)}`;
    return this.http.caller.retrying(opts, async () => {
      const res = await this.http.send(endpoint, { method: 'PUT', path: typePath(typeId), body }, opts);
      if (res.status === 200 || res.status === 201) return 'created';
      if (res.status === 400) {
        // The a1mediator answers 400 both for "exists" and for a bad definition: look.
        const got = await this.http.send(endpoint, { method: 'GET', path: typePath(typeId) }, opts);
        if (got.status === 200) return 'exists';
        throw new ApiError(`${what}: 400 ${answerDetail(res)} (and the type does not exist)`, {
          class: 'Configuration',
          reason: 'InvalidPolicyType',
          httpStatus: 400,
        });
      }
      throw unexpectedAnswer(what, res);
    });
  }

  putPolicy(
    endpoint: string,
    typeId: number,
    policyId: string,
    policy: Record<string, unknown>,
    opts: CallOptions = {},
  ): Promise<void> {
    const path = policyPath(typeId, policyId);
    const what = `PUT ${path}`;
    return this.http.caller.retrying(opts, async () => {
      const res = await this.http.send(endpoint, { method: 'PUT', path, body: policy }, opts);
      if (res.status === 200 || res.status === 201 || res.status === 202) return;
      if (res.status === 404) {
        throw new ApiError(`${what}: 404 policy type ${typeId} is unknown to the A1 mediator`, {
          class: 'Configuration',
          reason: 'UnknownPolicyType',
          httpStatus: 404,
        });
      }
      if (res.status === 400) {
        throw new ApiError(`${what}: 400 policy is not valid for type ${typeId}: ${answerDetail(res)}`, {
          class: 'Configuration',
          reason: 'PolicyInvalid',
          httpStatus: 400,
        });
      }
      throw unexpectedAnswer(what, res);
    });
  }

  getPolicyStatus(
    endpoint: string,
    typeId: number,
    policyId: string,
    opts: CallOptions = {},
  ): Promise<A1PolicyObservation> {
    const path = `${policyPath(typeId, policyId)}/status`;
    const what = `GET ${path}`;
    return this.http.caller.retrying(opts, async () => {
      const res = await this.http.send(endpoint, { method: 'GET', path }, opts);
      if (res.status === 404) return { enforceStatus: 'absent' };
      if (res.status !== 200) throw unexpectedAnswer(what, res);
      const d = res.data;
      const status = isObject(d) ? d['enforceStatus'] : undefined;
      if (status !== 'ENFORCED' && status !== 'NOT_ENFORCED') {
        throw malformedAnswer(what, res, '{enforceStatus: ENFORCED|NOT_ENFORCED}');
      }
      const reason = isObject(d) ? d['enforceReason'] : undefined;
      return typeof reason === 'string' && reason !== ''
        ? { enforceStatus: status, enforceReason: reason }
        : { enforceStatus: status };
    });
  }

  deletePolicy(
    endpoint: string,
    typeId: number,
    policyId: string,
    opts: CallOptions = {},
  ): Promise<DeleteOutcome> {
    const path = policyPath(typeId, policyId);
    return this.http.caller.retrying(opts, async () => {
      const res = await this.http.send(endpoint, { method: 'DELETE', path }, opts);
      if (res.status === 200 || res.status === 202 || res.status === 204) return 'deleted';
      if (res.status === 404) return 'gone';
      throw unexpectedAnswer(`DELETE ${path}`, res);
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

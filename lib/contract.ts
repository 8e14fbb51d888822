// The contract between the pure reconciler and the hook shell: what the shell gathers (related
// objects, observations), what the reconciler answers (children, status, actions, resync), and how
// the shell reports the actions' outcomes. lib/types.ts re-exports all of it.
import type {
  CNFDeployment,
  ObjectMeta,
  ErrorClass,
  StatusError,
  PackageRevision,
  OwnerReference,
  CNFDeploymentStatus,
} from './types.ts';
import type { ErrorReason } from './errors.ts';

/** Kubernetes objects related to a CNF, gathered by Metacontroller through the customize hook. */
export interface RelatedObjects {
  deployments: KubeObject[];
  pods: KubeObject[];
  endpointSlices: KubeObject[];
  /** CNFDeployments named in spec.dependencies (same namespace). */
  cnfDeployments: CNFDeployment[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What the hook shell observed outside Metacontroller's view before calling the reconciler. */
export interface Observations {
  /**
   * For each non-published child PackageRevision (by object name): the content hash recorded in the
   * Kptfile of its PackageRevisionResources (null when absent or unreadable).
   */
  resources?: Record<string, { contentHash: string | null }>;
  /**
   * Enforcement status of each A1 policy that status.oran says was put, keyed by
   * `<policyTypeId>/<policyId>`; `absent` when the A1 mediator answered 404. A policy left out was not
   * observed (not put yet, or the GET failed: see `errors`).
   */
  a1Policies?: Record<string, A1PolicyObservation>;
  /**
   * Every PackageRevision Porch holds for the CNF's package, whatever its labels (Metacontroller only
   * sees those labelled for this CNF). Listed while a revision is in flight, while nothing is
   * observed, and on finalize; undefined when not listed (or the listing failed: see `errors`).
   */
  packageRevisions?: PackageRevision[];
  /** Failures of the previous attempt to observe (e.g. Porch unreachable), as Transient errors. */
  errors?: StatusError[];
}

export interface A1PolicyObservation {
  enforceStatus: 'ENFORCED' | 'NOT_ENFORCED' | 'absent';
  enforceReason?: string;
}

/** The submgr REST request (POST /ric/v1/subscriptions), as O-RAN SC's xapp-frame spells it. */
export interface E2SubscriptionRequest {
  SubscriptionId?: string;
  ClientEndpoint: { Host: string; HTTPPort?: number; RMRPort?: number };
  Meid: string;
  RANFunctionID: number;
  SubscriptionDetails: Array<{
    XappEventInstanceId: number;
    EventTriggers: number[];
    ActionToBeSetupList: Array<{
      ActionID: number;
      ActionType: 'insert' | 'policy' | 'report';
      ActionDefinition?: number[];
      SubsequentAction?: { SubsequentActionType: 'continue' | 'wait'; TimeToWait: string };
    }>;
  }>;
}

/** Actions carried out against O-RAN endpoints (A1 mediator, E2 subscription manager). */
export type OranAction =
  | {
      type: 'putA1PolicyType';
      /** The policy type id, as a string (names the action in status and events). */
      name: string;
      endpoint: string;
      policyTypeId: number;
      body: {
        name: string;
        description: string;
        policy_type_id: number;
        create_schema: Record<string, unknown>;
      };
    }
  | {
      type: 'putA1Policy';
      /** The policy id. */
      name: string;
      endpoint: string;
      policyTypeId: number;
      policyId: string;
      policy: Record<string, unknown>;
      policyHash: string;
    }
  | {
      type: 'deleteA1Policy';
      name: string;
      endpoint: string;
      policyTypeId: number;
      policyId: string;
      /** Leftover on an endpoint no longer in the spec: a failure is reported, never retried. */
      bestEffort?: boolean;
    }
  | {
      type: 'createE2Subscription';
      /** The subscription name (status key). */
      name: string;
      endpoint: string;
      request: E2SubscriptionRequest;
      requestHash: string;
    }
  | {
      type: 'deleteE2Subscription';
      name: string;
      endpoint: string;
      subscriptionId: string;
      bestEffort?: boolean;
    };

export type PorchAction =
  | {
      type: 'writeResources';
      /** PackageRevision (and PackageRevisionResources) object name. */
      name: string;
      namespace: string;
      files: Record<string, string>;
      contentHash: string;
    }
  /**
   * Draft → Proposed, from a fresh read, once Porch holds `contentHash` in the revision. Every
   * lifecycle change is the hook's own (Metacontroller
   * creates and deletes children but never updates them: updateStrategy OnDelete), because
   * Metacontroller's copy lags Porch under load and an update from it is refused
   * (docs/operations.md, "Porch under load").
   */
  | { type: 'propose'; name: string; namespace: string; contentHash: string }
  /** Proposed → Published, from a fresh read, once Porch holds `contentHash` in the revision. */
  | { type: 'approve'; name: string; namespace: string; contentHash: string }
  /**
   * Delete a revision: a Published one beyond the history bound, every Published one on delete, and
   * Porch's branch revision `<repo>.<pkg>.<branch>`, which keeps the package on the deployment branch
   * (and so the workload under GitOps) after every numbered revision is gone. Deleted directly where
   * Porch allows it, else proposed for deletion first; absent counts as done.
   */
  | { type: 'deletePackageRevision'; name: string; namespace: string }
  /**
   * Give a revision of this CNF's package this CNF's labels and owner again: Porch v1.5.8 can drop a
   * revision's metadata under concurrent writes (docs/operations.md, "Porch under load"), and a
   * revision Metacontroller cannot select is one it would try to create again. Also adopts what a
   * deleted CNF of the same name left behind.
   */
  | {
      type: 'adoptPackageRevision';
      name: string;
      namespace: string;
      labels: Record<string, string>;
      owner: OwnerReference;
    };

export type Action = PorchAction | OranAction;

export interface ReconcileInput {
  parent: CNFDeployment;
  /** Observed child PackageRevisions owned by the parent. */
  children: PackageRevision[];
  related: RelatedObjects;
  observations: Observations;
  /** Current time (RFC 3339), passed in: the core reads no clock. */
  now: string;
  /** Defaults from the server configuration (e.g. the Porch repository when spec.porch.repository is unset). */
  defaults: ReconcileDefaults;
}

export interface ReconcileDefaults {
  repository: string;
}

export interface ReconcileOutput {
  children: PackageRevision[];
  status: CNFDeploymentStatus;
  actions: Action[];
  resyncAfterSeconds?: number;
}

export interface FinalizeOutput extends ReconcileOutput {
  finalized: boolean;
}

/** Outcome of carrying out one action, folded back into status by the shell. */
export interface ActionResult {
  action: Action;
  ok: boolean;
  /** Set when ok is false. */
  error?: { class: ErrorClass; reason: ErrorReason; message: string; httpStatus?: number };
  /** True when the shell found nothing to do (already written / already approved / type exists / gone). */
  skipped?: boolean;
  /** createE2Subscription: the id the subscription manager gave. */
  subscriptionId?: string;
  /**
   * Set when ok is false but the request may have taken effect (timeout or lost answer of a create):
   * the reconciler counts these to bound duplicate subscriptions.
   */
  uncertain?: boolean;
}

// The CNFDeployment API as TypeScript types, and the contract between the pure core and the hook shell.
// The CRD YAML in manifests/crd/ is the single source of truth for validation; these types mirror it
// so the compiler can check the code that reads specs and writes status. One name per concept: every
// field here has the same name in the CRD, in status, in metrics labels and in docs/api.md.

import type { ErrorReason } from './errors.ts';

export const API_VERSION = 'nephoran.com/v1';
export const KIND = 'CNFDeployment';

export type CNFType = '5G-Core' | 'O-RAN' | 'Edge' | 'Custom';

/** Kubernetes resource quantity as it appears in YAML: "500m", "2Gi", 1. */
export type Quantity = string | number;

export interface ResourceList {
  cpu?: Quantity;
  memory?: Quantity;
  [name: string]: Quantity | undefined;
}

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

export type CNIType = 'macvlan' | 'ipvlan' | 'sriov';

export interface NetworkInterface {
  name: string;
  cniType: CNIType;
  master?: string;
  ipv4?: { address: string; gateway?: string };
  vlanID?: number;
}

export interface NetworkConfig {
  interfaces?: NetworkInterface[];
  serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  exposePorts?: number[];
}

export interface PorchSpec {
  repository?: string;
  packageName?: string;
  approval?: 'Automatic' | 'Manual';
}

export interface RolloutSpec {
  progressDeadlineSeconds?: number;
  autoRollback?: boolean;
}

export interface ScalingSpec {
  cooldownSeconds?: number;
}

/** O-RAN configuration stage (A1 policies, E2 subscriptions); see docs/oran.md. */
export interface OranSpec {
  a1?: {
    endpoint: string;
    policyTypes?: Array<{
      policyTypeId: number;
      name?: string;
      description?: string;
      createSchema: Record<string, unknown>;
    }>;
    policies?: Array<{ policyTypeId: number; policyId?: string; policy: Record<string, unknown> }>;
  };
  e2?: {
    endpoint: string;
    clientEndpoint?: { host: string; httpPort?: number; rmrPort?: number };
    subscriptions?: Array<{
      name?: string;
      meid: string;
      ranFunctionId: number;
      eventTriggers?: number[];
      actions: Array<{
        actionId: number;
        actionType: 'insert' | 'policy' | 'report';
        actionDefinition?: number[];
        subsequentAction?: { subsequentActionType: 'continue' | 'wait'; timeToWait?: string };
      }>;
    }>;
  };
}

export interface CNFDeploymentSpec {
  type: CNFType;
  function: string;
  replicas?: number;
  maxReplicas?: number;
  image?: string;
  resources?: ResourceRequirements;
  configuration?: Record<string, unknown>;
  networkConfig?: NetworkConfig;
  dependencies?: string[];
  porch?: PorchSpec;
  rollout?: RolloutSpec;
  scaling?: ScalingSpec;
  oran?: OranSpec;
}

export type Phase =
  | 'Pending'
  | 'Provisioning'
  | 'Configuring'
  | 'Active'
  | 'Scaling'
  | 'Updating'
  | 'Degraded'
  | 'Healing'
  | 'Terminating'
  | 'Failed'
  | 'Deleted';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  /** RFC 3339; changes only when `status` changes. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type HealthState = 'Healthy' | 'Degraded' | 'Unhealthy';

export interface HealthCheck {
  name: string;
  status: HealthState;
  message: string;
  /** When this check last changed status (stable while unchanged, so status does not churn). */
  timestamp: string;
}

export interface HealthStatus {
  overall: HealthState;
  checks: HealthCheck[];
  consecutiveFails: number;
  /** When consecutiveFails last changed (RFC 3339); it moves at most once per health-check interval. */
  lastCheck?: string;
}

export type ErrorClass = 'Transient' | 'Permanent' | 'Configuration';

export interface StatusError {
  class: ErrorClass;
  /** Machine-readable cause, e.g. InvalidSpec, RolloutFailed, Timeout (lib/errors.ts). */
  reason: ErrorReason;
  message: string;
  /** For Configuration errors: JSON paths of the offending fields, e.g. spec.replicas. */
  fields?: string[];
  /** Which hook action failed, when the error came from one. */
  action?: string;
  /** Spec generation the error was observed at; a Configuration error is not retried until it changes. */
  generation?: number;
  since: string;
  /** Transient errors: failed attempts counted (at most one per backoff window); drives the resync backoff. */
  failures?: number;
  /** Transient errors: when the last counted failure happened (RFC 3339); the backoff window starts here. */
  lastFailure?: string;
}

/** What made a package revision: the first one, a replicas-only change, any other change, healing, a rollback. */
export type RevisionTrigger = 'Create' | 'Scale' | 'Update' | 'Heal' | 'Rollback';

export type RevisionOutcome = 'Pending' | 'Published' | 'Healthy' | 'Failed' | 'RolledBack' | 'Superseded';

export interface RevisionHistoryEntry {
  /** PackageRevision object name. */
  name: string;
  workspace: string;
  /** Porch revision number once published (0 before). */
  revision: number;
  contentHash: string;
  generation: number;
  /** spec.replicas the revision was rendered with (tells a replicas-only change from an update). */
  replicas?: number;
  /** Restart generation the revision was rendered with (bumped by healing). */
  restartGeneration?: number;
  outcome: RevisionOutcome;
  /** When the revision was first seen Published (RFC 3339); the rollout deadline counts from here. */
  publishedAt?: string;
  createdAt: string;
  finishedAt?: string;
  trigger?: RevisionTrigger;
}

export interface CNFDeploymentStatus {
  phase?: Phase;
  conditions?: Condition[];
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  /** Label selector string for the scale subresource (`kubectl scale`). */
  selector?: string;
  /** Name of the PackageRevision that the workload should be running (latest desired). */
  packageRevision?: string;
  packageName?: string;
  repository?: string;
  /** Porch revision number of the latest published revision. */
  revision?: number;
  contentHash?: string;
  health?: HealthStatus;
  history?: RevisionHistoryEntry[];
  lastError?: StatusError;
  /** The spec last seen healthy; rollback renders it into a new revision. */
  lastHealthy?: { generation: number; contentHash: string; spec: CNFDeploymentSpec };
  rollback?: {
    failedContentHash: string;
    failedGeneration: number;
    toContentHash: string;
    at: string;
    /** Why the failed revision was rolled back (its rollout failure). */
    message: string;
  };
  scaling?: { lastScaleTime?: string; cooldownUntil?: string; pendingReplicas?: number };
  healing?: { attempts: number; lastAttemptAt?: string; restartGeneration?: number };
  phaseSince?: string;
  /** O-RAN configuration stage state (docs/oran.md). */
  oran?: OranStatus;
}

/**
 * Pending: to be PUT (or PUT again); Accepted: the A1 mediator took it (202), enforcement not seen
 * yet; Enforced / NotEnforced: as its status says; Failed: refused for good (held until the spec
 * changes); Deleting: removed from the spec (or the CNF is being deleted), DELETE pending.
 */
export type OranPolicyState = 'Pending' | 'Accepted' | 'Enforced' | 'NotEnforced' | 'Failed' | 'Deleting';

/** Pending: to be created; Ready: the subscription manager gave it an id; Failed; Deleting. */
export type OranSubscriptionState = 'Pending' | 'Ready' | 'Failed' | 'Deleting';

export interface OranPolicyStatus {
  policyTypeId: number;
  policyId: string;
  state: OranPolicyState;
  /** Why the policy is in this state (the A1 enforceReason when NotEnforced). */
  message?: string;
  /** a1mediator base URL the policy was (or is to be) put to. */
  endpoint?: string;
  /** sha256 of the policy body last accepted (Accepted/Enforced/NotEnforced) or refused (Failed). */
  policyHash?: string;
  /** Failed only: spec generation of the refusal; it is not retried until the generation changes. */
  generation?: number;
}

export interface OranSubscriptionStatus {
  name: string;
  subscriptionId?: string;
  state: OranSubscriptionState;
  /** Why the subscription is in this state. */
  message?: string;
  /** Subscription manager base URL. */
  endpoint?: string;
  /** sha256 of the request the subscription was created with (or refused, when Failed). */
  requestHash?: string;
  /** Creates whose outcome is unknown (timeout, lost answer): bounded, see docs/oran.md. */
  uncertainCreates?: number;
  /** Failed only: spec generation of the failure; it is not retried until the generation changes. */
  generation?: number;
}

export interface OranStatus {
  policies?: OranPolicyStatus[];
  subscriptions?: OranSubscriptionStatus[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<Record<string, unknown>>;
}

export interface CNFDeployment {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: CNFDeploymentSpec;
  status?: CNFDeploymentStatus;
}

// ---- Porch ----------------------------------------------------------------------------------------

export type PackageLifecycle = 'Draft' | 'Proposed' | 'Published' | 'DeletionProposed';

export type PackageRevisionTask =
  | { type: 'init'; init: { description?: string; keywords?: string[]; site?: string } }
  | { type: 'edit'; edit: { sourceRef: { name: string } } };

export interface PackageRevision {
  apiVersion: 'porch.kpt.dev/v1alpha1';
  kind: 'PackageRevision';
  metadata: ObjectMeta;
  spec: {
    packageName: string;
    repository: string;
    workspaceName: string;
    revision?: number;
    lifecycle?: PackageLifecycle;
    tasks?: PackageRevisionTask[];
  };
  status?: { publishedBy?: string; publishTimestamp?: string; conditions?: Array<Record<string, unknown>> };
}

/** The rendered kpt package: file path → content. Deterministic for the same spec. */
export interface RenderedPackage {
  files: Record<string, string>;
  /** sha256 (hex) over the files, excluding the hash annotation itself. */
  contentHash: string;
}

// ---- Reconciler contract ----------------------------------------------------------------------------

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
  | { type: 'approve'; name: string; namespace: string }
  /**
   * Remove a revision Metacontroller does not own: Porch's branch revision `<repo>.<pkg>.main`, which
   * keeps the package on the deployment branch (and so the workload under GitOps) after every
   * numbered revision is gone. Published → DeletionProposed, then delete; absent counts as done.
   */
  | { type: 'deletePackageRevision'; name: string; namespace: string };

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

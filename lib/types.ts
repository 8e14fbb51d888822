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

/** A static address of one family: CIDR notation with the host's address, and an optional gateway. */
export interface StaticAddress {
  address: string;
  gateway?: string;
}

/** An address pool (whereabouts IPAM): every pod gets its own address from `range`. */
export interface IPPool {
  /** CIDR, IPv4 or IPv6; bits past the prefix set start the allocation there. */
  range: string;
  gateway?: string;
  /** CIDRs inside range that are never handed out. */
  exclude?: string[];
}

export interface NetworkInterface {
  name: string;
  cniType: CNIType;
  master?: string;
  /** Static addresses (static IPAM): ipv4, ipv6 or both (dual-stack). Exclusive with ipPool. */
  ipv4?: StaticAddress;
  ipv6?: StaticAddress;
  ipPool?: IPPool;
  vlanID?: number;
  mtu?: number;
  /** sriov only: VFs of `master` the pod gets for this interface (default 1). */
  vfs?: number;
}

export type IPFamily = 'IPv4' | 'IPv6';
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

export interface NetworkConfig {
  interfaces?: NetworkInterface[];
  serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  exposePorts?: number[];
  /** The function's Service, as Kubernetes Service spec.ipFamilyPolicy / spec.ipFamilies. */
  ipFamilyPolicy?: IPFamilyPolicy;
  ipFamilies?: IPFamily[];
}

/** Data-plane performance profile (docs/api.md, "Data-plane profiles"). */
export interface PerformanceSpec {
  qos?: 'Guaranteed' | 'Burstable';
  cpuPinning?: boolean;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface TopologySpread {
  topologyKey: string;
  maxSkew?: number;
  whenUnsatisfiable?: 'DoNotSchedule' | 'ScheduleAnyway';
}

/** Where the pods run: rendered into the pod spec. */
export interface PlacementSpec {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  topologySpread?: TopologySpread[];
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
  performance?: PerformanceSpec;
  placement?: PlacementSpec;
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
  /** When the revision was first seen Proposed (RFC 3339). */
  proposedAt?: string;
  /** When it was seen back in Draft after proposedAt: a reviewer rejected it (`porchctl rpkg reject`). */
  rejectedAt?: string;
  /** The annotation nephoran.com/propose-again's value when the rejection was seen ('' when absent). */
  proposeAgain?: string;
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
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
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

// The contract between the pure core and the hook shell lives in contract.ts; re-exported here so
// every caller imports types from one place.
export type * from './contract.ts';

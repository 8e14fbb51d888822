// The NetworkIntent API as TypeScript types, mirroring manifests/crd/networkintents.nephoran.com.yaml
// (the single source of truth; tests/unit/intent-crd.test.ts keeps the two together), and the
// contract between the pure intent planner (plan.ts) and its hook shell (hooks/intent.ts).
import type { CNFDeployment, CNFDeploymentSpec, CNFType, Condition, ObjectMeta } from '../types.ts';

export const INTENT_API_VERSION = 'nephoran.com/v1';
export const INTENT_KIND = 'NetworkIntent';

/** On every CNFDeployment an intent creates: the intent's name. */
export const LABEL_INTENT = 'nephoran.com/intent';
/** On every CNFDeployment of an intent with a site: the site. */
export const LABEL_SITE = 'nephoran.com/site';

export type Size = 'small' | 'medium' | 'large';
export type ProfileName = 'minimal-5g-core' | 'ran-site';

/** One CNF template of spec.functions: a CNFDeployment spec without what the intent derives. */
export interface FunctionTemplate {
  function: string;
  name?: string;
  type?: CNFType;
  replicas?: number;
  maxReplicas?: number;
  size?: Size;
  image?: string;
  resources?: CNFDeploymentSpec['resources'];
  networkConfig?: CNFDeploymentSpec['networkConfig'];
  performance?: CNFDeploymentSpec['performance'];
  placement?: CNFDeploymentSpec['placement'];
  configuration?: CNFDeploymentSpec['configuration'];
  oran?: CNFDeploymentSpec['oran'];
  porch?: CNFDeploymentSpec['porch'];
}

export interface NetworkIntentSpec {
  intent?: string;
  profile?: ProfileName;
  size?: Size;
  site?: string;
  functions?: FunctionTemplate[];
}

export type IntentPhase = 'Pending' | 'Progressing' | 'Active' | 'Degraded' | 'Failed' | 'Terminating';

export interface IntentFunctionStatus {
  /** The CNFDeployment's name. */
  name: string;
  function: string;
  /** Desired replicas. */
  replicas: number;
  readyReplicas?: number;
  /** The CNFDeployment's phase; absent until it exists. */
  phase?: string;
  /** Active, on the spec the intent asks for. */
  ready: boolean;
  message?: string;
}

export interface NetworkIntentStatus {
  phase?: IntentPhase;
  observedGeneration?: number;
  /** "<Active>/<total>", the Ready printer column. */
  ready?: string;
  functions?: IntentFunctionStatus[];
  conditions?: Condition[];
}

export interface NetworkIntent {
  apiVersion: typeof INTENT_API_VERSION;
  kind: typeof INTENT_KIND;
  metadata: ObjectMeta;
  spec: NetworkIntentSpec;
  status?: NetworkIntentStatus;
}

/** What the hook shell gathers: the intent (status untrusted) and the CNFDeployments it owns. */
export interface IntentInput {
  parent: NetworkIntent;
  children: CNFDeployment[];
  /** RFC 3339; only condition transition times use it. */
  now: string;
}

/** The answer: the CNFDeployments that should exist (Metacontroller applies them) and the status. */
export interface IntentOutput {
  children: CNFDeployment[];
  status: NetworkIntentStatus;
  resyncAfterSeconds?: number;
}

export interface IntentFinalizeOutput extends IntentOutput {
  finalized: boolean;
}

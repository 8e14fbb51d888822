// The benchmark's request: a CNF driven to Active through two configuration updates by the scenario
// simulator (3 PackageRevisions), with its Deployment, 10 realistic Pods and an EndpointSlice.
// Shared by bench/sync.bench.ts and bench/profile.ts.
import { defaultPackageName } from '../lib/naming.ts';
import { renderPackageUncached, type RenderInput } from '../lib/render/index.ts';
import type { KubeObject, PackageRevision, ReconcileInput } from '../lib/types.ts';
import { validateCNFDeployment } from '../lib/validate.ts';
import { World } from '../tests/fixtures/simulator.ts';

/** A CNF at Active after two updates, with 3 revisions, 1 Deployment, 10 Pods, 1 EndpointSlice. */
export function realisticInput(): ReconcileInput {
  const w = new World({ spec: { replicas: 10 } });
  const active = (x: World): boolean => x.parent.status?.phase === 'Active';
  w.runUntil(active);
  for (const level of ['info', 'debug']) {
    w.advance(60);
    w.setSpec({ configuration: { logLevel: level, plmn: { mcc: '001', mnc: '01' } } });
    w.runUntil((x) => active(x) && x.parent.status?.contentHash !== undefined);
    w.run(5);
  }
  const input = w.input();
  input.parent.metadata.creationTimestamp = '2026-03-01T10:00:00Z';
  input.related.pods = input.related.pods.map(realisticPod);
  return input;
}

/**
 * The simulator's Pods are minimal; real ones (as Metacontroller passes them) carry managedFields,
 * a full container spec and status: about 5 KiB each in JSON.
 */
function realisticPod(pod: KubeObject, i: number): KubeObject {
  const container = {
    name: 'amf',
    image: 'registry.example.com/5gc/amf:1.4.2',
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: 'sbi', containerPort: 8080, protocol: 'TCP' },
      { name: 'ngap', containerPort: 38412, protocol: 'SCTP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ],
    env: ['MCC', 'MNC', 'NRF_URI', 'LOG_LEVEL', 'POD_IP'].map((name) => ({
      name,
      value: `${name.toLowerCase()}-value`,
    })),
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/amf' },
      {
        name: 'kube-api-access-x7k2p',
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
        readOnly: true,
      },
    ],
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
  const ts = '2026-03-01T10:01:00Z';
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      uid: `6d1c9a7e-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(12000 + i),
      creationTimestamp: ts,
      generateName: 'test-amf-7d9f8c6b5-',
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'test-amf-7d9f8c6b5',
          uid: 'rs-uid',
          controller: true,
        },
      ],
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: ts,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"amf"}': { '.': {}, 'f:image': {}, 'f:ports': {}, 'f:resources': {} },
              },
            },
          },
        },
        {
          manager: 'kubelet',
          operation: 'Update',
          apiVersion: 'v1',
          time: ts,
          subresource: 'status',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:status': {
              'f:conditions': {},
              'f:containerStatuses': {},
              'f:podIP': {},
              'f:podIPs': {},
              'f:startTime': {},
            },
          },
        },
      ],
    } as KubeObject['metadata'],
    spec: {
      containers: [container],
      volumes: [{ name: 'config', configMap: { name: 'test-amf-config' } }],
      serviceAccountName: 'default',
      nodeName: `worker-${i % 3}`,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
    },
    status: {
      ...pod.status,
      hostIP: `192.168.0.${10 + (i % 3)}`,
      podIP: `10.244.${i % 3}.${20 + i}`,
      startTime: ts,
      qosClass: 'Burstable',
      containerStatuses: [
        {
          name: 'amf',
          ready: true,
          started: true,
          restartCount: 0,
          image: container.image,
          imageID: 'registry.example.com/5gc/amf@sha256:' + 'a'.repeat(64),
          containerID: 'containerd://' + 'b'.repeat(64),
          state: { running: { startedAt: ts } },
        },
      ],
    },
  };
}

function byKey<T extends { metadata: { name: string; namespace?: string } }>(objs: T[]): Record<string, T> {
  return Object.fromEntries(objs.map((o) => [`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o]));
}

export function metacontrollerRequest(input: ReconcileInput): Record<string, unknown> {
  return {
    controller: {
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      metadata: { name: 'cnfdeployment-controller' },
    },
    parent: input.parent,
    children: {
      'PackageRevision.porch.kpt.dev/v1alpha1': byKey<PackageRevision>(
        input.children.map((c) => ({ ...c, metadata: { ...c.metadata, namespace: 'default' } })),
      ),
    },
    related: {
      'Deployment.apps/v1': byKey<KubeObject>(input.related.deployments),
      'Pod.v1': byKey<KubeObject>(input.related.pods),
      'EndpointSlice.discovery.k8s.io/v1': byKey<KubeObject>(input.related.endpointSlices),
    },
    finalizing: false,
  };
}

/** What reconcile() passes to renderPackage for this input (the bench times a render miss with it). */
export function renderInputOf(input: ReconcileInput): RenderInput {
  const v = validateCNFDeployment(input.parent);
  if (!v.ok) throw new Error(`bench request is invalid: ${JSON.stringify(v.issues)}`);
  const { name, namespace = 'default' } = input.parent.metadata;
  const spec = v.value.spec;
  const renderInput: RenderInput = {
    name,
    namespace,
    spec,
    packageName: defaultPackageName(namespace, name, spec),
    repository: spec.porch?.repository ?? input.defaults.repository,
  };
  // The same render reconcile() does: it produces the published revision's content hash.
  const hash = renderPackageUncached(renderInput).contentHash;
  if (hash !== input.parent.status?.contentHash)
    throw new Error('bench render input differs from reconcile()');
  return renderInput;
}

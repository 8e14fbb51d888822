// The CNF function catalog: what the renderer needs to know about each network function that the
// CRD's `spec.function` enum admits. tests/unit/catalog.test.ts proves the catalog and the CRD enum
// (and the CRD's function-belongs-to-type and minimum-resource CEL rules) list the same facts.
//
// Images are defaults only (users pin their own with spec.image); every default is pinned to a
// release tag because unpinned images break installs when upstream moves.

import type { CNFDeploymentSpec, CNFType, PerformanceSpec } from './types.ts';

export const CNF_TYPES: readonly CNFType[] = ['5G-Core', 'O-RAN', 'Edge', 'Custom'];

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface CatalogPort {
  /** IANA service name style (≤ 15 chars, lowercase): used for container and Service ports. */
  name: string;
  port: number;
  protocol: Protocol;
}

export type Probe = { type: 'http'; port: number; path: string } | { type: 'tcp'; port: number };

export interface CatalogResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export interface CatalogEntry {
  function: string;
  family: '5G core' | 'O-RAN';
  description: string;
  image: string;
  /** Container command, for images that ship several daemons. */
  command?: string[];
  ports: CatalogPort[];
  /** Multus interfaces the function normally needs (informational: listed in function-config.yaml). */
  interfaces: string[];
  /** Used when spec.resources leaves a value out. Always at least `minimum`. */
  resources: CatalogResources;
  /** Minimum requests enforced by the CRD (CEL) and lib/validate.ts, when requests are given. */
  minimum?: { cpu: string; memory: string };
  /** Linux capabilities added to the container (all others are dropped). */
  capabilities: string[];
  /** CNF types this function may be deployed as; `Custom` admits every function. */
  types: CNFType[];
  /** Readiness/liveness probe; absent for functions with no TCP listener (e.g. UPF: UDP only). */
  probe?: Probe;
  /** Data-plane functions: the profile they are best run with (docs/api.md, "Data-plane profiles"). */
  profile?: DataPlaneProfile;
}

/**
 * How a packet-processing function should run: documented, not applied (the spec says what it
 * gets). profileSpec() turns it into the spec fields to set.
 */
export interface DataPlaneProfile {
  performance: Required<PerformanceSpec>;
  /** Hugepages per size, e.g. { 'hugepages-1Gi': '2Gi' } (requests and limits, equal). */
  hugepages: Record<string, string>;
  /** Interfaces best on SR-IOV VFs, and their MTU. */
  sriov: { interfaces: string[]; mtu: number };
  /** Why, in a sentence (docs). */
  why: string;
}

const PINNED: Required<PerformanceSpec> = { qos: 'Guaranteed', cpuPinning: true };
/** GTP-U and eCPRI frames carry a full inner packet plus headers: jumbo frames avoid fragmenting. */
const JUMBO = 9000;

const FREE5GC = 'docker.io/free5gc';
const FREE5GC_TAG = 'v3.4.4';
const OAI = 'docker.io/oaisoftwarealliance';
const OSC = 'nexus3.o-ran-sc.org:10002/o-ran-sc';

const SBI_PORT = 80;
const sbi: CatalogPort = { name: 'sbi', port: SBI_PORT, protocol: 'TCP' };
const sbiProbe: Probe = { type: 'tcp', port: SBI_PORT };
const small: CatalogResources = {
  requests: { cpu: '250m', memory: '256Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};
const core = (types: CNFType[] = ['5G-Core', 'Custom']): CNFType[] => types;
const ran = (types: CNFType[] = ['O-RAN', 'Custom']): CNFType[] => types;

/** 5G core control-plane functions that only speak SBI (HTTP/2 on port 80). */
function sbiOnly(fn: string, description: string, image: string, command?: string[]): CatalogEntry {
  return {
    function: fn,
    family: '5G core',
    description,
    image,
    ...(command ? { command } : {}),
    ports: [sbi],
    interfaces: [],
    resources: small,
    capabilities: [],
    types: core(),
    probe: sbiProbe,
  };
}

const entries: CatalogEntry[] = [
  {
    function: 'AMF',
    family: '5G core',
    description: 'Access and Mobility Management Function',
    image: `${FREE5GC}/amf:${FREE5GC_TAG}`,
    ports: [sbi, { name: 'ngap', port: 38412, protocol: 'SCTP' }],
    interfaces: ['n2'],
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    minimum: { cpu: '1', memory: '2Gi' },
    capabilities: [],
    types: core(),
    probe: sbiProbe,
  },
  {
    function: 'SMF',
    family: '5G core',
    description: 'Session Management Function',
    image: `${FREE5GC}/smf:${FREE5GC_TAG}`,
    ports: [sbi, { name: 'pfcp', port: 8805, protocol: 'UDP' }],
    interfaces: ['n4'],
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    minimum: { cpu: '1', memory: '2Gi' },
    capabilities: [],
    types: core(),
    probe: sbiProbe,
  },
  {
    function: 'UPF',
    family: '5G core',
    description: 'User Plane Function',
    image: `${FREE5GC}/upf:${FREE5GC_TAG}`,
    ports: [
      { name: 'gtpu', port: 2152, protocol: 'UDP' },
      { name: 'pfcp', port: 8805, protocol: 'UDP' },
    ],
    interfaces: ['n3', 'n4', 'n6'],
    resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } },
    minimum: { cpu: '2', memory: '4Gi' },
    capabilities: ['NET_ADMIN'],
    types: core(['5G-Core', 'Edge', 'Custom']),
    profile: {
      performance: PINNED,
      hugepages: { 'hugepages-1Gi': '2Gi' },
      sriov: { interfaces: ['n3', 'n6'], mtu: JUMBO },
      why: 'GTP-U forwarding at line rate (DPDK/VPP poll-mode): exclusive cores, hugepage packet buffers, VFs on N3/N6',
    },
  },
  sbiOnly('NRF', 'Network Repository Function', `${FREE5GC}/nrf:${FREE5GC_TAG}`),
  sbiOnly('AUSF', 'Authentication Server Function', `${FREE5GC}/ausf:${FREE5GC_TAG}`),
  sbiOnly('UDM', 'Unified Data Management', `${FREE5GC}/udm:${FREE5GC_TAG}`),
  sbiOnly('UDR', 'Unified Data Repository', `${FREE5GC}/udr:${FREE5GC_TAG}`),
  sbiOnly('PCF', 'Policy Control Function', `${FREE5GC}/pcf:${FREE5GC_TAG}`),
  sbiOnly('NSSF', 'Network Slice Selection Function', `${FREE5GC}/nssf:${FREE5GC_TAG}`),
  sbiOnly('NEF', 'Network Exposure Function', `${FREE5GC}/nef:${FREE5GC_TAG}`),
  sbiOnly('SEPP', 'Security Edge Protection Proxy', 'docker.io/gradiant/open5gs:2.7.2', ['open5gs-seppd']),
  sbiOnly('SCP', 'Service Communication Proxy', 'docker.io/gradiant/open5gs:2.7.2', ['open5gs-scpd']),
  sbiOnly('BSF', 'Binding Support Function', 'docker.io/gradiant/open5gs:2.7.2', ['open5gs-bsfd']),
  sbiOnly('CHF', 'Charging Function', `${FREE5GC}/chf:${FREE5GC_TAG}`),
  sbiOnly('NWDAF', 'Network Data Analytics Function', `${OAI}/oai-nwdaf-engine:v2.1.0`),
  {
    function: 'N3IWF',
    family: '5G core',
    description: 'Non-3GPP Interworking Function',
    image: `${FREE5GC}/n3iwf:${FREE5GC_TAG}`,
    ports: [
      { name: 'ike', port: 500, protocol: 'UDP' },
      { name: 'ike-natt', port: 4500, protocol: 'UDP' },
    ],
    interfaces: ['n2', 'n3', 'nwu'],
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
    capabilities: ['NET_ADMIN'],
    types: core(),
  },
  {
    function: 'O-CU-CP',
    family: 'O-RAN',
    description: 'O-RAN Central Unit, control plane',
    image: `${OAI}/oai-gnb:v2.1.0`,
    ports: [
      { name: 'f1c', port: 38472, protocol: 'SCTP' },
      { name: 'e1', port: 38462, protocol: 'SCTP' },
    ],
    interfaces: ['n2', 'f1', 'e1'],
    resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    capabilities: [],
    types: ran(['O-RAN', 'Edge', 'Custom']),
  },
  {
    function: 'O-CU-UP',
    family: 'O-RAN',
    description: 'O-RAN Central Unit, user plane',
    image: `${OAI}/oai-nr-cuup:v2.1.0`,
    ports: [
      { name: 'gtpu', port: 2152, protocol: 'UDP' },
      { name: 'e1', port: 38462, protocol: 'SCTP' },
    ],
    interfaces: ['n3', 'f1', 'e1'],
    resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    capabilities: ['NET_ADMIN'],
    types: ran(['O-RAN', 'Edge', 'Custom']),
    profile: {
      performance: PINNED,
      hugepages: { 'hugepages-1Gi': '1Gi' },
      sriov: { interfaces: ['n3', 'f1'], mtu: JUMBO },
      why: 'user-plane PDCP and GTP-U between the DU and the UPF: exclusive cores, hugepages, VFs on N3/F1-U',
    },
  },
  {
    function: 'O-DU',
    family: 'O-RAN',
    description: 'O-RAN Distributed Unit',
    image: `${OAI}/oai-gnb:v2.1.0`,
    ports: [
      { name: 'f1c', port: 38472, protocol: 'SCTP' },
      { name: 'f1u', port: 2152, protocol: 'UDP' },
    ],
    interfaces: ['f1', 'fh'],
    resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } },
    capabilities: ['NET_ADMIN', 'SYS_NICE', 'IPC_LOCK'],
    types: ran(['O-RAN', 'Edge', 'Custom']),
    profile: {
      performance: PINNED,
      hugepages: { 'hugepages-1Gi': '4Gi' },
      sriov: { interfaces: ['fh'], mtu: JUMBO },
      why: 'O-RAN 7.2x fronthaul (eCPRI) under slot deadlines: real-time threads on exclusive cores, DPDK hugepages, VFs on the fronthaul',
    },
  },
  {
    function: 'Near-RT-RIC',
    family: 'O-RAN',
    description:
      'Near-real-time RAN Intelligent Controller (A1 mediator, E2 termination, subscription manager)',
    image: `${OSC}/ric-plt-a1:3.2.2`,
    ports: [
      { name: 'a1', port: 10000, protocol: 'TCP' },
      { name: 'e2', port: 36421, protocol: 'SCTP' },
      { name: 'submgr', port: 8088, protocol: 'TCP' },
    ],
    interfaces: ['e2'],
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
    capabilities: [],
    types: ran(),
    probe: { type: 'http', port: 10000, path: '/A1-P/v2/healthcheck' },
  },
  {
    function: 'Non-RT-RIC',
    family: 'O-RAN',
    description: 'Non-real-time RAN Intelligent Controller (A1 policy management service)',
    image: `${OSC}/nonrtric-plt-a1policymanagementservice:2.9.0`,
    ports: [{ name: 'http', port: 8081, protocol: 'TCP' }],
    interfaces: [],
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
    capabilities: [],
    types: ran(),
    probe: { type: 'http', port: 8081, path: '/status' },
  },
  {
    function: 'xApp',
    family: 'O-RAN',
    description: 'Near-RT RIC application (xapp-frame: HTTP 8080, RMR 4560/4561)',
    image: `${OSC}/ric-app-hw-go:1.1.2`,
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'rmr-data', port: 4560, protocol: 'TCP' },
      { name: 'rmr-route', port: 4561, protocol: 'TCP' },
    ],
    interfaces: [],
    resources: small,
    capabilities: [],
    types: ran(),
    probe: { type: 'http', port: 8080, path: '/ric/v1/health/ready' },
  },
  {
    function: 'rApp',
    family: 'O-RAN',
    description: 'Non-RT RIC application',
    image: `${OSC}/nonrtric-rapp-helloworld:1.0.0`,
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    interfaces: [],
    resources: small,
    capabilities: [],
    types: ran(),
    probe: { type: 'tcp', port: 8080 },
  },
];

/** Every function name, in the order of the CRD enum. */
export const FUNCTIONS: readonly string[] = entries.map((e) => e.function);

const byName: ReadonlyMap<string, CatalogEntry> = new Map(entries.map((e) => [e.function, e]));

export function getCatalogEntry(fn: string): CatalogEntry | undefined {
  return byName.get(fn);
}

/** Functions admitted for a CNF type (Custom admits all). */
export function functionsForType(type: CNFType): string[] {
  return entries.filter((e) => e.types.includes(type)).map((e) => e.function);
}

export function isFunctionAllowedForType(fn: string, type: CNFType): boolean {
  return byName.get(fn)?.types.includes(type) ?? false;
}

/**
 * The spec fields of a function's data-plane profile (undefined for functions without one): the
 * catalog's resources with limits equal to requests plus the hugepages, the profile's performance,
 * and its SR-IOV interfaces on `sriovResource` with the profile's MTU. Addresses are left to the user
 * (ipv4/ipv6, or an ipPool to run more than one pod).
 */
export function profileSpec(
  fn: string,
  sriovResource = 'intel.com/sriov_netdevice',
): Pick<CNFDeploymentSpec, 'resources' | 'performance' | 'networkConfig'> | undefined {
  const entry = byName.get(fn);
  const profile = entry?.profile;
  if (!entry || !profile) return undefined;
  const sized = { ...entry.resources.requests, ...profile.hugepages };
  return {
    resources: { requests: { ...sized }, limits: { ...sized } },
    performance: { ...profile.performance },
    networkConfig: {
      interfaces: profile.sriov.interfaces.map((name) => ({
        name,
        cniType: 'sriov' as const,
        master: sriovResource,
        mtu: profile.sriov.mtu,
      })),
    },
  };
}

/**
 * What each function needs running before it is rolled out: the 5G core's service-based architecture
 * (every NF registers with the NRF; AUSF asks UDM, UDM reads UDR, SMF drives the UPF over N4, AMF
 * authenticates through AUSF) and O-RAN's interfaces (DU and CU-UP attach to the CU-CP, the CU-CP to
 * the AMF, xApps/rApps to their RIC). A NetworkIntent turns these into CNFDeployment
 * `spec.dependencies` between functions of the same intent, and only when the dependency is in the
 * intent (lib/intent/children.ts). Acyclic (tests/unit/intent-plan.test.ts).
 */
export const FUNCTION_DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  AMF: ['NRF', 'AUSF'],
  SMF: ['NRF', 'UPF'],
  UPF: [],
  NRF: [],
  AUSF: ['NRF', 'UDM'],
  UDM: ['NRF', 'UDR'],
  UDR: ['NRF'],
  PCF: ['NRF', 'UDR'],
  NSSF: ['NRF'],
  NEF: ['NRF', 'UDR'],
  SEPP: ['NRF'],
  SCP: ['NRF'],
  BSF: ['NRF'],
  CHF: ['NRF'],
  NWDAF: ['NRF'],
  N3IWF: ['AMF'],
  'O-CU-CP': ['AMF'],
  'O-CU-UP': ['O-CU-CP'],
  'O-DU': ['O-CU-CP'],
  'Near-RT-RIC': [],
  'Non-RT-RIC': [],
  xApp: ['Near-RT-RIC'],
  rApp: ['Non-RT-RIC'],
};

/** The functions `fn` needs running first (none for a function the catalog does not know). */
export function dependenciesOf(fn: string): readonly string[] {
  return Object.hasOwn(FUNCTION_DEPENDENCIES, fn) ? FUNCTION_DEPENDENCIES[fn]! : [];
}

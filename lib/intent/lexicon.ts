// The words of the intent grammar (grammar.ts), as data: docs/intent.md lists every one of them and
// tests/unit/intent-grammar.test.ts checks that it does. Words are matched case-insensitively; a
// phrase of several words is matched before any shorter phrase that starts at the same word.
import { FUNCTIONS } from '../catalog.ts';
import type { ProfileName, Size } from './types.ts';

/** Verbs: an intent is declarative, so they all mean "this should run". */
export const VERBS: readonly string[] = [
  'deploy',
  'create',
  'install',
  'run',
  'launch',
  'start',
  'provision',
  'instantiate',
  'add',
  'scale',
  'resize',
  'set',
  'update',
  'make',
  'keep',
  'ensure',
  'bring up',
  'spin up',
  'roll out',
  'rollout',
];

/** Verbs an intent cannot express: a function is removed by leaving it out. */
export const REFUSED_VERBS: readonly string[] = [
  'delete',
  'remove',
  'destroy',
  'undeploy',
  'uninstall',
  'stop',
  'terminate',
  'kill',
  'tear down',
];

/** Words that carry no meaning of their own here. */
export const FILLERS: readonly string[] = [
  'a',
  'an',
  'the',
  'with',
  'of',
  'for',
  'and',
  'plus',
  'also',
  'then',
  'to',
  'at',
  'on',
  'in',
  'into',
  'please',
  'i',
  'we',
  'want',
  'need',
  'it',
  'them',
  'each',
  'both',
  'all',
  'having',
  'using',
  'network',
  'function',
  'functions',
  'nf',
  'nfs',
  'cnf',
  'cnfs',
  'x',
  '×',
  'size',
  'sized',
  ',',
  '&',
];

export const REPLICA_WORDS: readonly string[] = [
  'replica',
  'replicas',
  'instance',
  'instances',
  'copy',
  'copies',
  'pod',
  'pods',
];
export const CPU_WORDS: readonly string[] = ['cpu', 'cpus', 'vcpu', 'vcpus', 'core', 'cores'];
export const MEMORY_WORDS: readonly string[] = ['memory', 'ram', 'mem'];

/** Counts written as words. */
export const NUMBER_WORDS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};

export const SIZE_WORDS: Readonly<Record<string, Size>> = {
  small: 'small',
  medium: 'medium',
  large: 'large',
};

/** Memory units as people write them → the Kubernetes binary suffix (GB is read as GiB). */
export const MEMORY_UNITS: Readonly<Record<string, string>> = {
  ki: 'Ki',
  kb: 'Ki',
  kib: 'Ki',
  mi: 'Mi',
  mb: 'Mi',
  mib: 'Mi',
  gi: 'Gi',
  g: 'Gi',
  gb: 'Gi',
  gib: 'Gi',
  ti: 'Ti',
  tb: 'Ti',
  tib: 'Ti',
};

/** Profile phrases. */
export const PROFILE_PHRASES: Readonly<Record<string, ProfileName>> = {
  'minimal 5g core': 'minimal-5g-core',
  'minimal 5g-core': 'minimal-5g-core',
  'minimal-5g-core': 'minimal-5g-core',
  'minimal core': 'minimal-5g-core',
  '5g core': 'minimal-5g-core',
  '5g-core': 'minimal-5g-core',
  '5gc': 'minimal-5g-core',
  'core network': 'minimal-5g-core',
  core: 'minimal-5g-core',
  'ran site': 'ran-site',
  'ran-site': 'ran-site',
  'o-ran site': 'ran-site',
  ran: 'ran-site',
  'o-ran': 'ran-site',
  'radio access network': 'ran-site',
};

/** Names of functions besides the catalog's own (which are matched in any case, also plural: "UPFs"). */
export const FUNCTION_ALIASES: Readonly<Record<string, string>> = {
  'access and mobility management function': 'AMF',
  'access and mobility function': 'AMF',
  'session management function': 'SMF',
  'user plane function': 'UPF',
  'user-plane function': 'UPF',
  'user plane': 'UPF',
  'network repository function': 'NRF',
  'nf repository function': 'NRF',
  'authentication server function': 'AUSF',
  'unified data management': 'UDM',
  'unified data repository': 'UDR',
  'policy control function': 'PCF',
  'network slice selection function': 'NSSF',
  'slice selection function': 'NSSF',
  'network exposure function': 'NEF',
  'security edge protection proxy': 'SEPP',
  'service communication proxy': 'SCP',
  'binding support function': 'BSF',
  'charging function': 'CHF',
  'network data analytics function': 'NWDAF',
  'non-3gpp interworking function': 'N3IWF',
  'cu-cp': 'O-CU-CP',
  'ocu-cp': 'O-CU-CP',
  'central unit control plane': 'O-CU-CP',
  'cu-up': 'O-CU-UP',
  'ocu-up': 'O-CU-UP',
  'central unit user plane': 'O-CU-UP',
  odu: 'O-DU',
  du: 'O-DU',
  'distributed unit': 'O-DU',
  'near-rt ric': 'Near-RT-RIC',
  'near real-time ric': 'Near-RT-RIC',
  'near-real-time ric': 'Near-RT-RIC',
  ric: 'Near-RT-RIC',
  'non-rt ric': 'Non-RT-RIC',
  'non real-time ric': 'Non-RT-RIC',
  'non-real-time ric': 'Non-RT-RIC',
};

/** Every function phrase (lower case) → catalog function: the catalog's names, their plurals, aliases. */
export const FUNCTION_PHRASES: ReadonlyMap<string, string> = new Map([
  ...FUNCTIONS.flatMap((fn): Array<[string, string]> => [
    [fn.toLowerCase(), fn],
    [`${fn.toLowerCase()}s`, fn],
  ]),
  ...Object.entries(FUNCTION_ALIASES),
]);

/** The "site <name>" and "namespace <name>" keywords. */
export const SITE_WORD = 'site';
export const NAMESPACE_WORD = 'namespace';

// Profiles and sizes: the catalog knowledge a NetworkIntent adds on top of lib/catalog.ts. A profile
// is a named set of functions; a size scales the catalog's default resources of a function.
import { getCatalogEntry, type CatalogEntry } from '../catalog.ts';
import { setOwn } from '../json.ts';
import { compareQuantities } from '../quantity.ts';
import type { CNFType, ResourceList, ResourceRequirements } from '../types.ts';
import type { ProfileName, Size } from './types.ts';

/** The functions of each profile, in the order their CNFDeployments are listed. */
export const PROFILES: Readonly<Record<ProfileName, readonly string[]>> = {
  'minimal-5g-core': ['NRF', 'AUSF', 'UDM', 'UDR', 'PCF', 'NSSF', 'AMF', 'SMF', 'UPF'],
  'ran-site': ['O-CU-CP', 'O-CU-UP', 'O-DU'],
};

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/** How many times the catalog's default resources (requests and limits) each size asks for. */
export const SIZE_FACTORS: Readonly<Record<Size, number>> = { small: 1, medium: 2, large: 4 };

export const SIZES = Object.keys(SIZE_FACTORS) as Size[];

/** The CNF type a function gets when the intent names none: its first type in the catalog. */
export function defaultType(entry: CatalogEntry): CNFType {
  return entry.types[0] ?? 'Custom';
}

const CPU = /^(\d+)(m?)$/;
const MEMORY = /^(\d+)(Mi|Gi)$/;

/** A catalog quantity times `factor`, written the way the catalog writes them ("500m", "2", "1Gi"). */
export function scaleQuantity(q: string, factor: number): string {
  const cpu = CPU.exec(q);
  if (cpu) {
    const milli = Number(cpu[1]) * (cpu[2] === 'm' ? 1 : 1000) * factor;
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  const mem = MEMORY.exec(q);
  if (mem) {
    const mi = Number(mem[1]) * (mem[2] === 'Gi' ? 1024 : 1) * factor;
    return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
  }
  throw new RangeError(`catalog quantity "${q}" is not of the form <n>, <n>m, <n>Mi or <n>Gi`);
}

/** The catalog's resources of `fn` scaled by `size` (undefined for a function the catalog lacks). */
export function sizedResources(fn: string, size: Size): { requests: ResourceList; limits: ResourceList } {
  const entry = getCatalogEntry(fn);
  if (entry === undefined) return { requests: {}, limits: {} };
  const f = SIZE_FACTORS[size];
  const scale = (r: { cpu: string; memory: string }): ResourceList => ({
    cpu: scaleQuantity(r.cpu, f),
    memory: scaleQuantity(r.memory, f),
  });
  return { requests: scale(entry.resources.requests), limits: scale(entry.resources.limits) };
}

const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

function wellFormed(given: unknown): boolean {
  if (!isMap(given)) return false;
  const r = given as Record<string, unknown>;
  return Object.keys(r).every((k) => (k === 'requests' || k === 'limits') && isMap(r[k]));
}

const isQuantity = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';

/**
 * The sized resources with `given` laid over them key by key. A sized limit that would end up below a
 * request given here is raised to it (a limit given here is kept: validation judges it).
 */
export function mergeResources(
  sized: { requests: ResourceList; limits: ResourceList },
  given: ResourceRequirements | undefined,
): ResourceRequirements {
  // Anything but {requests?: {...}, limits?: {...}} goes through as given: validation names the field.
  if (given !== undefined && !wellFormed(given)) return given;
  const requests: ResourceList = { ...sized.requests, ...(given?.requests ?? {}) };
  const limits: ResourceList = { ...sized.limits, ...(given?.limits ?? {}) };
  for (const [key, request] of Object.entries(given?.requests ?? {})) {
    const limit = limits[key];
    const own = given?.limits !== undefined && Object.hasOwn(given.limits, key);
    if (!own && isQuantity(request) && isQuantity(limit) && compareQuantities(limit, request) === -1) {
      setOwn(limits, key, request);
    }
  }
  return { requests, limits };
}

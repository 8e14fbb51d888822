// The shape of versions.json, the one place where the upstream versions of the local stack are
// pinned (read by build.ts for the recipes and by up.ts for the module sources the stack reads).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const VERSIONS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'versions.json');

/** A Go module at a version. */
export interface ModulePin {
  module: string;
  version: string;
}

export interface Versions {
  go: { minimum: string };
  etcd: ModulePin;
  /** `stagingVersion`: the published k8s.io/<staging> modules (v0.<minor>.<patch>) that replace ./staging/... */
  kubernetes: ModulePin & { stagingVersion: string };
  kwok: ModulePin;
  /**
   * `version` names the release; `pseudoVersion` (when set) is what the module proxy serves for it;
   * `mainPackage` is built; `hookVersion` is what the CompositeController's hooks speak (v1 for v1.5.x).
   */
  metacontroller: ModulePin & {
    mainPackage: string;
    pseudoVersion?: string;
    hookVersion?: 'v1' | 'v2';
    replace?: Record<string, string>;
  };
  /** `replace`: module → version for the wrapper module's replace lines. */
  porch: ModulePin & { replace?: Record<string, string> };
  /** Not part of the stack: `npm test` runs it on the alert rules. `tags`: Go build tags. */
  promtool: ModulePin & { tags?: string[] };
  /**
   * The GitOps agent of the stack: `version` names the build (cache key); each controller is its
   * own module, with the replace lines (module → version) its wrapper repeats from upstream go.mod.
   */
  flux: {
    version: string;
    controllers: Record<
      'source-controller' | 'kustomize-controller',
      ModulePin & { replace?: Record<string, string> }
    >;
  };
}

const TOOLS = ['etcd', 'kubernetes', 'kwok', 'metacontroller', 'porch', 'promtool'] as const;

/** Reads versions.json; fails with the file name when a tool has no module or version. */
export async function loadVersions(file = VERSIONS_FILE): Promise<Versions> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, Partial<ModulePin> | undefined>;
  for (const tool of TOOLS) {
    const pin = raw[tool];
    if (typeof pin?.module !== 'string' || typeof pin.version !== 'string') {
      throw new Error(`${file}: "${tool}" needs a "module" and a "version"`);
    }
  }
  const flux = raw.flux as
    { version?: unknown; controllers?: Record<string, Partial<ModulePin> | undefined> } | undefined;
  for (const c of ['source-controller', 'kustomize-controller']) {
    const pin = flux?.controllers?.[c];
    if (
      typeof flux?.version !== 'string' ||
      typeof pin?.module !== 'string' ||
      typeof pin.version !== 'string'
    ) {
      throw new Error(`${file}: "flux" needs a "version" and controllers."${c}" a "module" and a "version"`);
    }
  }
  return raw as unknown as Versions;
}

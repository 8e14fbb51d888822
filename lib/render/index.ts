// The kpt package renderer: a defaulted CNFDeploymentSpec → the files of one Porch package. Pure and
// byte-for-byte deterministic: objects are built with a fixed key order, configuration keys are
// sorted, and everything is serialized by one `yaml` stringify with fixed options (yaml.ts). The
// content hash is computed and stamped by hash.ts; renderPackage is memoized by cache.ts.
//
// Config hash (ANNOTATION_CONFIG_HASH on the pod template) = sha256 of the ConfigMap's config.yaml
// only: configuration changes roll the pods, a replicas-only change does not touch the template.
import type { RenderedPackage } from '../types.ts';
import { getCatalogEntry } from '../catalog.ts';
import { checkPorchNames } from '../naming.ts';
import { FieldIssuesError, type FieldIssue } from '../errors.ts';
import { memoized } from './cache.ts';
import { CONFIG_FILE, configMapYaml, functionConfigYaml, kptfileYaml, serviceYaml } from './files.ts';
import { stampContentHash } from './hash.ts';
import { networkAttachmentsYaml } from './network.ts';
import { scopeOf, type RenderInput } from './scope.ts';
import { deploymentYaml } from './workload.ts';

export type { RenderInput } from './scope.ts';
export { cniConfig } from './network.ts';
export { slug } from './scope.ts';
export { computeContentHash, readContentHash } from './hash.ts';
export { toYaml } from './yaml.ts';
export { clearRenderCache, renderCacheSize, RENDER_CACHE_ENTRIES } from './cache.ts';

/** Raised only for inputs that validation should have rejected (unknown function, bad names). */
export class RenderError extends FieldIssuesError {
  readonly code = 'RENDER_FAILED';
  constructor(issues: FieldIssue[]) {
    super(issues, 'cannot render the package');
    this.name = 'RenderError';
  }
}

/** What Kubernetes lets a ConfigMap's data hold (keys and values, in bytes). */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

const UTF8 = new TextEncoder();
const utf8Length = (text: string): number => UTF8.encode(text).byteLength;

/** File names of a rendered package (network-attachment-def.yaml only with interfaces). */
export const PACKAGE_FILES = {
  kptfile: 'Kptfile',
  deployment: 'deployment.yaml',
  service: 'service.yaml',
  configmap: 'configmap.yaml',
  functionConfig: 'function-config.yaml',
  networkAttachments: 'network-attachment-def.yaml',
} as const;

/**
 * The kpt package of a CNFDeployment. Memoized; throws RenderError for inputs that validation
 * should have rejected (those are not cached).
 */
export function renderPackage(input: RenderInput): RenderedPackage {
  const { name, namespace, spec, packageName, repository, restartGeneration } = input;
  return memoized(
    [name, namespace, packageName, repository, restartGeneration, spec],
    input,
    renderPackageUncached,
  );
}

/** renderPackage without the cache: what it computes on a miss (tests and the benchmark). */
export function renderPackageUncached(input: RenderInput): RenderedPackage {
  const entry = getCatalogEntry(input.spec.function);
  const issues: FieldIssue[] = [];
  if (!entry) issues.push({ path: 'spec.function', message: `unknown function "${input.spec.function}"` });
  issues.push(...checkPorchNames(input.repository, input.packageName, 'r1-0000000000'));
  if (!entry || issues.length > 0) throw new RenderError(issues);

  const s = scopeOf(input, entry);
  const configBytes = CONFIG_FILE.length + utf8Length(s.config);
  if (configBytes > MAX_CONFIGMAP_BYTES) {
    throw new RenderError([
      {
        path: 'spec.configuration',
        message: `renders to a ConfigMap of ${configBytes} bytes; a ConfigMap holds at most ${MAX_CONFIGMAP_BYTES} (1 MiB)`,
      },
    ]);
  }
  const files: Record<string, string> = {
    [PACKAGE_FILES.kptfile]: kptfileYaml(s),
    [PACKAGE_FILES.deployment]: deploymentYaml(s),
    [PACKAGE_FILES.service]: serviceYaml(s),
    [PACKAGE_FILES.configmap]: configMapYaml(s),
    [PACKAGE_FILES.functionConfig]: functionConfigYaml(s),
  };
  const nads = networkAttachmentsYaml(s);
  if (nads !== undefined) files[PACKAGE_FILES.networkAttachments] = nads;
  return stampContentHash(files, PACKAGE_FILES.kptfile, PACKAGE_FILES.deployment);
}

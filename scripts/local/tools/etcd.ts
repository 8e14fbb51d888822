// etcd server, built from its published module (the main package is the module root).
// etcd's own go.mod has relative replaces for its sibling modules; as a dependency of the
// wrapper those are ignored and the published sibling modules of the same version are used.
import type { Versions } from '../versions.ts';
import { goWrapperBuild } from './go.ts';
import type { ToolRecipe } from './recipe.ts';

export default function etcd(versions: Versions): ToolRecipe {
  const { module, version } = versions.etcd;
  return {
    name: 'etcd',
    version,
    details: { module },
    binaries: [{ name: 'etcd', verify: ['--version'] }],
    async build(ctx) {
      await goWrapperBuild(ctx, {
        wrapper: { go: '1.26.0', require: { [module]: version } },
        targets: [{ pkg: module, out: 'etcd' }],
      });
    },
  };
}

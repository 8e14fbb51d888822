// porch-server (cmd/porch) from github.com/nephio-project/porch (its test git server, test/git, is not
// used: see scripts/local/stack/gitserver.ts). Porch's go.mod replaces k8s.io/apiserver with a third_party copy
// inside its repository (ignored for a dependency); the wrapper pins upstream k8s.io/apiserver instead.
import type { Versions } from '../versions.ts';
import { goWrapperBuild } from './go.ts';
import type { ToolRecipe } from './recipe.ts';

export default function porch(versions: Versions): ToolRecipe {
  const { module, version, replace = {} } = versions.porch;
  return {
    name: 'porch',
    version,
    details: { module, replace },
    binaries: [{ name: 'porch-server', verify: ['--help'] }],
    async build(ctx) {
      await goWrapperBuild(ctx, {
        wrapper: {
          go: '1.25.7',
          require: { [module]: version },
          replace: Object.fromEntries(Object.entries(replace).map(([m, v]) => [m, `${m} ${v}`])),
        },
        targets: [{ pkg: `${module}/cmd/porch`, out: 'porch-server' }],
        ldflags: '-s -w',
        goSumFrom: [`${module}@${version}`],
      });
    },
  };
}

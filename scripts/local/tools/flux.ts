// Flux's source-controller and kustomize-controller, the local stack's GitOps agent (git → cluster).
// Each is its own Go module with its own dependency graph (kustomize-controller pins kustomize
// api/kyaml and yaml.v3 by replace lines), so each gets its own wrapper module: one wrapper for both
// would let minimal version selection raise one controller's dependencies to the other's.
//
// A module's replace lines are ignored when it is a dependency; the wrapper repeats the ones that
// matter (versions.json `replace`). The `./api` replace of each upstream go.mod needs no copy: the
// api submodule is published at the same version.
//
// The CRDs come from the same module zips (config/crd/bases) and are copied next to the binaries
// (<bin>/crds/), so the stack installs the CRDs of exactly the controllers it runs.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

import type { Versions } from '../versions.ts';
import { goWrapperBuild } from './go.ts';
import type { BuildContext, ToolRecipe } from './recipe.ts';

export const FLUX_CONTROLLERS = ['source-controller', 'kustomize-controller'] as const;
export type FluxController = (typeof FLUX_CONTROLLERS)[number];

/** The CRD files of the controllers, relative to the tool's bin dir. */
export const FLUX_CRD_DIR = 'crds';

async function copyCrds(ctx: BuildContext, modVersion: string): Promise<void> {
  const { stdout } = await ctx.run(
    `download ${modVersion} (for its CRDs)`,
    'go',
    ['mod', 'download', '-json', modVersion],
    {
      cwd: ctx.root,
    },
  );
  const { Dir: modDir } = JSON.parse(stdout) as { Dir?: string };
  const bases = path.join(modDir ?? '', 'config', 'crd', 'bases');
  const out = path.join(ctx.outDir, FLUX_CRD_DIR);
  await mkdir(out, { recursive: true });
  for (const f of await readdir(bases)) {
    if (f.endsWith('.yaml')) await copyFile(path.join(bases, f), path.join(out, f));
  }
}

export default function flux(versions: Versions): ToolRecipe {
  const { version, controllers } = versions.flux;
  return {
    name: 'flux',
    version,
    details: { controllers },
    binaries: FLUX_CONTROLLERS.map((name) => ({ name, verify: ['--help'] })),
    async build(ctx) {
      for (const name of FLUX_CONTROLLERS) {
        const { module, version: v, replace = {} } = controllers[name];
        // one wrapper per controller: <src>/<controller>
        const sub: BuildContext = { ...ctx, srcDir: path.join(ctx.srcDir, name) };
        await goWrapperBuild(sub, {
          wrapper: {
            go: '1.26.0',
            require: { [module]: v },
            replace: Object.fromEntries(Object.entries(replace).map(([m, rv]) => [m, `${m} ${rv}`])),
          },
          targets: [{ pkg: module, out: name }],
          ldflags: '-s -w',
          goSumFrom: [`${module}@${v}`],
        });
        await copyCrds(ctx, `${module}@${v}`);
      }
    },
  };
}

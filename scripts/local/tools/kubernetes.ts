// kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from k8s.io/kubernetes.
// k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/client-go, ...) at v0.0.0 and
// replaces them with ./staging/...; a wrapper module replaces every one of them with its published
// release (v0.<minor>.<patch>) instead. The list is read from the published go.mod of that version.
import { readFile } from 'node:fs/promises';

import type { Versions } from '../versions.ts';
import { goWrapperBuild } from './go.ts';
import { BuildError, type ToolRecipe } from './recipe.ts';

export interface KubernetesGoMod {
  /** The staging modules (replaced with ./staging/src/...). */
  staging: string[];
  go: string | undefined;
  godebug: string | undefined;
}

export function parseKubernetesGoMod(text: string): KubernetesGoMod {
  const staging = [...text.matchAll(/^\s*(\S+)\s+=>\s+\.\/staging\/src\/\S+\s*$/gm)].flatMap((m) =>
    m[1] ? [m[1]] : [],
  );
  const go = /^go\s+(\S+)\s*$/m.exec(text)?.[1];
  const godebug = /^godebug\s+(\S+)\s*$/m.exec(text)?.[1];
  return { staging, go, godebug };
}

const COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];

export default function kubernetes(versions: Versions): ToolRecipe {
  const { module, version, stagingVersion } = versions.kubernetes;
  const [, major, minor] = /^v(\d+)\.(\d+)\./.exec(version) ?? [];
  return {
    name: 'kubernetes',
    version,
    details: { module, stagingVersion },
    binaries: COMMANDS.map((name) => ({
      name,
      verify: name === 'kubectl' ? ['version', '--client'] : ['--version'],
    })),
    async build(ctx) {
      const { stdout } = await ctx.run(
        `download ${module}@${version} go.mod`,
        'go',
        ['mod', 'download', '-json', `${module}@${version}`],
        { cwd: ctx.root },
      );
      const info = JSON.parse(stdout) as { GoMod?: string };
      if (!info.GoMod) {
        throw new BuildError(ctx.name, 'download go.mod', `no go.mod for ${module}@${version}: ${stdout}`);
      }
      const parsed = parseKubernetesGoMod(await readFile(info.GoMod, 'utf8'));
      if (parsed.staging.length < 10) {
        throw new BuildError(
          ctx.name,
          'read staging modules',
          `found only ${parsed.staging.length} in ${info.GoMod}`,
        );
      }
      ctx.step('staging modules', `${parsed.staging.length} replaced with ${stagingVersion}`);
      const replace = Object.fromEntries(parsed.staging.map((m) => [m, `${m} ${stagingVersion}`]));
      const pkg = 'k8s.io/component-base/version';
      await goWrapperBuild(ctx, {
        wrapper: {
          go: parsed.go ?? '1.25.0',
          godebug: parsed.godebug,
          require: { [module]: version },
          replace,
        },
        targets: COMMANDS.map((name) => ({ pkg: `${module}/cmd/${name}`, out: name })),
        ldflags: [
          '-s -w',
          `-X ${pkg}.gitVersion=${version}`,
          `-X ${pkg}.gitMajor=${major}`,
          `-X ${pkg}.gitMinor=${minor}`,
          `-X ${pkg}.gitTreeState=clean`,
          `-X ${pkg}.buildDate=${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
        ].join(' '),
      });
    },
  };
}

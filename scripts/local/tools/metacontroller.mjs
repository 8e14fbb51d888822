// Metacontroller. Its go.mod says `module metacontroller` (not the GitHub path), so `go install
// github.com/metacontroller/metacontroller/...@v4.x` cannot work. A wrapper module requires
// `metacontroller v0.0.0` and replaces it with the GitHub module at the pseudo-version of the
// release commit, repeating Metacontroller's own replace lines (replaces of a dependency are ignored).
import { BuildError, goWrapperBuild } from '../lib.mjs';

export default function metacontroller(versions) {
  const { module, version, commit, pseudoVersion, replace = {} } = versions.metacontroller;
  return {
    name: 'metacontroller',
    version,
    details: { module, commit, pseudoVersion },
    binaries: [{ name: 'metacontroller', verify: ['--help'] }],
    async build(ctx) {
      // The pinned pseudo-version (v1.5.21-0.<commit time>-<commit>: v4 tags are not valid for a
      // module without a /v4 path) is preferred; without it, ask the module proxy to resolve the commit.
      let resolved = pseudoVersion;
      if (!resolved) {
        const { stdout } = await ctx.run(
          `resolve pseudo-version of ${module}@${commit}`,
          'go',
          ['list', '-m', '-json', `${module}@${commit}`],
          { cwd: ctx.root },
        );
        resolved = JSON.parse(stdout).Version;
        if (!resolved) {
          throw new BuildError(ctx.name, 'resolve pseudo-version', `no version for ${module}@${commit}`);
        }
        ctx.step('resolved', `${resolved}; record it as metacontroller.pseudoVersion in versions.json`);
      }
      await goWrapperBuild(ctx, {
        wrapper: {
          go: '1.26.0',
          require: { metacontroller: 'v0.0.0' },
          replace: {
            metacontroller: `${module} ${resolved}`,
            ...Object.fromEntries(Object.entries(replace).map(([m, v]) => [m, `${m} ${v}`])),
          },
        },
        targets: [{ pkg: 'metacontroller/pkg/cmd/metacontroller', out: 'metacontroller' }],
        ldflags: `-s -w -X main.version=${version}`,
      });
    },
  };
}

// Metacontroller. Its go.mod says `module metacontroller` (not the GitHub path), so `go install
// github.com/metacontroller/metacontroller@…` cannot work: a wrapper module requires
// `metacontroller v0.0.0` and replaces it with the GitHub module at the pinned version.
//
// Why v1.5.20 and not v4.17.2: v4 tags are not valid versions for a module without a /v4 path, so
// v4 releases exist on the module proxy only as pseudo-versions, and this machine's proxy refuses
// every one of them (403). v1.5.20 is the newest it serves. It is absent from the public checksum
// database (404), hence GONOSUMDB for this one module; the module zip's own go.sum pins the rest.
import type { Versions } from '../versions.ts';
import { goWrapperBuild } from './go.ts';
import type { ToolRecipe } from './recipe.ts';

export default function metacontroller(versions: Versions): ToolRecipe {
  const { module, version, mainPackage, replace = {} } = versions.metacontroller;
  return {
    name: 'metacontroller',
    version,
    details: { module },
    binaries: [{ name: 'metacontroller', verify: ['--help'] }],
    async build(ctx) {
      await goWrapperBuild(ctx, {
        wrapper: {
          go: '1.26.0',
          require: { metacontroller: 'v0.0.0' },
          replace: {
            metacontroller: `${module} ${version}`,
            ...Object.fromEntries(Object.entries(replace).map(([m, v]) => [m, `${m} ${v}`])),
          },
        },
        env: { GONOSUMDB: module },
        targets: [{ pkg: mainPackage, out: 'metacontroller' }],
        ldflags: `-s -w -X main.version=${version}`,
      });
    },
  };
}

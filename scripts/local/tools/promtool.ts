// promtool (Prometheus's rule checker and rule unit-test runner) from github.com/prometheus/prometheus.
// Not part of the running stack: `npm test` uses it to check and unit-test the alert rules of
// manifests/monitoring (tests/unit/monitoring.test.ts). Prometheus 3.x is published as module
// versions v0.3MM.P (v0.316.0 = Prometheus 3.16.0); the version printed by `promtool --version` is
// set from that.
//
// Built with the `remove_all_sd` tag: Prometheus's build tag that leaves the service-discovery
// plugins (AWS, Azure, GCE, Consul, ...) out. promtool's rule commands do not use them, and without
// them the cold build downloads and compiles far less. Only `promtool check config` of a config
// using one of those SD mechanisms would differ (it would not know them).
import type { Versions } from '../versions.ts';
import { goWrapperBuild } from './go.ts';
import type { ToolRecipe } from './recipe.ts';

/**
 * Prometheus release of a module version: the module stays at v0, 2.x releases are v0.<minor>.<patch>
 * (v0.55.1 = 2.55.1) and 3.x ones v0.3<minor, two digits>.<patch> (v0.316.0 = 3.16.0).
 */
export function prometheusRelease(moduleVersion: string): string {
  const m = /^v0\.(\d+)\.(\d+)$/.exec(moduleVersion);
  if (!m) return moduleVersion.replace(/^v/, '');
  const minor = Number(m[1]);
  return minor >= 100 ? `${Math.floor(minor / 100)}.${minor % 100}.${m[2]}` : `2.${minor}.${m[2]}`;
}

export default function promtool(versions: Versions): ToolRecipe {
  const { module, version, tags = [] } = versions.promtool;
  const release = prometheusRelease(version);
  const v = 'github.com/prometheus/common/version';
  return {
    name: 'promtool',
    version,
    details: { module, release, tags },
    binaries: [{ name: 'promtool', verify: ['--version'] }],
    async build(ctx) {
      await goWrapperBuild(ctx, {
        wrapper: { go: '1.26.0', require: { [module]: version } },
        targets: [{ pkg: `${module}/cmd/promtool`, out: 'promtool' }],
        tags,
        ldflags: [
          '-s -w',
          `-X ${v}.Version=${release}`,
          `-X ${v}.Branch=module-proxy`,
          `-X ${v}.Revision=${version}`,
          `-X ${v}.BuildUser=nephoran-local`,
          `-X ${v}.BuildDate=${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
        ].join(' '),
      });
    },
  };
}

// kwok (fake kubelet controller) and kwokctl (cluster runner), from sigs.k8s.io/kwok.
// kwokctl's default Kubernetes version is set to the one this stack builds, so
// `kwokctl create cluster --runtime binary` passes flags matching our kube-apiserver.
import type { Versions } from '../versions.ts';
import { goWrapperBuild } from './go.ts';
import type { ToolRecipe } from './recipe.ts';

export default function kwok(versions: Versions): ToolRecipe {
  const { module, version } = versions.kwok;
  const kubeVersion = versions.kubernetes.version.replace(/^v/, '');
  return {
    name: 'kwok',
    version,
    details: { module, kubeVersion },
    binaries: [
      { name: 'kwok', verify: ['--version'] },
      { name: 'kwokctl', verify: ['--version'] },
    ],
    async build(ctx) {
      await goWrapperBuild(ctx, {
        wrapper: { go: '1.26.0', require: { [module]: version } },
        targets: [
          { pkg: `${module}/cmd/kwok`, out: 'kwok' },
          { pkg: `${module}/cmd/kwokctl`, out: 'kwokctl' },
        ],
        ldflags: `-X ${module}/pkg/consts.KubeVersion=${kubeVersion}`,
      });
    },
  };
}

// The pure parts of the local-stack scripts (scripts/local/): option parsing, settings from the
// environment, the wrapper go.mod, recipe selection, the GitOps stand-in's helpers, and the shared
// process runner (against real, tiny child processes). The stack itself is covered by test:e2e.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

import { parseOptions as buildOptions, cacheRoot, dirsFor, selectTools } from '../../scripts/local/build.ts';
import { CommandError, UsageError, parseCli, run } from '../../scripts/local/common.ts';
import { parseOptions as gitopsOptions } from '../../scripts/local/gitops.ts';
import {
  GitOps,
  advertisedRef,
  key,
  parseFile,
  ref,
  splitCatFileBatch,
} from '../../scripts/local/gitops/sync.ts';
import { hookEnv } from '../../scripts/local/stack/hooks.ts';
import { flavour, localCompositeController } from '../../scripts/local/stack/metacontroller.ts';
import { ROOT, settings } from '../../scripts/local/stack/util.ts';
import etcd from '../../scripts/local/tools/etcd.ts';
import { compareVersions, renderGoMod } from '../../scripts/local/tools/go.ts';
import kubernetes, { parseKubernetesGoMod } from '../../scripts/local/tools/kubernetes.ts';
import kwok from '../../scripts/local/tools/kwok.ts';
import promtool, { prometheusRelease } from '../../scripts/local/tools/promtool.ts';
import { parseOptions as upOptions } from '../../scripts/local/up.ts';
import { loadVersions, type Versions } from '../../scripts/local/versions.ts';

const versions: Versions = await loadVersions();

describe('command lines', () => {
  it('build: flags and names', () => {
    expect(buildOptions(['--print-paths', '--cached-only', 'kubectl', 'etcd'])).toEqual({
      help: false,
      printPaths: true,
      rebuild: false,
      list: false,
      cachedOnly: true,
      names: ['kubectl', 'etcd'],
    });
    expect(buildOptions(['-h']).help).toBe(true);
  });

  it('an unknown option is a UsageError', () => {
    expect(() => buildOptions(['--print-path'])).toThrow(UsageError);
    expect(() => upOptions(['extra'])).toThrow(UsageError);
    expect(() => parseCli(['--n', 'x'], { n: { type: 'boolean' } })).toThrow(UsageError);
  });

  it('up: the example defaults to examples/amf.yaml, is resolved, and --no-example drops it', () => {
    expect(upOptions([])).toEqual({
      help: false,
      fresh: false,
      infraOnly: false,
      metacontroller: true,
      example: path.join(ROOT, 'examples', 'amf.yaml'),
    });
    expect(upOptions(['--example', 'x.yaml']).example).toBe(path.resolve('x.yaml'));
    expect(upOptions(['--no-example', '--example', 'x.yaml']).example).toBeNull();
    expect(upOptions(['--without-metacontroller', '--infra-only', '--fresh'])).toMatchObject({
      metacontroller: false,
      infraOnly: true,
      fresh: true,
    });
  });

  it('gitops: --repo is required, numbers are checked, KUBECONFIG is the default kubeconfig', () => {
    expect(() => gitopsOptions([], {})).toThrow('--repo <git url> is required');
    expect(() => gitopsOptions(['--repo', 'u', '--interval-ms', 'soon'], {})).toThrow(UsageError);
    expect(gitopsOptions(['--help'], {}).help).toBe(true);
    expect(gitopsOptions(['--repo', 'u'], { KUBECONFIG: '/k' })).toEqual({
      help: false,
      repo: 'u',
      branch: 'main',
      kubeconfig: '/k',
      kubectl: 'kubectl',
      stateDir: path.resolve('.local', 'gitops'),
      intervalMs: 1000,
      resyncSeconds: 30,
      once: false,
    });
    expect(
      gitopsOptions(['--repo', 'u', '--kubeconfig', 'kc', '--resync-seconds', '5', '--once'], {}),
    ).toMatchObject({ kubeconfig: path.resolve('kc'), resyncSeconds: 5, once: true });
  });
});

describe('stack settings', () => {
  it('defaults', () => {
    expect(settings({})).toEqual({
      cluster: 'nephoran',
      porchPort: 9443,
      porchWebhookPort: 8443,
      gitPort: 9446,
      hookPort: 8080,
      hookMetricsPort: 9090,
      metacontrollerMetricsPort: 9999,
      metacontrollerWorkers: 5,
      metacontrollerHealthPort: 8081,
      repository: 'cnf-packages',
      edgeRepository: 'edge-packages',
      edgeBranch: 'edge',
      namespace: 'default',
      activeTimeoutSeconds: 300,
    });
  });

  it('from the environment; a bad port names its variable', () => {
    expect(
      settings({ NEPHORAN_HOOK_PORT: '18080', PORCH_REPOSITORY: 'r', NEPHORAN_CLUSTER: '' }),
    ).toMatchObject({
      hookPort: 18080,
      repository: 'r',
      cluster: 'nephoran',
    });
    expect(() => settings({ NEPHORAN_GIT_PORT: '70000' })).toThrow('NEPHORAN_GIT_PORT must be a port number');
  });

  it('the local CompositeController calls the local hooks with neither Service nor token (v1.5.20 refuses the fields)', async () => {
    const versions = await loadVersions();
    const text = await localCompositeController(settings({}), versions);
    expect(text).toContain('url: http://127.0.0.1:8080/sync');
    expect(text).not.toContain('authorization');
    expect(text).not.toContain('service:');
    // The shipped one does send the token.
    expect(readFileSync(path.join(ROOT, 'metacontroller/compositecontroller.yaml'), 'utf8')).toContain(
      'authorization:',
    );
  });

  it('the hook server gets the local settings and no in-cluster variables', () => {
    const env = hookEnv(settings({}), {
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
    });
    expect(env).toMatchObject({
      PORT: '8080',
      METRICS_PORT: '9090',
      // Metacontroller v1.5.20 cannot send a token: the opt-out is explicit.
      HOOK_AUTH: 'none',
      HOST: '127.0.0.1',
      PORCH_REPOSITORY: 'cnf-packages',
      LOG_LEVEL: 'info',
    });
    expect(env.KUBERNETES_SERVICE_HOST).toBeUndefined();
    expect(env.KUBERNETES_SERVICE_PORT).toBeUndefined();
  });

  it('Metacontroller v1.5.x and v4 are run differently', () => {
    const legacy = flavour(versions, settings({}), {});
    expect(legacy).toMatchObject({ legacy: true, hookVersion: 'v1', ready: 'http://127.0.0.1:9999/metrics' });
    expect(legacy.args).toContain('-v=2');
    const v4: Versions = { ...versions, metacontroller: { ...versions.metacontroller, version: 'v4.17.2' } };
    delete v4.metacontroller.hookVersion;
    expect(flavour(v4, settings({}), {})).toMatchObject({
      legacy: false,
      hookVersion: 'v2',
      ready: 'http://127.0.0.1:8081/readyz',
    });
  });
});

describe('build', () => {
  const tools = [etcd(versions), kwok(versions), kubernetes(versions)];

  it('the cache root is $NEPHORAN_CACHE or ~/.cache/nephoran-local; keys are <tool>-<version>', () => {
    expect(cacheRoot({ NEPHORAN_CACHE: '/c' })).toBe('/c');
    expect(cacheRoot({ HOME: '/home/u' })).toBe('/home/u/.cache/nephoran-local');
    expect(dirsFor('/c', tools[1]!)).toEqual({
      finalDir: `/c/bin/kwok-${versions.kwok.version}`,
      srcDir: `/c/src/kwok-${versions.kwok.version}`,
      logFile: `/c/logs/kwok-${versions.kwok.version}.log`,
    });
  });

  it('selects tools by tool or binary name, in build order', () => {
    expect(selectTools(tools, []).map((t) => t.name)).toEqual(['etcd', 'kwok', 'kubernetes']);
    expect(selectTools(tools, ['kubectl', 'kwokctl', 'kwok']).map((t) => t.name)).toEqual([
      'kwok',
      'kubernetes',
    ]);
    expect(() => selectTools(tools, ['nope'])).toThrow('unknown tool "nope"; known: etcd, kwok, kwokctl');
  });

  it('renders the wrapper go.mod', () => {
    expect(
      renderGoMod({
        module: 'nephoran.local/build/x',
        go: '1.26.0',
        godebug: 'default=go1.24',
        require: { 'example.com/m': 'v1.0.0' },
        replace: { 'example.com/a': 'example.com/a v0.1.0' },
      }),
    ).toBe(
      [
        '// Generated by scripts/local/build.ts; do not edit.',
        'module nephoran.local/build/x',
        '',
        'go 1.26.0',
        '',
        'godebug default=go1.24',
        '',
        'require (',
        '\texample.com/m v1.0.0',
        ')',
        '',
        'replace (',
        '\texample.com/a => example.com/a v0.1.0',
        ')',
        '',
      ].join('\n'),
    );
    expect(renderGoMod({ module: 'm', go: '1.25.0' })).toBe(
      '// Generated by scripts/local/build.ts; do not edit.\nmodule m\n\ngo 1.25.0\n',
    );
  });

  it('promtool: Prometheus 3.x module versions name their release; built without SD plugins', () => {
    expect(prometheusRelease('v0.316.0')).toBe('3.16.0');
    expect(prometheusRelease('v0.300.1')).toBe('3.0.1');
    expect(prometheusRelease('v0.55.1')).toBe('2.55.1');
    const recipe = promtool(versions);
    expect(recipe).toMatchObject({
      name: 'promtool',
      binaries: [{ name: 'promtool', verify: ['--version'] }],
    });
    expect(versions.promtool.tags).toEqual(['remove_all_sd']);
  });

  it('compares Go versions numerically', () => {
    expect(compareVersions('1.26.10', '1.26.9')).toBeGreaterThan(0);
    expect(compareVersions('1.25.7', '1.26.0')).toBeLessThan(0);
    expect(compareVersions('1.26', '1.26.0')).toBe(0);
  });

  it("reads k8s.io/kubernetes' staging modules, go and godebug lines", () => {
    const gomod = [
      'module k8s.io/kubernetes',
      'go 1.25.0',
      'godebug default=go1.24',
      'replace (',
      '\tk8s.io/api => ./staging/src/k8s.io/api',
      '\tk8s.io/client-go => ./staging/src/k8s.io/client-go',
      '\tgithub.com/x/y => github.com/x/y v1.0.0',
      ')',
    ].join('\n');
    expect(parseKubernetesGoMod(gomod)).toEqual({
      staging: ['k8s.io/api', 'k8s.io/client-go'],
      go: '1.25.0',
      godebug: 'default=go1.24',
    });
  });
});

describe('GitOps stand-in helpers', () => {
  it('an object keeps its identity across versions of its group', () => {
    expect(key(ref('apps/v1', 'Deployment', 'default', 'amf'))).toBe('apps/Deployment/default/amf');
    expect(key(ref('apps/v1beta1', 'Deployment', 'default', 'amf'))).toBe('apps/Deployment/default/amf');
    expect(ref('v1', 'Namespace', undefined, 'n')).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      name: 'n',
    });
  });

  it('parses every document of a file, or names the first error', () => {
    expect(parseFile('a: 1\n---\nb: 2\n')).toEqual({ values: [{ a: 1 }, { b: 2 }], error: null });
    expect(parseFile('a: [1\n')).toMatchObject({
      values: [],
      error: expect.stringMatching(/^Flow sequence/),
    });
  });

  it('splits `git cat-file --batch` output by byte sizes', () => {
    const a = 'name: ä\n';
    const b = 'x: 1\n';
    const buf = Buffer.from(
      `aaa blob ${Buffer.byteLength(a)}\n${a}\nbbb blob ${Buffer.byteLength(b)}\n${b}\n`,
      'utf8',
    );
    expect(splitCatFileBatch(buf, ['a.yaml', 'b.yaml'])).toEqual({ 'a.yaml': a, 'b.yaml': b });
  });
});

describe('the GitOps stand-in reads branch heads from the git server', () => {
  it('parses a ref advertisement; a missing ref is null; a bad one is an error', () => {
    const pkt = (line: string): string => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
    const oid = 'a'.repeat(40);
    const body = Buffer.from(
      `${pkt('# service=git-upload-pack\n')}0000${pkt(`${'b'.repeat(40)} HEAD\0multi_ack side-band-64k\n`)}` +
        `${pkt(`${oid} refs/heads/main\n`)}0000`,
    );
    expect(advertisedRef(body, 'refs/heads/main')).toBe(oid);
    expect(advertisedRef(body, 'refs/heads/other')).toBeNull();
    expect(() => advertisedRef(Buffer.from('zzzz'), 'refs/heads/main')).toThrow(/bad pkt-line length/);
    expect(() => advertisedRef(Buffer.from('00ffshort'), 'refs/heads/main')).toThrow(/truncated/);
  });

  it("through the stack's git server (git http-backend), as Porch and the stand-ins use it", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'githttp-'));
    const git = (args: string[], cwd = root): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
    git(['init', '--quiet', '--bare', 'site.git']);
    git(['init', '--quiet', 'work']);
    git(['commit', '--quiet', '--allow-empty', '-m', 'one'], path.join(root, 'work'));
    git(['push', '--quiet', path.join(root, 'site.git'), 'HEAD:refs/heads/main'], path.join(root, 'work'));
    const head = git(['rev-parse', 'HEAD'], path.join(root, 'work')).trim();
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      });
    });
    const server = spawn(
      process.execPath,
      [path.join(ROOT, 'scripts/local/githttp.ts'), '--root', root, '--port', String(port)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('githttp did not start within 10 s')), 10_000);
        const ready = (c: Buffer): void => {
          if (!c.toString().includes('git http-backend on')) return;
          clearTimeout(timer);
          resolve();
        };
        server.stdout.on('data', ready);
        server.stderr.on('data', ready);
        server.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`githttp exited ${code}`));
        });
      });
      const at = (repo: string, branch: string): GitOps =>
        new GitOps({
          repo: `http://127.0.0.1:${port}/${repo}`,
          branch,
          kubeconfig: '',
          kubectl: 'kubectl',
          stateDir: root,
          resyncSeconds: 30,
        });
      await expect(at('site.git', 'main').remoteHead()).resolves.toBe(head);
      await expect(at('site.git', 'feature').remoteHead()).resolves.toBeNull();
      await expect(at('nowhere.git', 'main').remoteHead()).rejects.toThrow(/HTTP 404/);
    } finally {
      server.kill('SIGTERM');
    }
  }, 30_000);
});

describe('the process runner', () => {
  const sh = (script: string, opts = {}) => run('sh', ['-c', script], opts);

  it('collects stdout and stderr and resolves on a non-zero exit', async () => {
    const res = await sh('echo out; echo err >&2; exit 3');
    expect(res).toMatchObject({ code: 3, signal: null, timedOut: false, stdout: 'out\n', stderr: 'err\n' });
    expect(res.tail).toBe('out\nerr');
  });

  it('feeds input and appends a transcript to the log file', async () => {
    const log = path.join(mkdtempSync(path.join(tmpdir(), 'run-')), 'x.log');
    const res = await run('cat', [], { input: 'hello\n', logFile: log, cwd: '/' });
    expect(res.stdout).toBe('hello\n');
    await sh('exit 4', { logFile: log });
    const text = readFileSync(log, 'utf8');
    expect(text).toMatch(
      /^--- \d{4}-.*Z\n\$ \(cd \/\) cat\nhello\n--- .*\n\$ \(cd .*\) sh -c exit 4\n\(exit code 4\)\n$/,
    );
  });

  it('with check, a failure is a CommandError naming the command', async () => {
    const err = await sh('echo nope >&2; exit 1', { check: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).code).toBe('FAILED');
    expect((err as CommandError).message).toBe('`sh -c echo nope >&2; exit 1` failed (exit code 1): nope');
  });

  it('a missing program is CANNOT_RUN, not found', async () => {
    const err = await run('no-such-program-here', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).code).toBe('CANNOT_RUN');
    expect((err as CommandError).notFound).toBe(true);
  });

  it('kills a command at its timeout and beats while it runs', async () => {
    const beats: string[] = [];
    const res = await sh('echo started; exec sleep 5', {
      timeoutMs: 400,
      heartbeatMs: 100,
      heartbeat: (_s: number, last: string) => beats.push(last),
    });
    expect(res).toMatchObject({ code: 128, signal: 'SIGKILL', timedOut: true });
    expect(beats.length).toBeGreaterThan(0);
    expect(beats.at(-1)).toBe('started');
  });
});

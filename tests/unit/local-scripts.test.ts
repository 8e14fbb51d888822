// The pure parts of the local-stack scripts (scripts/local/): option parsing, settings from the
// environment, the wrapper go.mod, recipe selection, the stack's git server, and the shared process
// runner (against real, tiny child processes). The stack itself is covered by test:e2e.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

import { parseOptions as buildOptions, cacheRoot, dirsFor, selectTools } from '../../scripts/local/build.ts';
import { CommandError, UsageError, parseCli, run } from '../../scripts/local/common.ts';
import { hookEnv } from '../../scripts/local/stack/hooks.ts';
import { flavour, localCompositeController } from '../../scripts/local/stack/metacontroller.ts';
import { ROOT, settings } from '../../scripts/local/stack/util.ts';
import etcd from '../../scripts/local/tools/etcd.ts';
import flux from '../../scripts/local/tools/flux.ts';
import { compareVersions, renderGoMod } from '../../scripts/local/tools/go.ts';
import kubernetes, { parseKubernetesGoMod } from '../../scripts/local/tools/kubernetes.ts';
import kwok from '../../scripts/local/tools/kwok.ts';
import promtool, { prometheusRelease } from '../../scripts/local/tools/promtool.ts';
import { parseOptions as upOptions } from '../../scripts/local/up.ts';
import { VERSIONS_FILE, loadVersions, type Versions } from '../../scripts/local/versions.ts';

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
      fluxPortBase: 9450,
      fluxInterval: '2s',
      porchCache: 'db',
      porchDbPort: 9455,
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
    expect(settings({ NEPHORAN_FLUX_INTERVAL: '5s' }).fluxInterval).toBe('5s');
    expect(settings({ NEPHORAN_PORCH_CACHE: 'CR' }).porchCache).toBe('cr');
    expect(() => settings({ NEPHORAN_PORCH_CACHE: 'redis' })).toThrow(
      'NEPHORAN_PORCH_CACHE must be cr or db, got "redis"',
    );
    expect(() => settings({ NEPHORAN_FLUX_INTERVAL: 'soon' })).toThrow(
      'NEPHORAN_FLUX_INTERVAL must be a duration like 2s or 1m, got "soon"',
    );
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

  it('flux: one tool, both controllers; a controller without a pin is refused when versions.json is read', async () => {
    const recipe = flux(versions);
    expect(recipe.binaries.map((b) => b.name)).toEqual(['source-controller', 'kustomize-controller']);
    expect(selectTools([...tools, recipe], ['kustomize-controller']).map((t) => t.name)).toEqual(['flux']);
    const { controllers } = versions.flux;
    // the upstream go.mod's replace lines that a dependency's go.mod cannot carry
    expect(controllers['kustomize-controller'].replace).toMatchObject({
      'sigs.k8s.io/kustomize/api': expect.any(String),
      'sigs.k8s.io/kustomize/kyaml': expect.any(String),
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'versions-'));
    const raw = JSON.parse(readFileSync(VERSIONS_FILE, 'utf8')) as Record<string, unknown> & {
      flux: { controllers: Record<string, unknown> };
    };
    delete raw.flux.controllers['kustomize-controller'];
    writeFileSync(path.join(dir, 'v.json'), JSON.stringify(raw));
    await expect(loadVersions(path.join(dir, 'v.json'))).rejects.toThrow(
      /"flux" needs a "version" and controllers."kustomize-controller" a "module" and a "version"/,
    );
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

describe("the stack's git server", () => {
  it('serves refs over smart HTTP (git http-backend), as Porch and Flux read them', async () => {
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
      const url = `http://127.0.0.1:${port}`;
      const lsRemote = (repo: string, ref: string): Promise<string> =>
        new Promise((resolve, reject) => {
          execFile('git', ['ls-remote', `${url}/${repo}`, ref], { timeout: 10_000 }, (err, out, errOut) =>
            err ? reject(new Error(`${err.message} ${errOut}`)) : resolve(out),
          );
        });
      await expect(lsRemote('site.git', 'refs/heads/main')).resolves.toBe(`${head}\trefs/heads/main\n`);
      await expect(lsRemote('site.git', 'refs/heads/feature')).resolves.toBe('');
      await expect(lsRemote('nowhere.git', 'refs/heads/main')).rejects.toThrow(/404|not found/i);
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

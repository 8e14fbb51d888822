import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, type ConfigIO } from '../../hooks/config.ts';

const files: Record<string, string> = {
  '/kube/config': 'apiVersion: v1\n',
  '/run/token': '  a-token-of-sufficient-length\n',
  '/run/short': 'short',
  '/tls/crt': 'CERT',
  '/tls/key': 'KEY',
};
const io: ConfigIO = {
  readFile: (p) => {
    const f = files[p];
    if (f === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
    return Buffer.from(f);
  },
};
const base = { KUBERNETES_SERVICE_HOST: '10.96.0.1', HOOK_TOKEN_FILE: '/run/token' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, io);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults', () => {
    expect(loadConfig(base, io)).toEqual({
      port: 8080,
      metricsPort: 9090,
      host: '0.0.0.0',
      kube: { source: 'in-cluster' },
      porchRepository: 'cnf-packages',
      hookToken: 'a-token-of-sufficient-length',
      tls: undefined,
      tlsReloadMs: 30_000,
      bodyLimitBytes: 8 * 1024 * 1024,
      logLevel: 'info',
      hookDeadlineMs: 8000,
      porchTimeoutMs: 4000,
      gaugeTtlSeconds: 900,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('reads every variable', () => {
    const c = loadConfig(
      {
        PORT: '9443',
        METRICS_PORT: '9444',
        HOST: '127.0.0.1',
        KUBECONFIG: '/kube/config:/other',
        PORCH_REPOSITORY: 'edge-packages',
        HOOK_TOKEN_FILE: '/run/token',
        TLS_CERT_FILE: '/tls/crt',
        TLS_KEY_FILE: '/tls/key',
        BODY_LIMIT_BYTES: String(16 * 1024 * 1024),
        LOG_LEVEL: 'debug',
        HOOK_DEADLINE_MS: '5000',
        PORCH_TIMEOUT_MS: '2000',
        GAUGE_TTL_SECONDS: '120',
        SHUTDOWN_TIMEOUT_MS: '0',
      },
      io,
    );
    expect(c).toMatchObject({
      port: 9443,
      metricsPort: 9444,
      host: '127.0.0.1',
      kube: { source: 'kubeconfig', path: '/kube/config' },
      porchRepository: 'edge-packages',
      hookToken: 'a-token-of-sufficient-length',
      bodyLimitBytes: 16 * 1024 * 1024,
      logLevel: 'debug',
      hookDeadlineMs: 5000,
      porchTimeoutMs: 2000,
      gaugeTtlSeconds: 120,
      shutdownTimeoutMs: 0,
    });
    expect(c.tls?.cert.toString()).toBe('CERT');
    expect(
      loadConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', HOOK_TOKEN: 'x'.repeat(16) }, io).hookToken,
    ).toBe('x'.repeat(16));
  });

  it('requires a hook token unless authentication is turned off explicitly (HOOK_AUTH=none)', () => {
    const bare = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };
    expect(problems(bare)).toEqual([
      expect.stringMatching(
        /^hook authentication is on by default: set HOOK_TOKEN_FILE \(or HOOK_TOKEN\).*or HOOK_AUTH=none/,
      ),
    ]);
    expect(loadConfig({ ...bare, HOOK_AUTH: 'none' }, io).hookToken).toBeUndefined();
    // The opt-out wins over a token file an overlay left in place.
    expect(loadConfig({ ...base, HOOK_AUTH: 'none' }, io).hookToken).toBeUndefined();
    expect(problems({ ...bare, HOOK_AUTH: 'off' })[0]).toMatch(/^HOOK_AUTH must be equal to one of/);
  });

  it('serves /metrics on a port of its own', () => {
    expect(problems({ ...base, PORT: '8080', METRICS_PORT: '8080' })).toEqual([
      'METRICS_PORT must differ from PORT (both 8080)',
    ]);
  });

  it('a bad PORT fails with a clear message', () => {
    expect(problems({ ...base, PORT: 'http' })).toEqual(['PORT must be integer (got "http")']);
    expect(problems({ ...base, PORT: '70000' })).toEqual(['PORT must be <= 65535 (got "70000")']);
    expect(() => loadConfig({ ...base, PORT: '0' }, io)).toThrow(
      /invalid configuration:\n {2}- PORT must be >= 1/,
    );
  });

  it('lists every problem at once', () => {
    const p = problems({
      PORCH_REPOSITORY: 'Not_A_DNS_Label',
      LOG_LEVEL: 'verbose',
      BODY_LIMIT_BYTES: '1000',
      HOOK_TOKEN: 'x'.repeat(20),
      HOOK_TOKEN_FILE: '/run/token',
      TLS_CERT_FILE: '/tls/crt',
    });
    expect(p).toEqual([
      expect.stringMatching(/^PORCH_REPOSITORY must match pattern/),
      expect.stringMatching(/^BODY_LIMIT_BYTES must be >= 1048576/),
      expect.stringMatching(/^LOG_LEVEL must be equal to one of the allowed values/),
      'no Kubernetes credentials: set KUBECONFIG to a kubeconfig file, or run in a Pod with a service account',
      'set HOOK_TOKEN or HOOK_TOKEN_FILE, not both',
      'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    ]);
  });

  it('fails on unreadable files and short tokens', () => {
    expect(problems({ KUBECONFIG: '/nope', HOOK_AUTH: 'none' })).toEqual([
      "KUBECONFIG: cannot read /nope: ENOENT: no such file or directory, open '/nope'",
    ]);
    expect(problems({ ...base, HOOK_TOKEN_FILE: '/run/short' })).toEqual([
      'HOOK_TOKEN_FILE: /run/short must hold a token of at least 16 characters',
    ]);
    expect(problems({ ...base, HOOK_TOKEN_FILE: '', HOOK_TOKEN: 'short' })[0]).toMatch(
      /^HOOK_TOKEN must NOT have fewer than 16 characters/,
    );
    expect(problems({ ...base, TLS_CERT_FILE: '/tls/crt', TLS_KEY_FILE: '/tls/none' })).toHaveLength(1);
  });

  it('empty variables count as unset', () => {
    expect(loadConfig({ ...base, PORT: '', HOOK_TOKEN: '', HOOK_AUTH: '' }, io).port).toBe(8080);
  });
});

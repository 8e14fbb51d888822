// Server configuration: read once from the environment at boot, validated against a schema, and
// passed in everywhere else (no module reads process.env). Bad configuration stops the process
// with one message that lists every problem.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

export interface Config {
  port: number;
  /** /metrics on a port of its own, so the NetworkPolicy can admit Prometheus there and only Metacontroller to `port`. */
  metricsPort: number;
  host: string;
  /** Where Kubernetes (and Porch, an aggregated API) credentials come from. */
  kube: { source: 'kubeconfig'; path: string } | { source: 'in-cluster' };
  /** Porch repository for CNFDeployments that do not set spec.porch.repository. */
  porchRepository: string;
  /**
   * Bearer token Metacontroller must send on hook routes. Required unless HOOK_AUTH=none (an
   * explicit opt-out, for Metacontroller releases that cannot send one); undefined only then.
   */
  hookToken: string | undefined;
  /** The certificate and key as read at boot, and their files (server.ts reloads them when they change). */
  tls: { cert: Buffer; key: Buffer; certFile: string; keyFile: string } | undefined;
  /** How often the TLS files are compared with what is served (cert-manager renews them in place). */
  tlsReloadMs: number;
  bodyLimitBytes: number;
  logLevel: LogLevel;
  /** Budget for all Porch work inside one hook call (Metacontroller's hook timeout is 10 s). */
  hookDeadlineMs: number;
  /** Per-request timeout for Porch calls. */
  porchTimeoutMs: number;
  /** Per-CNF gauges not refreshed by a sync within this time disappear from /metrics. */
  gaugeTtlSeconds: number;
  /** Bound on waiting for in-flight hooks at shutdown. */
  shutdownTimeoutMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const DEFAULT_PORCH_REPOSITORY = 'cnf-packages';
const MIB = 1024 * 1024;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const int = (min: number, max: number, dflt: number): Record<string, unknown> => ({
  type: 'integer',
  minimum: min,
  maximum: max,
  default: dflt,
});

/** Schema over the environment variables (strings coerced to numbers). */
const envSchema = {
  type: 'object',
  properties: {
    PORT: int(1, 65535, 8080),
    METRICS_PORT: int(1, 65535, 9090),
    HOST: { type: 'string', minLength: 1, default: '0.0.0.0' },
    KUBECONFIG: { type: 'string', minLength: 1 },
    KUBERNETES_SERVICE_HOST: { type: 'string' },
    PORCH_REPOSITORY: {
      type: 'string',
      // Porch repository names are DNS-1123 labels.
      pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
      default: DEFAULT_PORCH_REPOSITORY,
    },
    HOOK_AUTH: { type: 'string', enum: ['token', 'none'], default: 'token' },
    HOOK_TOKEN: { type: 'string', minLength: 16 },
    HOOK_TOKEN_FILE: { type: 'string', minLength: 1 },
    TLS_CERT_FILE: { type: 'string', minLength: 1 },
    TLS_KEY_FILE: { type: 'string', minLength: 1 },
    TLS_RELOAD_MS: int(100, 3_600_000, 30_000),
    // 8 MiB: a CNF with ~1,500 Pods; 5 such syncs at once peak at ~350 MiB RSS (bench/memory.ts).
    BODY_LIMIT_BYTES: int(MIB, 1024 * MIB, 8 * MIB),
    LOG_LEVEL: {
      type: 'string',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
    },
    HOOK_DEADLINE_MS: int(100, 60_000, 8000),
    PORCH_TIMEOUT_MS: int(100, 60_000, 4000),
    GAUGE_TTL_SECONDS: int(30, 7 * 24 * 3600, 900),
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000, 10_000),
  },
} as const;

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: true });
const validateEnv = ajv.compile(envSchema);

type Env = Record<string, string | undefined>;

export interface ConfigIO {
  readFile(path: string): Buffer;
}

const defaultIO: ConfigIO = { readFile: (p) => readFileSync(p) };

export function loadConfig(env: Env, io: ConfigIO = defaultIO): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(envSchema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v.trim();
  }
  const problems: string[] = [];
  if (!validateEnv(raw)) {
    for (const e of validateEnv.errors ?? []) {
      const key = e.instancePath.replace(/^\//, '');
      problems.push(`${key} ${e.message ?? 'is invalid'} (got ${JSON.stringify(env[key])})`);
    }
  }
  const s = (k: string): string | undefined => (typeof raw[k] === 'string' ? raw[k] : undefined);
  const n = (k: string): number => raw[k] as number;

  const read = (key: string, path: string): Buffer | undefined => {
    try {
      return io.readFile(path);
    } catch (err) {
      problems.push(`${key}: cannot read ${path}: ${(err as Error).message}`);
      return undefined;
    }
  };

  let kube: Config['kube'] | undefined;
  const kubeconfig = s('KUBECONFIG');
  if (kubeconfig !== undefined) {
    // KUBECONFIG may list several files; client-node reads the first. Check it exists now.
    const first = kubeconfig.split(':')[0] ?? kubeconfig;
    if (read('KUBECONFIG', first) !== undefined) kube = { source: 'kubeconfig', path: first };
  } else if (s('KUBERNETES_SERVICE_HOST') !== undefined) {
    kube = { source: 'in-cluster' };
  } else {
    problems.push(
      'no Kubernetes credentials: set KUBECONFIG to a kubeconfig file, or run in a Pod with a service account',
    );
  }

  let hookToken: string | undefined = s('HOOK_TOKEN');
  const tokenFile = s('HOOK_TOKEN_FILE');
  if (s('HOOK_AUTH') === 'none') {
    // The opt-out wins over a token file an overlay left mounted: said once, in the boot log.
    hookToken = undefined;
  } else if (hookToken === undefined && tokenFile === undefined) {
    problems.push(
      'hook authentication is on by default: set HOOK_TOKEN_FILE (or HOOK_TOKEN) to the bearer token Metacontroller sends, or HOOK_AUTH=none to run without it (local development, or a Metacontroller that cannot send a token)',
    );
  } else if (hookToken !== undefined && tokenFile !== undefined) {
    problems.push('set HOOK_TOKEN or HOOK_TOKEN_FILE, not both');
  } else if (tokenFile !== undefined) {
    const content = read('HOOK_TOKEN_FILE', tokenFile)?.toString('utf8').trim();
    if (content !== undefined && content.length < 16) {
      problems.push(`HOOK_TOKEN_FILE: ${tokenFile} must hold a token of at least 16 characters`);
    }
    hookToken = content;
  }

  let tls: Config['tls'];
  const certFile = s('TLS_CERT_FILE');
  const keyFile = s('TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  } else if (certFile !== undefined && keyFile !== undefined) {
    const cert = read('TLS_CERT_FILE', certFile);
    const key = read('TLS_KEY_FILE', keyFile);
    if (cert !== undefined && key !== undefined) tls = { cert, key, certFile, keyFile };
  }

  if (typeof raw['PORT'] === 'number' && raw['METRICS_PORT'] === raw['PORT']) {
    problems.push(`METRICS_PORT must differ from PORT (both ${raw['PORT']})`);
  }
  if (problems.length > 0 || kube === undefined) throw new ConfigError(problems);
  return {
    port: n('PORT'),
    metricsPort: n('METRICS_PORT'),
    host: s('HOST')!,
    kube,
    porchRepository: s('PORCH_REPOSITORY')!,
    hookToken,
    tls,
    tlsReloadMs: n('TLS_RELOAD_MS'),
    bodyLimitBytes: n('BODY_LIMIT_BYTES'),
    logLevel: raw['LOG_LEVEL'] as LogLevel,
    hookDeadlineMs: n('HOOK_DEADLINE_MS'),
    porchTimeoutMs: n('PORCH_TIMEOUT_MS'),
    gaugeTtlSeconds: n('GAUGE_TTL_SECONDS'),
    shutdownTimeoutMs: n('SHUTDOWN_TIMEOUT_MS'),
  };
}

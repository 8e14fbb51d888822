// manifests/monitoring: the alert rules (PrometheusRule) and the Grafana dashboard.
//
// - Every metric name a PromQL expression of the dashboard or the rules uses is one the hook server
//   registers (HookMetrics, with histogram suffixes and the default process metrics) or one the
//   kube-state-metrics config defines; every label matcher names a label that metric has.
// - The rules pass `promtool check rules` and their unit tests (tests/monitoring/alerts.promtool.yaml)
//   pass `promtool test rules`; every alert has a case where it fires and one where it does not.
//   promtool is Prometheus's own, built from the Go module proxy by scripts/local/build.ts (cached in
//   ~/.cache/nephoran-local; the first run builds it, a few minutes) or taken from
//   NEPHORAN_BIN_PROMTOOL.
// - The dashboard is well formed (grid, datasource variable, unique ids) and the picture in
//   docs/operations.md is generated from it (scripts/gen-dashboard-picture.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { HookMetrics } from '../../hooks/metrics.ts';
import { renderDashboardSvg } from '../../scripts/gen-dashboard-picture.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const RULES = join(ROOT, 'manifests/monitoring/prometheusrule.yaml');
const DASHBOARD = join(ROOT, 'manifests/monitoring/dashboards/nephoran-cnf.json');
const KSM_CONFIG = join(ROOT, 'manifests/monitoring/cnfdeployment-state-metrics.yaml');
const KUSTOMIZATION = join(ROOT, 'manifests/monitoring/kustomization.yaml');
const PROMTOOL_TESTS = join(ROOT, 'tests/monitoring/alerts.promtool.yaml');
const PICTURE = join(ROOT, 'docs/images/nephoran-cnf-dashboard.svg');
/** The rules file name the promtool tests' rule_files refers to. */
const RULES_FILE_NAME = 'nephoran-cnf.rules.yaml';

type Obj = Record<string, unknown>;
const obj = (v: unknown, what: string): Obj => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what}: not an object`);
  return v as Obj;
};
const arr = (v: unknown, what: string): unknown[] => {
  if (!Array.isArray(v)) throw new Error(`${what}: not a list`);
  return v;
};
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new Error(`${what}: not a string`);
  return v;
};

// ---- PromQL: metric names and label matchers ----------------------------------------------------

/** PromQL aggregation operators and functions (Prometheus 3.x), the only identifiers before `(`. */
const PROMQL_FUNCTIONS = new Set(
  `sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio
  abs absent absent_over_time ceil changes clamp clamp_max clamp_min day_of_month day_of_week day_of_year
  days_in_month delta deriv exp floor histogram_avg histogram_count histogram_fraction histogram_quantile
  histogram_stddev histogram_stdvar histogram_sum holt_winters double_exponential_smoothing hour idelta
  increase info irate label_join label_replace ln log2 log10 minute month predict_linear rate resets round
  scalar sgn sort sort_desc sort_by_label sort_by_label_desc sqrt time timestamp vector year
  avg_over_time min_over_time max_over_time sum_over_time count_over_time quantile_over_time
  stddev_over_time stdvar_over_time last_over_time present_over_time mad_over_time ts_of_max_over_time
  ts_of_min_over_time ts_of_last_over_time first_over_time ts_of_first_over_time acos acosh asin asinh
  atan atanh cos cosh sin sinh tan tanh deg pi rad start end`.split(/\s+/),
);
/** Keywords that stand alone (binary set operators, modifiers, literals). */
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);

/** The expression with strings emptied, comments and Grafana variables removed. */
function neutralize(expr: string): string {
  return expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
}

/**
 * Metric names used by a PromQL expression: identifiers that stand alone or precede a `{` or `[`,
 * once strings, label matchers, ranges, grouping label lists, numbers and durations are taken out;
 * an identifier followed by `(` must be a PromQL function (else this throws: a typo, or a metric
 * name used as a function).
 */
export function metricNames(expr: string): string[] {
  const s = neutralize(expr)
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/(?<![\w:.])(?:\d|\.\d)[\w.]*(?:[eE][+-]\d+)?/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const id = m[0];
    if (PROMQL_KEYWORDS.has(id.toLowerCase()) || ['group_left', 'group_right'].includes(id)) continue;
    const next = s.slice((m.index ?? 0) + id.length).trimStart()[0];
    if (next === '(') {
      if (!PROMQL_FUNCTIONS.has(id)) throw new Error(`unknown PromQL function "${id}" in: ${expr}`);
      continue;
    }
    names.add(id);
  }
  return [...names].sort();
}

/** Label names matched per metric: `metric{a="x", b=~"y"}` → metric → {a, b}. */
export function labelMatchers(expr: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of neutralize(expr).matchAll(/([A-Za-z_:][\w:]*)\s*\{([^}]*)\}/g)) {
    const [, name = '', body = ''] = m;
    const labels = out.get(name) ?? new Set<string>();
    for (const l of body.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.add(l[1] ?? '');
    out.set(name, labels);
  }
  return out;
}

/** The PromQL inside a Grafana query variable: label_values(<expr>, <label>) or query_result(<expr>). */
export function templatingExpr(query: string): string {
  const lv = /^\s*label_values\(\s*(.*?)\s*(?:,\s*\w+\s*)?\)\s*$/s.exec(query);
  if (lv) return lv[1] ?? '';
  const qr = /^\s*query_result\(\s*(.*)\s*\)\s*$/s.exec(query);
  if (qr) return qr[1] ?? '';
  if (/^\s*(label_names|metrics)\(/.test(query)) return '';
  throw new Error(`unsupported Grafana variable query: ${query}`);
}

// ---- what the sources use ----------------------------------------------------------------------

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function loadRuleGroups(): { name: string; rules: Rule[] }[] {
  const docs = parseAllDocuments(readFileSync(RULES, 'utf8')).map((d) => obj(d.toJS(), 'document'));
  expect(docs).toHaveLength(1);
  const [rule] = docs;
  expect(rule?.apiVersion).toBe('monitoring.coreos.com/v1');
  expect(rule?.kind).toBe('PrometheusRule');
  return arr(obj(rule?.spec, 'spec').groups, 'groups').map((g, i) => {
    const group = obj(g, `group ${i}`);
    return {
      name: str(group.name, `group ${i} name`),
      rules: arr(group.rules, `group ${i} rules`).map((r) => obj(r, 'rule') as unknown as Rule),
    };
  });
}

interface Dashboard {
  schemaVersion: number;
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
}

const loadDashboard = (): Dashboard => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;

/** Every PromQL expression of the rules and the dashboard, with where it is. */
function expressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const g of loadRuleGroups()) {
    for (const r of g.rules) out.push({ where: `rule ${r.alert ?? r.record}`, expr: r.expr });
  }
  const d = loadDashboard();
  for (const p of d.panels) {
    for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr });
  }
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : str(obj(v.query, 'query').query, `variable ${v.name}`);
    out.push({ where: `variable ${v.name}`, expr: templatingExpr(q) });
  }
  return out;
}

// ---- what the exporters export -------------------------------------------------------------------

/** Labels Prometheus (the Operator's ServiceMonitor) adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'container', 'endpoint'];

/** Metric name → its label names (target labels included). */
async function hookServerMetrics(): Promise<Map<string, Set<string>>> {
  const metrics = new HookMetrics({ now: () => 0, gaugeTtlSeconds: 900, processMetrics: true });
  const out = new Map<string, Set<string>>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const single = metrics.registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
    const labels = [...(single.labelNames ?? []), ...TARGET_LABELS];
    // prom-client's typings say a numeric enum; at run time the type is the exposition's word.
    const type = String(m.type);
    const suffixes =
      type === 'histogram'
        ? ['_bucket', '_sum', '_count']
        : type === 'summary'
          ? ['', '_sum', '_count']
          : [''];
    for (const s of suffixes) out.set(m.name + s, new Set(s === '_bucket' ? [...labels, 'le'] : labels));
  }
  return out;
}

/** Metric name → label names, as kube-state-metrics names them from the custom resource config. */
function kubeStateMetrics(): Map<string, Set<string>> {
  const cfg = obj(parse(readFileSync(KSM_CONFIG, 'utf8')), 'kube-state-metrics config');
  const out = new Map<string, Set<string>>();
  for (const r of arr(obj(cfg.spec, 'spec').resources, 'resources')) {
    const res = obj(r, 'resource');
    const prefix = typeof res.metricNamePrefix === 'string' ? res.metricNamePrefix : 'kube_customresource';
    const common = [
      ...Object.keys(obj(res.labelsFromPath ?? {}, 'labelsFromPath')),
      ...Object.keys(obj(res.commonLabels ?? {}, 'commonLabels')),
      ...['customresource_group', 'customresource_kind', 'customresource_version'],
      ...TARGET_LABELS,
    ];
    for (const m of arr(res.metrics, 'metrics')) {
      const metric = obj(m, 'metric');
      const each = obj(metric.each, 'each');
      const typed = obj(
        each[String(each.type).charAt(0).toLowerCase() + String(each.type).slice(1)] ?? {},
        'each',
      );
      const own = [
        ...Object.keys(obj(metric.labelsFromPath ?? {}, 'labelsFromPath')),
        ...Object.keys(obj(metric.commonLabels ?? {}, 'commonLabels')),
        ...Object.keys(obj(typed.labelsFromPath ?? {}, 'labelsFromPath')),
        ...(typeof typed.labelName === 'string' ? [typed.labelName] : []),
      ];
      const name = prefix === '' ? str(metric.name, 'name') : `${prefix}_${str(metric.name, 'name')}`;
      out.set(name, new Set([...common, ...own]));
    }
  }
  return out;
}

// ---- promtool -------------------------------------------------------------------------------------

/** Bound on building promtool the first time (measured cold on 2 cores: see docs/local-stack.md). */
const PROMTOOL_BUILD_TIMEOUT_MS = 30 * 60_000;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(
  cmd: string,
  args: string[],
  timeoutMs: number,
  opts: { stderrToConsole?: boolean; cwd?: string } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (opts.stderrToConsole) process.stderr.write(b);
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(`${cmd} ${args.join(' ')}: no answer within ${timeoutMs / 1000}s\n${stderr.slice(-4000)}`),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** NEPHORAN_BIN_PROMTOOL, or the one build.ts built (building it when missing). */
async function promtoolPath(): Promise<string> {
  const own = process.env.NEPHORAN_BIN_PROMTOOL;
  if (own) {
    if (!existsSync(own)) throw new Error(`NEPHORAN_BIN_PROMTOOL=${own}: no such file`);
    return own;
  }
  const build = (args: string[], stderrToConsole: boolean): Promise<Ran> =>
    runProcess(
      process.execPath,
      [join(ROOT, 'scripts/local/build.ts'), '--print-paths', ...args, 'promtool'],
      PROMTOOL_BUILD_TIMEOUT_MS,
      { stderrToConsole },
    );
  // The usual case, quiet: built already. Else build it, showing build.ts's progress.
  let res = await build(['--cached-only'], false);
  if (res.code !== 0) {
    process.stderr.write('monitoring.test.ts: building promtool (once per machine, a few minutes)\n');
    res = await build([], true);
  }
  let built: string | undefined;
  try {
    built = (JSON.parse(res.stdout) as Record<string, string>).promtool;
  } catch {
    built = undefined;
  }
  if (res.code !== 0 || built === undefined) {
    throw new Error(
      `could not build promtool: \`node scripts/local/build.ts --print-paths promtool\` exited ${res.code} ` +
        `(it needs Go >= 1.26.7 and the Go module proxy; or set NEPHORAN_BIN_PROMTOOL to a promtool 3.x):\n` +
        res.stderr.slice(-4000),
    );
  }
  return built;
}

// ---- tests ----------------------------------------------------------------------------------------

describe('PromQL name extraction (the helper the checks below rely on)', () => {
  it.each([
    [
      'sum by (hook, le) (rate(nephoran_hook_duration_seconds_bucket{job=~"$job"}[$__rate_interval]))',
      ['nephoran_hook_duration_seconds_bucket'],
    ],
    ['histogram_quantile(0.99, sum(rate(x_bucket[5m])) by (le)) > 8', ['x_bucket']],
    ['a > on (namespace, name) b or vector(0)', ['a', 'b']],
    ['(a > b) or (c unless on (x) d) and (e)', ['a', 'b', 'c', 'd', 'e']],
    ['x / ignoring (outcome) group_left sum by (hook) (rate(y[1m]))', ['x', 'y']],
    ['x / ignoring(outcome) group_left(extra) y', ['x', 'y']],
    ['count(foo > time() - 3600) or vector(0)', ['foo']],
    ['label_replace(up, "dst", "$1", "instance", "(.*):\\\\d+")', ['up']],
    ['job:requests:rate5m offset 5m', ['job:requests:rate5m']],
    ['1e3 * bar > bool 0.5', ['bar']],
    ['foo @ 1609746000 > Inf', ['foo']],
    ['rate(foo[5m:30s]) unless bar{a="}"}', ['bar', 'foo']],
    ['max by (namespace) (m{phase=~"A|B"} == 1)  # trailing comment with words', ['m']],
    ['sum without (instance) (nephoran_events_total)', ['nephoran_events_total']],
    ['topk(5, count_values("v", build_info))', ['build_info']],
  ])('%s', (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });

  it('refuses an identifier before "(" that is not a PromQL function', () => {
    expect(() => metricNames('rat(foo[5m])')).toThrow(/unknown PromQL function "rat"/);
  });

  it('finds the labels matched per metric, ignoring strings', () => {
    const m = labelMatchers('a{x="1", y=~"z{2}"} / on (q) b{w!="}", v!~"u"} + c');
    expect(Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      a: ['x', 'y'],
      b: ['v', 'w'],
    });
  });

  it('reads the PromQL of Grafana variables', () => {
    expect(templatingExpr('label_values(kube_x{a="b"}, namespace)')).toBe('kube_x{a="b"}');
    expect(templatingExpr('label_values(job)')).toBe('job');
    expect(templatingExpr('query_result(sum(x))')).toBe('sum(x)');
    expect(() => templatingExpr('something_else(x)')).toThrow(/unsupported/);
  });
});

describe('every metric the dashboard and the alert rules use is exported', () => {
  let exported: Map<string, { source: string; labels: Set<string> }>;
  beforeAll(async () => {
    exported = new Map();
    for (const [n, labels] of await hookServerMetrics()) exported.set(n, { source: 'hook server', labels });
    for (const [n, labels] of kubeStateMetrics()) exported.set(n, { source: 'kube-state-metrics', labels });
  });

  it('knows both exporters (sanity check of the lists below)', () => {
    expect(exported.get('nephoran_hook_duration_seconds_bucket')?.labels).toContain('le');
    expect(exported.get('cnf_active_count')?.labels).toContain('phase');
    expect(exported.has('process_resident_memory_bytes')).toBe(true);
    expect([...(exported.get('kube_customresource_cnfdeployment_phase')?.labels ?? [])]).toEqual(
      expect.arrayContaining(['phase', 'namespace', 'name', 'type', 'function']),
    );
    expect(exported.get('kube_customresource_cnfdeployment_condition')?.labels).toContain('condition');
  });

  it('uses only metric names that exist', () => {
    const unknown = expressions().flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((n) => !exported.has(n))
        .map((n) => `${where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('matches only labels those metrics carry', () => {
    const wrong = expressions().flatMap(({ where, expr }) =>
      [...labelMatchers(expr)].flatMap(([metric, labels]) =>
        [...labels]
          .filter((l) => exported.get(metric)?.labels.has(l) === false)
          .map((l) => `${where}: ${metric}{${l}}`),
      ),
    );
    expect(wrong).toEqual([]);
  });

  it('covers the product: each exporter metric family the brief names is on the dashboard', () => {
    const used = new Set(
      loadDashboard().panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))),
    );
    for (const name of [
      'cnf_active_count',
      'cnf_deployment_duration_seconds_bucket',
      'cnf_deployments_total',
      'nephoran_hook_requests_total',
      'nephoran_hook_duration_seconds_bucket',
      'nephoran_porch_actions_total',
      'nephoran_oran_actions_total',
      'nephoran_events_total',
      'kube_customresource_cnfdeployment_phase',
      'kube_customresource_cnfdeployment_condition',
      'kube_customresource_cnfdeployment_rollback_timestamp_seconds',
      'kube_customresource_cnfdeployment_generation',
      'kube_customresource_cnfdeployment_observed_generation',
    ]) {
      expect(used).toContain(name);
    }
  });
});

describe('the Grafana dashboard', () => {
  const d = loadDashboard();

  it('is a dashboard for a Prometheus data source chosen by variable', () => {
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(d.uid).toBe('nephoran-cnf');
    const ds = d.templating.list.find((v) => v.type === 'datasource');
    expect(ds).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of d.panels.filter((x) => x.type !== 'row')) {
      expect([p.title, p.datasource]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }]);
      expect(p.targets?.length).toBeGreaterThan(0);
    }
  });

  it('has unique ids and panels that fit the 24-column grid without overlapping', () => {
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const p of d.panels) {
      const { x, y, w, h } = p.gridPos;
      expect([p.title, x >= 0 && w > 0 && x + w <= 24 && h > 0]).toEqual([p.title, true]);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const key = `${i},${j}`;
          expect([p.title, cells.get(key)]).toEqual([p.title, undefined]);
          cells.set(key, p.title);
        }
      }
    }
  });

  it('ships as a ConfigMap the Grafana sidecar picks up (grafana_dashboard label)', () => {
    const k = obj(parse(readFileSync(KUSTOMIZATION, 'utf8')), 'kustomization');
    const gens = arr(k.configMapGenerator, 'configMapGenerator').map((g) => obj(g, 'generator'));
    const gen = gens.find((g) => arr(g.files, 'files').includes('dashboards/nephoran-cnf.json'));
    expect(gen).toBeDefined();
    expect(obj(obj(gen?.options, 'options').labels, 'labels').grafana_dashboard).toBe('1');
    expect(arr(k.resources, 'resources')).toContain('prometheusrule.yaml');
  });

  it('is pictured in docs/operations.md by the image generated from it', () => {
    // Regenerate with `npm run gen:dashboard-picture` after changing the dashboard.
    expect(readFileSync(PICTURE, 'utf8')).toBe(renderDashboardSvg(d));
    expect(
      readFileSync(join(ROOT, 'docs/operations.md'), 'utf8').includes('images/nephoran-cnf-dashboard.svg'),
    ).toBe(true);
  });
});

describe('the alert rules', () => {
  const groups = loadRuleGroups();
  const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);

  it('are the alerts docs/operations.md documents, each with a severity, summary and runbook', () => {
    const ops = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    for (const a of alerts) {
      expect([a.alert, a.labels?.severity]).toEqual([a.alert, expect.stringMatching(/^(warning|critical)$/)]);
      expect([a.alert, typeof a.annotations?.summary]).toEqual([a.alert, 'string']);
    }
    expect(alerts.filter((a) => !ops.includes(`\`${a.alert}\``)).map((a) => a.alert)).toEqual([]);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'CNFDeploymentStuckInPhase',
        'CNFDeploymentFailed',
        'CNFDeploymentRolledBack',
        'CNFDeploymentStatusNotUpdated',
        'NephoranHookServerErrors',
        'NephoranPorchRefusingWrites',
      ]),
    );
  });

  it('point their runbook annotation at a heading that exists', () => {
    const slug = (h: string): string =>
      h
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
    for (const a of alerts) {
      const [file = '', anchor = ''] = str(a.annotations?.runbook, `${a.alert} runbook`).split('#');
      const headings = readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .filter((l) => /^#{1,6} /.test(l))
        .map((l) => slug(l.replace(/^#+ /, '')));
      expect([a.alert, headings.includes(anchor)]).toEqual([a.alert, true]);
    }
  });

  it('have a promtool case where each alert fires and one where it does not', () => {
    const cases = arr(obj(parse(readFileSync(PROMTOOL_TESTS, 'utf8')), 'tests file').tests, 'tests').flatMap(
      (t) => arr(obj(t, 'test').alert_rule_test ?? [], 'alert_rule_test').map((c) => obj(c, 'case')),
    );
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      const fires = mine.some((c) => arr(c.exp_alerts ?? [], 'exp_alerts').length > 0);
      const quiet = mine.some((c) => arr(c.exp_alerts ?? [], 'exp_alerts').length === 0);
      expect([a.alert, fires, quiet]).toEqual([a.alert, true, true]);
    }
  });

  describe('promtool (Prometheus 3.x, built from the Go module proxy)', () => {
    let promtool = '';
    let dir = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'nephoran-promtool-'));
      writeFileSync(join(dir, RULES_FILE_NAME), stringify({ groups }));
      writeFileSync(join(dir, 'alerts.promtool.yaml'), readFileSync(PROMTOOL_TESTS, 'utf8'));
      promtool = await promtoolPath();
    }, PROMTOOL_BUILD_TIMEOUT_MS + 60_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('promtool check rules: the rules are valid', async () => {
      const res = await runProcess(
        promtool,
        ['check', 'rules', '--lint=all', '--lint-fatal', RULES_FILE_NAME],
        60_000,
        {
          cwd: dir,
        },
      );
      expect({ code: res.code, out: res.stdout + res.stderr }).toEqual({
        code: 0,
        out: expect.stringContaining(`SUCCESS: ${alerts.length} rules found`),
      });
    });

    it('promtool test rules: every alert fires when it should, and only then', async () => {
      const res = await runProcess(promtool, ['test', 'rules', 'alerts.promtool.yaml'], 120_000, {
        cwd: dir,
      });
      expect({ code: res.code, out: res.stdout + res.stderr }).toEqual({
        code: 0,
        out: expect.stringContaining('SUCCESS'),
      });
    });
  });
});

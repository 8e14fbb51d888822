#!/usr/bin/env node
// Draws docs/images/nephoran-cnf-dashboard.svg from the Grafana dashboard
// (manifests/monitoring/dashboards/nephoran-cnf.json): each panel where the dashboard's grid puts it,
// with its title, and a shape for its kind — a number for a stat, curves or bars for a time series
// (stacked when the panel stacks, with its threshold line), columns for a table — in Grafana's dark
// theme. It is a layout picture: the numbers and curves are made up (deterministic), not data.
// tests/unit/monitoring.test.ts checks the checked-in picture is what this draws from the dashboard.
//
//   npm run gen:dashboard-picture
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const DASHBOARD = path.join(ROOT, 'manifests/monitoring/dashboards/nephoran-cnf.json');
const PICTURE = path.join(ROOT, 'docs/images/nephoran-cnf-dashboard.svg');

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; legendFormat?: string }[];
  fieldConfig?: {
    defaults?: {
      unit?: string;
      custom?: { drawStyle?: string; stacking?: { mode?: string }; thresholdsStyle?: { mode?: string } };
      thresholds?: { steps?: { color: string; value: number | null }[] };
    };
  };
}

interface Dashboard {
  title: string;
  panels: Panel[];
  templating: { list: { name: string; label?: string; type: string }[] };
}

const COL = 50; // px per grid column (24 columns)
const ROW = 30; // px per grid row
const GAP = 6;
const TOP = 78; // title bar and variables
const WIDTH = COL * 24 + 2 * GAP;
const PALETTE = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#705da0'];
const NAMED: Record<string, string> = {
  green: '#73bf69',
  red: '#f2495c',
  orange: '#ff9830',
  blue: '#5794f2',
  text: '#6e7380',
  transparent: 'none',
};

/** Deterministic pseudo-random numbers (mulberry32), seeded per panel. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number): string => String(Math.round(v * 10) / 10);

/** Plausible stat values for the picture (by panel title; 0 when not listed). */
const STAT_SAMPLES: Record<string, number> = {
  'Active CNFs': 42,
  'In progress': 3,
  Degraded: 1,
  Failed: 0,
  'Rolled back': 1,
  'Status behind spec': 0,
};

function statPanel(p: Panel, x: number, y: number, w: number, h: number): string {
  const value = STAT_SAMPLES[p.title] ?? 0;
  const steps = p.fieldConfig?.defaults?.thresholds?.steps ?? [];
  const step = [...steps].reverse().find((s) => s.value === null || value >= s.value);
  const fill = NAMED[step?.color ?? 'green'] ?? step?.color ?? '#73bf69';
  return [
    `<rect x="${x + 1}" y="${y + 24}" width="${w - 2}" height="${h - 25}" fill="${fill}" opacity="0.85"/>`,
    `<text x="${x + w / 2}" y="${y + 24 + (h - 24) / 2 + 14}" font-size="38" font-weight="500" fill="#fff" text-anchor="middle">${value}</text>`,
  ].join('');
}

/** Label values for the picture's legends, by label (and by metric where they differ). */
function sampleValues(label: string, expr: string): string[] {
  if (label === 'operation' && expr.includes('nephoran_oran_actions_total'))
    return ['putA1Policy', 'createE2Subscription'];
  if (label === 'result' && expr.includes('nephoran_events_total'))
    return ['sent', 'deduplicated', 'dropped'];
  if (label === 'outcome' && expr.includes('outcome!="success"')) return ['client_error', 'server_error'];
  const values: Record<string, string[]> = {
    phase: ['Active', 'Provisioning', 'Degraded'],
    hook: ['sync', 'finalize'],
    outcome: ['success', 'server_error'],
    function: ['amf', 'upf'],
    status: ['success', 'failure'],
    operation: ['approve', 'writeResources'],
    result: ['ok', 'transient'],
    instance: ['10.0.0.1:9090', '10.0.0.2:9090'],
  };
  return values[label] ?? ['a', 'b'];
}

/** The legend entries a time series would show: its legendFormat with made-up label values. */
function legend(p: Panel): string[] {
  const out: string[] = [];
  for (const t of p.targets ?? []) {
    const f = t.legendFormat ?? '';
    const labels = [...f.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '');
    const first = labels[0];
    if (first === undefined) {
      out.push(f);
      continue;
    }
    for (const v of sampleValues(first, t.expr)) {
      out.push(
        f.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l: string) =>
          l === first ? v : (sampleValues(l, t.expr)[0] ?? l),
        ),
      );
    }
  }
  return out.slice(0, 6);
}

/** Relative height of a quantile's curve (p50 under p90 under p99), 1 for other series. */
function quantileScale(entry: string): number {
  const q = /\bp(\d+)\b/.exec(entry)?.[1];
  if (q !== undefined) return 0.2 + (Number(q) / 100) ** 4 * 0.8;
  return entry === 'mean' ? 0.4 : 1;
}

function timeseriesPanel(p: Panel, x: number, y: number, w: number, h: number): string {
  const r = rng(p.id * 7919);
  const custom = p.fieldConfig?.defaults?.custom ?? {};
  const bars = custom.drawStyle === 'bars';
  const stacked = custom.stacking?.mode === 'normal';
  const entries = legend(p);
  const legendW = Math.min(190, Math.max(110, w * 0.34));
  const px = x + 34;
  const py = y + 30;
  const pw = w - legendW - 44;
  const ph = h - 52;
  const parts: string[] = [];
  // axes and grid
  for (let i = 0; i <= 3; i++) {
    const gy = py + (ph * i) / 3;
    parts.push(`<line x1="${px}" y1="${n(gy)}" x2="${px + pw}" y2="${n(gy)}" stroke="#2c3235"/>`);
  }
  parts.push(`<line x1="${px}" y1="${py + ph}" x2="${px + pw}" y2="${py + ph}" stroke="#464c54"/>`);
  const points = 24;
  const series = entries.map((_, i) => {
    const base = 0.15 + r() * 0.5;
    let v = base;
    return Array.from({ length: points }, () => {
      v = Math.min(1, Math.max(0.02, v + (r() - 0.5) * 0.18));
      const scale = quantileScale(entries[i] ?? '');
      if (stacked) return v / Math.max(1, entries.length);
      return scale !== 1 ? 0.08 + scale * 0.5 + (v - base) * 0.2 : i === 0 ? v : v * (0.8 - i * 0.1);
    });
  });
  const acc = new Array<number>(points).fill(0);
  series.forEach((vals, i) => {
    const color = PALETTE[i % PALETTE.length] ?? '#73bf69';
    const lower = [...acc];
    const upper = vals.map((v, k) => (stacked ? (acc[k] ?? 0) + v : v));
    if (stacked) upper.forEach((v, k) => (acc[k] = v));
    const X = (k: number): number => px + (pw * k) / (points - 1);
    const Y = (v: number): number => py + ph - Math.min(1, v) * ph * 0.95;
    if (bars) {
      const bw = (pw / points) * 0.7;
      upper.forEach((v, k) => {
        const top = Y(v);
        const bottom = stacked ? Y(lower[k] ?? 0) : py + ph;
        parts.push(
          `<rect x="${n(X(k) - bw / 2)}" y="${n(top)}" width="${n(bw)}" height="${n(Math.max(0, bottom - top))}" fill="${color}" opacity="0.8"/>`,
        );
      });
    } else {
      const line = upper.map((v, k) => `${n(X(k))},${n(Y(v))}`).join(' ');
      const floor = stacked
        ? lower
            .map((v, k) => `${n(X(k))},${n(Y(v))}`)
            .reverse()
            .join(' ')
        : `${n(X(points - 1))},${py + ph} ${n(X(0))},${py + ph}`;
      parts.push(`<polygon points="${line} ${floor}" fill="${color}" opacity="${stacked ? 0.55 : 0.08}"/>`);
      parts.push(`<polyline points="${line}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
  });
  if (custom.thresholdsStyle?.mode?.startsWith('line')) {
    const ty = py + ph * 0.22;
    parts.push(
      `<line x1="${px}" y1="${n(ty)}" x2="${px + pw}" y2="${n(ty)}" stroke="#f2495c" stroke-dasharray="5,4"/>`,
    );
  }
  const chars = Math.floor((legendW - 20) / 5.6);
  entries.forEach((e, i) => {
    const ly = py + 6 + i * 15;
    const color = PALETTE[i % PALETTE.length] ?? '#73bf69';
    parts.push(`<rect x="${x + w - legendW}" y="${ly - 4}" width="10" height="3" fill="${color}"/>`);
    parts.push(
      `<text x="${x + w - legendW + 14}" y="${ly}" font-size="10" fill="#ccccdc">${esc(e.length > chars ? `${e.slice(0, chars - 1)}…` : e)}</text>`,
    );
  });
  return parts.join('');
}

/** Column names of a table panel: the labels of its first query's `by (...)`, then Value. */
function tableColumns(p: Panel): string[] {
  const expr = p.targets?.[0]?.expr ?? '';
  const by = /by\s*\(([^)]*)\)/.exec(expr)?.[1];
  const cols = by ? by.split(',').map((s) => s.trim()) : ['name'];
  return p.fieldConfig?.defaults?.unit === 'dateTimeAsIso' ? [...cols, 'rolled back at'] : cols;
}

function tablePanel(p: Panel, x: number, y: number, w: number, h: number): string {
  const r = rng(p.id * 104729);
  const cols = tableColumns(p);
  const cw = (w - 16) / cols.length;
  const parts = cols.map(
    (c, i) =>
      `<text x="${n(x + 8 + i * cw)}" y="${y + 44}" font-size="11" font-weight="600" fill="#8ab8ff">${esc(c)}</text>`,
  );
  parts.push(`<line x1="${x + 8}" y1="${y + 50}" x2="${x + w - 8}" y2="${y + 50}" stroke="#464c54"/>`);
  const rows = Math.max(1, Math.floor((h - 60) / 20));
  for (let j = 0; j < rows; j++) {
    cols.forEach((_, i) => {
      const bw = cw * (0.35 + r() * 0.4);
      parts.push(
        `<rect x="${n(x + 8 + i * cw)}" y="${y + 58 + j * 20}" width="${n(bw)}" height="8" rx="2" fill="#3a4046"/>`,
      );
    });
  }
  return parts.join('');
}

export function renderDashboardSvg(d: Dashboard): string {
  const bottom = Math.max(...d.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const height = TOP + bottom * ROW + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Inter, Helvetica, Arial, sans-serif">`,
    `<title>Layout of the Grafana dashboard "${esc(d.title)}" (manifests/monitoring/dashboards/nephoran-cnf.json)</title>`,
    `<rect width="100%" height="100%" fill="#111217"/>`,
    `<text x="${GAP + 4}" y="26" font-size="17" fill="#ccccdc">Dashboards / ${esc(d.title)}</text>`,
    `<text x="${WIDTH - GAP - 4}" y="26" font-size="12" fill="#8e8e8e" text-anchor="end">Last 6 hours · refresh 30s</text>`,
  ];
  let vx = GAP + 4;
  for (const v of d.templating.list) {
    const label = v.label ?? v.name;
    const value = v.type === 'datasource' ? 'Prometheus' : 'All';
    const w = 14 + (label.length + value.length) * 7;
    out.push(
      `<rect x="${vx}" y="40" width="${w}" height="24" rx="2" fill="#181b1f" stroke="#2c3235"/>`,
      `<text x="${vx + 7}" y="56" font-size="11" fill="#8e8e8e">${esc(label)} <tspan fill="#ccccdc">${esc(value)}</tspan></text>`,
    );
    vx += w + 8;
  }
  for (const p of d.panels) {
    const x = GAP + p.gridPos.x * COL + 2;
    const y = TOP + p.gridPos.y * ROW + 2;
    const w = p.gridPos.w * COL - 4;
    const h = p.gridPos.h * ROW - 4;
    if (p.type === 'row') {
      out.push(
        `<text x="${x + 2}" y="${y + 19}" font-size="14" font-weight="600" fill="#ccccdc">⌄ ${esc(p.title)}</text>`,
      );
      continue;
    }
    out.push(
      `<g><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="2" fill="#181b1f" stroke="#2c3235"/>`,
    );
    out.push(
      `<text x="${x + 8}" y="${y + 17}" font-size="12" font-weight="500" fill="#ccccdc">${esc(p.title)}</text>`,
    );
    if (p.type === 'stat') out.push(statPanel(p, x, y, w, h));
    else if (p.type === 'table') out.push(tablePanel(p, x, y, w, h));
    else out.push(timeseriesPanel(p, x, y, w, h));
    out.push('</g>');
  }
  out.push(
    `<text x="${GAP + 4}" y="${height - 14}" font-size="11" fill="#8e8e8e">Layout picture drawn by scripts/gen-dashboard-picture.ts from the dashboard JSON: panel titles, kinds and positions are the dashboard's; values and curves are illustrative, not data.</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

if (import.meta.main) {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  writeFileSync(PICTURE, renderDashboardSvg(d));
  process.stdout.write(`wrote ${path.relative(ROOT, PICTURE)}\n`);
}

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- JSON fixtures */
// Shared by the hostile-input tests (hostile-input.test.ts, hooks-fuzz.test.ts): valid
// CNFDeployments to mutate, the hook app with an API server double that copies any nesting (the one
// in hooks.helpers.ts uses structuredClone, which overflows the stack near 5,000 levels while the
// real API server stores 10,000), the CLI driven in-process, and values no sane spec holds.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { HookApp } from '../../hooks/app.ts';
import { HookMetrics } from '../../hooks/metrics.ts';
import { run } from '../../scripts/nephoran-cnf.ts';
import type { CNFDeployment } from '../../lib/types.ts';
import { jsonText } from '../../lib/json.ts';
import type { LightMyRequestResponse } from 'fastify';
import {
  buildApp,
  fixture,
  MemoryApiServer,
  MemoryEvents,
  mirrorParents,
  NOW,
  StubPorch,
  type Json,
} from './hooks.helpers.ts';

/** MemoryApiServer, copying through JSON: any depth the API server stores (10,000 levels). */
export class JsonApiServer extends MemoryApiServer {
  private readonly held = new Map<string, string>();

  override put(obj: CNFDeployment): void {
    this.held.set(`${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`, jsonText(obj));
  }

  override getCNFDeployment(namespace: string, name: string): Promise<CNFDeployment | null> {
    this.reads++;
    const text = this.held.get(`${namespace}/${name}`);
    return Promise.resolve(text === undefined ? null : (JSON.parse(text) as CNFDeployment));
  }
}

export interface HostileApp {
  app: HookApp;
  porch: StubPorch;
  apiServer: JsonApiServer;
  close(): Promise<void>;
}

/** The hook app as in hooks.helpers.ts makeApp (fixed clock, StubPorch), with JsonApiServer. */
export async function makeHostileApp(): Promise<HostileApp> {
  const now = (): number => NOW;
  const metrics = new HookMetrics({ now, gaugeTtlSeconds: 900, processMetrics: false });
  const porch = new StubPorch();
  const apiServer = new JsonApiServer();
  const app = await buildApp({ bodyLimitBytes: 32 * 1024 * 1024 }, undefined, {
    config: { porchRepository: 'cnf-packages', hookToken: undefined, hookDeadlineMs: 8000 },
    porch,
    events: new MemoryEvents(),
    apiServer,
    metrics,
    now,
  });
  mirrorParents(app, apiServer);
  await app.ready();
  return { app, porch, apiServer, close: () => app.close() };
}

const example = (file: string): Json =>
  parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8'));

function parentOf(cnf: Json, uid: string): Json {
  return {
    apiVersion: cnf.apiVersion,
    kind: cnf.kind,
    metadata: {
      ...cnf.metadata,
      uid,
      generation: 1,
      resourceVersion: '1001',
      creationTimestamp: '2026-02-16T10:00:00Z',
    },
    spec: cnf.spec,
  };
}

/** Valid parents to mutate: every kind of spec field (resources, configuration, interfaces, O-RAN). */
export function bases(): Array<{ name: string; parent: Json }> {
  const upf = example('upf.yaml');
  delete upf.spec.dependencies; // so the spec renders instead of waiting for its dependency
  return [
    { name: 'amf', parent: fixture('sync-new').parent },
    { name: 'upf', parent: parentOf(upf, '0d3c1d2e-8b1a-4c5d-9e7f-0a1b2c3d4e60') },
    { name: 'odu', parent: parentOf(example('odu-oran.yaml'), '0d3c1d2e-8b1a-4c5d-9e7f-0a1b2c3d4e61') },
  ];
}

/** A Metacontroller sync request (sync-new's envelope) for `parent`. */
export function syncRequest(parent: Json): Json {
  return { ...fixture('sync-new'), parent };
}

/**
 * `levels` objects (or lists) nested in one another around 1. Parsed from JSON, as the hook gets
 * them (jest's V8 serializes such object literals recursively and overflows near 10,000 levels).
 */
export function nested(levels: number, kind: 'object' | 'list' = 'object'): unknown {
  const [open, close] = kind === 'object' ? ['{"a":', '}'] : ['[', ']'];
  return JSON.parse(`${open.repeat(levels)}1${close.repeat(levels)}`);
}

/** Sets an own property, "__proto__" included (or a list item, for a list and an index). */
export function setKey(obj: Json, key: string | number, value: unknown): void {
  if (Array.isArray(obj) && typeof key === 'number') obj[key] = value;
  else Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `nephoran-cnf render -f cnf.yaml` on `text`, in-process, writing nothing. */
export function cliRender(text: string): CliRun {
  let stdout = '';
  let stderr = '';
  const code = run(['render', '-f', 'cnf.yaml'], {
    readFile: () => text,
    mkdir: () => undefined,
    writeFile: () => undefined,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

/** POST with the body serialized here (any depth: see jsonText), as Metacontroller sends it. */
export function postJson(app: HookApp, url: string, body: unknown): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    payload: jsonText(body),
    headers: { 'content-type': 'application/json' },
  });
}

/** A deep copy through JSON (any depth). */
export const copy = (v: unknown): Json => JSON.parse(jsonText(v));

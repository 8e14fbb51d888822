#!/usr/bin/env node
// A small Near-RT RIC stand-in on 127.0.0.1 that answers like the O-RAN SC a1mediator (A1-P v2) and
// subscription manager (REST /ric/v1) on one port, for hook-level tests and the e2e suite.
// Configurable: known policy types, enforce status per policy, E2 nodes that are not connected, 503
// injection, and which subscription manager the E2 side answers like (`submgr`):
// - 'detailed' (default): GET /ric/v1/subscriptions lists every subscription as the request it was
//   made from plus its SubscriptionId, and every valid POST creates a new one — the worst case for
//   duplicates, where only the client's lookup can prevent them;
// - 'oran-sc': as O-RAN SC's submgr (ric-plt-submgr, pkg/control/registry.go QueryHandler and
//   duplicate.go): the list holds E2-level entries {SubscriptionId: <E2 instance id, a number>,
//   Meid, ClientEndpoint: ["host:rmrPort"], SubscriptionInstances: null} that do not carry the
//   request nor the REST id, and a POST identical to the request of an existing subscription
//   answers that subscription's id instead of creating another (submgr keys it by the request's md5).
// Tests use the class; the e2e starts the CLI and steers it over /responder/*:
//   node tests/doubles/oran-responder.ts --port 0 [--host 127.0.0.1] [--type 20008 ...]
//   → prints its URL (e.g. http://127.0.0.1:41234) on stdout, exits on SIGTERM/SIGINT.
// Control routes (JSON bodies):
//   POST /responder/enforce {policyId, enforceStatus, enforceReason?}
//   POST /responder/fail {method?, path?, times?}          next matching requests answer 503
//   POST /responder/disconnect {meid} | /responder/connect {meid}
//   GET  /responder/state                                 types, policies, subscriptions, requests
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EnforceStatus {
  enforceStatus: 'ENFORCED' | 'NOT_ENFORCED';
  enforceReason?: string;
}

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
}

export interface Unavailable {
  method?: string;
  /** Substring of the path. */
  path?: string;
  times: number;
}

export interface ResponderOptions {
  /** Policy types known from the start (create_schema `{type: object}`). */
  types?: number[];
  /** Which subscription manager the E2 side answers like (file header); 'detailed' by default. */
  submgr?: 'detailed' | 'oran-sc';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/** JSON with object keys sorted at every level: equal content, equal text. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    isObject(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );

export class OranResponder {
  readonly types = new Map<number, Json>();
  readonly policies = new Map<string, { policyTypeId: number; policyId: string; body: Json }>();
  readonly subscriptions = new Map<string, Json>();
  readonly enforce = new Map<string, EnforceStatus>();
  readonly disconnected = new Set<string>();
  readonly unavailable: Unavailable[] = [];
  readonly requests: RecordedCall[] = [];
  readonly submgr: 'detailed' | 'oran-sc';
  private server: Server | undefined;
  private nextId = 1;
  /** The E2 instance id of each subscription (what 'oran-sc' lists). */
  private readonly e2InstanceIds = new Map<string, number>();

  constructor(opts: ResponderOptions = {}) {
    for (const t of opts.types ?? []) this.addType(t);
    this.submgr = opts.submgr ?? 'detailed';
  }

  addType(id: number, createSchema: Json = { type: 'object' }): void {
    this.types.set(id, {
      name: `type-${id}`,
      description: '',
      policy_type_id: id,
      create_schema: createSchema,
    });
  }

  /** Starts listening; resolves to the base URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  calls(method: string, pathPart = ''): RecordedCall[] {
    return this.requests.filter((r) => r.method === method && r.path.includes(pathPart));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    let badJson = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
      }
    }
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] as string;
    const send = (status: number, payload?: unknown): void => {
      if (payload === undefined) {
        res.writeHead(status).end();
        return;
      }
      const out = typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json' }).end(out);
    };
    if (path.startsWith('/responder/')) return this.control(method, path, body, send);
    this.requests.push({ method, path, body });
    const fault = this.unavailable.find(
      (u) => u.times > 0 && (u.method === undefined || u.method === method) && path.includes(u.path ?? ''),
    );
    if (fault !== undefined) {
      fault.times--;
      return send(503, { detail: 'service unavailable (injected)' });
    }
    if (badJson) return send(400, { detail: 'body is not JSON' });
    if (path.startsWith('/A1-P/v2/'))
      return this.a1(method, path.slice('/A1-P/v2/'.length).split('/'), body, send);
    if (path.startsWith('/ric/v1/subscriptions')) return this.e2(method, path, body, send);
    send(404, { detail: `no route ${method} ${path}` });
  }

  private a1(method: string, parts: string[], body: unknown, send: (s: number, p?: unknown) => void): void {
    const [root, typeRaw, policiesWord, policyRaw, statusWord] = parts;
    if (root === 'healthcheck' && parts.length === 1) return send(200);
    if (root !== 'policytypes') return send(404, { detail: 'not found' });
    if (typeRaw === undefined) return method === 'GET' ? send(200, [...this.types.keys()]) : send(405);
    const typeId = Number(typeRaw);
    if (!Number.isInteger(typeId)) return send(400, { detail: 'policy type id must be an integer' });
    const type = this.types.get(typeId);
    if (policiesWord === undefined) {
      if (method === 'GET')
        return type === undefined ? send(404, { detail: 'policy type not found' }) : send(200, type);
      if (method === 'PUT') {
        if (type !== undefined) return send(400, { detail: 'policy type already exists' });
        if (!isObject(body) || !isObject(body['create_schema']))
          return send(400, { detail: 'create_schema missing' });
        this.types.set(typeId, body);
        return send(201);
      }
      return send(405);
    }
    if (policiesWord !== 'policies' || type === undefined)
      return send(404, { detail: 'policy type not found' });
    if (policyRaw === undefined)
      return send(
        200,
        [...this.policies.values()].filter((p) => p.policyTypeId === typeId).map((p) => p.policyId),
      );
    const policyId = decodeURIComponent(policyRaw);
    const key = `${typeId}/${policyId}`;
    const stored = this.policies.get(key);
    if (statusWord === 'status') {
      if (method !== 'GET') return send(405);
      if (stored === undefined) return send(404, { detail: 'policy instance not found' });
      return send(200, this.enforce.get(policyId) ?? { enforceStatus: 'ENFORCED' });
    }
    if (method === 'GET') return stored === undefined ? send(404) : send(200, stored.body);
    if (method === 'DELETE') {
      if (stored === undefined) return send(404, { detail: 'policy instance not found' });
      this.policies.delete(key);
      return send(202);
    }
    if (method === 'PUT') {
      const schema = type['create_schema'];
      const required =
        isObject(schema) && Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
      if (!isObject(body)) return send(400, { detail: 'policy must be a JSON object' });
      const missing = required.filter((r) => !(r in body));
      if (missing.length > 0) return send(400, { detail: `'${missing[0]}' is a required property` });
      this.policies.set(key, { policyTypeId: typeId, policyId, body });
      return send(202);
    }
    send(405);
  }

  private e2(method: string, path: string, body: unknown, send: (s: number, p?: unknown) => void): void {
    const id = path.slice('/ric/v1/subscriptions'.length).replace(/^\//, '');
    if (id === '') {
      if (method === 'GET') return send(200, this.listSubscriptions());
      if (method !== 'POST') return send(405);
      const b = isObject(body) ? body : {};
      const fn = b['RANFunctionID'];
      if (
        typeof b['Meid'] !== 'string' ||
        !isObject(b['ClientEndpoint']) ||
        typeof fn !== 'number' ||
        fn < 0 ||
        fn > 4095 ||
        !Array.isArray(b['SubscriptionDetails'])
      ) {
        return send(400, { detail: 'invalid subscription request' });
      }
      if (this.disconnected.has(b['Meid']))
        return send(503, { detail: `E2 node ${b['Meid']} not connected` });
      if (this.submgr === 'oran-sc') {
        const same = [...this.subscriptions].find(([, v]) => canonical(v) === canonical(b));
        if (same !== undefined) return send(201, { SubscriptionId: same[0] });
      }
      const instanceId = this.nextId++;
      const subscriptionId = `${b['Meid']}-${instanceId}`;
      this.subscriptions.set(subscriptionId, b);
      this.e2InstanceIds.set(subscriptionId, instanceId);
      return send(201, { SubscriptionId: subscriptionId });
    }
    if (method !== 'DELETE') return send(405);
    const key = decodeURIComponent(id);
    if (!this.subscriptions.delete(key)) return send(404, { detail: 'subscription not found' });
    this.e2InstanceIds.delete(key);
    send(204);
  }

  /** GET /ric/v1/subscriptions, in the shape of `submgr` (file header). */
  private listSubscriptions(): Json[] {
    return [...this.subscriptions].map(([id, request]) => {
      if (this.submgr === 'detailed') return { ...request, SubscriptionId: id };
      const client = isObject(request['ClientEndpoint']) ? request['ClientEndpoint'] : {};
      const host = typeof client['Host'] === 'string' ? client['Host'] : '';
      const rmrPort = typeof client['RMRPort'] === 'number' ? client['RMRPort'] : 0;
      return {
        SubscriptionId: this.e2InstanceIds.get(id) ?? 0,
        Meid: request['Meid'],
        ClientEndpoint: [`${host}:${rmrPort}`],
        SubscriptionInstances: null,
      };
    });
  }

  private control(method: string, path: string, body: unknown, send: (s: number, p?: unknown) => void): void {
    const b = isObject(body) ? body : {};
    if (method === 'GET' && path === '/responder/state') {
      return send(200, {
        types: [...this.types.keys()],
        policies: [...this.policies.values()],
        subscriptions: [...this.subscriptions.keys()],
        requests: this.requests,
      });
    }
    if (method !== 'POST') return send(405);
    if (path === '/responder/enforce' && typeof b['policyId'] === 'string') {
      const s: EnforceStatus = {
        enforceStatus: b['enforceStatus'] === 'NOT_ENFORCED' ? 'NOT_ENFORCED' : 'ENFORCED',
      };
      if (typeof b['enforceReason'] === 'string') s.enforceReason = b['enforceReason'];
      this.enforce.set(b['policyId'], s);
      return send(204);
    }
    if (path === '/responder/fail') {
      const u: Unavailable = { times: typeof b['times'] === 'number' ? b['times'] : 1 };
      if (typeof b['method'] === 'string') u.method = b['method'];
      if (typeof b['path'] === 'string') u.path = b['path'];
      this.unavailable.push(u);
      return send(204);
    }
    if (
      (path === '/responder/disconnect' || path === '/responder/connect') &&
      typeof b['meid'] === 'string'
    ) {
      if (path === '/responder/disconnect') this.disconnected.add(b['meid']);
      else this.disconnected.delete(b['meid']);
      return send(204);
    }
    send(404, { detail: 'unknown control route' });
  }
}

/** Parses `--port N --host H --type ID…`. */
export function parseArgs(argv: readonly string[]): { port: number; host: string; types: number[] } {
  const out = { port: 0, host: '127.0.0.1', types: [] as number[] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--port' && value !== undefined) out.port = Number(value);
    else if (flag === '--host' && value !== undefined) out.host = value;
    else if (flag === '--type' && value !== undefined) out.types.push(Number(value));
    else throw new Error(`unknown or incomplete argument ${flag ?? ''}`);
    i++;
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535)
    throw new Error('--port must be 0-65535');
  if (out.types.some((t) => !Number.isInteger(t))) throw new Error('--type must be an integer');
  return out;
}

if (import.meta.main) {
  const args = parseArgs(process.argv.slice(2));
  const responder = new OranResponder({ types: args.types });
  const url = await responder.start(args.port, args.host);
  process.stdout.write(`${url}\n`);
  const stop = (): void => {
    void responder.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

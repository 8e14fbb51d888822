// The local stack's git server: git's own smart-HTTP server, `git http-backend` (CGI, from the git the
// machine has), behind this small HTTP front. Every request runs its own git upload-pack or
// receive-pack, so pushes get real per-ref locks and old-value checks, per-ref status, atomic pushes
// and incremental fetches — what Gitea or GitHub do — where Porch's test git server crashed under
// concurrent requests ("fatal error: concurrent map iteration and map write") and never checked a
// ref's old value (docs/local-stack.md, "Git server").
//
//   node scripts/local/githttp.ts --root DIR [--port 9446] [--host 127.0.0.1]
//
// Repositories are the bare repositories DIR/<name> (created by stack/gitserver.ts, with
// http.receivepack enabled); the URL of one is http://<host>:<port>/<name>. One log line per request.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import process from 'node:process';

import { UsageError, errorMessage, parseCli, runMain, say, setLogStamp } from './common.ts';

const USAGE = 'usage: node scripts/local/githttp.ts --root DIR [--port 9446] [--host 127.0.0.1]\n';

/** A request that takes longer is killed (a stuck client must not pin a git process forever). */
const REQUEST_TIMEOUT_MS = 120_000;
const MAX_HEADER_BYTES = 64 * 1024;

interface Options {
  root: string;
  port: number;
  host: string;
}

/** The CGI/1.1 environment of one request (RFC 3875), as git http-backend reads it. */
export function cgiEnv(
  req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>,
  root: string,
  remote: string,
): NodeJS.ProcessEnv {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REMOTE_ADDR: remote,
    // http-backend serves receive-pack (push) only to an authenticated user, or where
    // http.receivepack is true; the local stack has no authentication, so every client is this one.
    REMOTE_USER: 'local-stack',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
  };
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const type = header('content-type');
  if (type !== undefined) env['CONTENT_TYPE'] = type;
  const length = header('content-length');
  if (length !== undefined) env['CONTENT_LENGTH'] = length;
  const encoding = header('content-encoding');
  if (encoding !== undefined) env['HTTP_CONTENT_ENCODING'] = encoding;
  const protocol = header('git-protocol');
  if (protocol !== undefined) env['GIT_PROTOCOL'] = protocol;
  return env;
}

/** Splits a CGI response head ("Status: 200 OK\r\nContent-Type: …\r\n\r\n") into status and headers. */
export function parseCgiHead(head: string): { status: number; headers: Array<[string, string]> } {
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of head.split(/\r?\n/)) {
    if (line === '') continue;
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const name = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers };
}

function serve(opts: Options, req: IncomingMessage, res: ServerResponse): void {
  const started = Date.now();
  const child = spawn('git', ['http-backend'], {
    env: cgiEnv(req, opts.root, req.socket.remoteAddress ?? ''),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), REQUEST_TIMEOUT_MS);
  let stderr = '';
  let head = Buffer.alloc(0);
  let headDone = false;
  const fail = (status: number, message: string): void => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(`${message}\n`);
  };
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined); // git may exit before reading the whole body
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (headDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const end = text.search(/\r?\n\r?\n/);
    if (end === -1) {
      if (head.length > MAX_HEADER_BYTES) child.kill('SIGKILL');
      return;
    }
    headDone = true;
    const sep = /\r?\n\r?\n/.exec(text.slice(end))?.[0].length ?? 2;
    const { status, headers } = parseCgiHead(text.slice(0, end));
    res.writeHead(status, headers.flat());
    const body = head.subarray(end + sep);
    if (body.length > 0) res.write(body);
  });
  child.on('error', (err) => {
    clearTimeout(timer);
    fail(500, `git http-backend: ${err.message}`);
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    if (!headDone)
      fail(500, `git http-backend exited ${code ?? signal} without a response: ${stderr.trim()}`);
    else res.end();
    const detail =
      code === 0 ? '' : ` (git http-backend exit ${code ?? signal}: ${stderr.trim().slice(0, 300)})`;
    say(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms${detail}`);
  });
  req.on('aborted', () => child.kill('SIGKILL'));
}

async function main(argv: string[]): Promise<void> {
  // its output is a daemon's log (.local/logs/gitserver.log): every line with the wall clock
  setLogStamp('clock');
  const { values } = parseCli(argv, {
    root: { type: 'string' },
    port: { type: 'string', default: '9446' },
    host: { type: 'string', default: '127.0.0.1' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(values.port);
  if (values.root === undefined) throw new UsageError('--root DIR is required');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`--port must be a port number, got "${values.port}"`);
  const opts: Options = { root: path.resolve(values.root), port, host: values.host };
  const server = createServer((req, res) => serve(opts, req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  say(`git http-backend on http://${opts.host}:${opts.port}/<repository> serving ${opts.root}`);
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.main)
  runMain(
    USAGE,
    () => main(process.argv.slice(2)),
    (err) => say(`FATAL ${errorMessage(err)}`),
  );

// PostgreSQL for Porch's database cache (`--cache-type=DB`), which the stack runs Porch with (not
// with NEPHORAN_PORCH_CACHE=cr, Porch's default CR cache): with the CR cache Porch v1.5.8's cost per
// write grows with the packages in a repository, and 100 CNFs in one repository did not come up
// (docs/operations.md, "Porch under load"). The server is the machine's own PostgreSQL from Debian's packages (`postgresql`; found under
// /usr/lib/postgresql/<major>/bin), run as a process of the stack on 127.0.0.1:<porchDbPort>, data in
// $TMPDIR/nephoran-postgres-<hash of the checkout> (PG_DATA below), the schema Porch ships (api/sql/porch-db.sql of its module, idempotent).
//
// PostgreSQL refuses to run as root: as root the server runs as the `postgres` user that Debian's
// package creates (runuser), and its data directory is handed to that user.
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';

import { say } from '../common.ts';
import { running, startDaemon, stopDaemon } from './daemon.ts';
import { LOCAL, StackError, runCommand, type Settings, type StackContext } from './util.ts';
import { ensurePortFree, waitFor } from './wait.ts';

const COMPONENT = 'postgres';
/**
 * The data directory: outside the checkout, which the `postgres` user may not be able to reach (a
 * clone in a 0700 directory such as mktemp's made initdb fail with "Permission denied"); one per
 * checkout (named after its .local), under the world-traversable temporary directory.
 */
export const PG_DATA = path.join(
  tmpdir(),
  `nephoran-postgres-${createHash('sha256').update(LOCAL).digest('hex').slice(0, 12)}`,
);
export const PG_DATABASE = 'porch';
export const PG_USER = 'porch';

/** The newest PostgreSQL server Debian's packages installed, or an error saying how to get one. */
function serverBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => existsSync(path.join(root, d, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new StackError(
      COMPONENT,
      "Porch's database cache needs a PostgreSQL server: apt-get install postgresql (none under /usr/lib/postgresql), or run Porch with its CR cache: NEPHORAN_PORCH_CACHE=cr",
    );
  }
  return path.join(root, majors[0]!, 'bin');
}

/** As root: run as `postgres` (PostgreSQL will not run as root). */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

async function pg(bin: string, args: string[], what: string, input?: string): Promise<string> {
  const [cmd, argv] = asServerUser(bin, args);
  // cwd '/': the server's user may not enter the checkout
  const res = await runCommand(cmd, argv, {
    cwd: '/',
    timeoutMs: 60_000,
    ...(input !== undefined ? { input } : {}),
  });
  if (res.code !== 0) throw new StackError(COMPONENT, `${what}: ${(res.stderr || res.stdout).trim()}`);
  return res.stdout;
}

const psql = (
  bin: string,
  port: number,
  db: string,
  args: string[],
  what: string,
  input?: string,
): Promise<string> =>
  pg(
    path.join(bin, 'psql'),
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      PG_USER,
      '-d',
      db,
      '-v',
      'ON_ERROR_STOP=1',
      '-qtA',
      ...args,
    ],
    what,
    input,
  );

/** The environment porch-server reads its database connection from (its setupDBCacheConn). */
export function porchDbEnv(settings: Pick<Settings, 'porchDbPort'>): NodeJS.ProcessEnv {
  return {
    DB_DRIVER: 'pgx',
    DB_HOST: '127.0.0.1',
    DB_PORT: String(settings.porchDbPort),
    DB_NAME: PG_DATABASE,
    DB_USER: PG_USER,
    // never checked (initdb --auth=trust: a loopback-only test database), but porch-server refuses
    // to start without one when SSL is off
    DB_PASSWORD: 'porch',
    DB_SSL_MODE: 'disable',
  };
}

export async function up({ settings }: StackContext, schemaFile: string): Promise<void> {
  const bin = serverBin();
  const port = settings.porchDbPort;
  if (!existsSync(path.join(PG_DATA, 'PG_VERSION'))) {
    await mkdir(PG_DATA, { recursive: true });
    if (process.getuid?.() === 0) {
      const [uid, gid] = await Promise.all([
        runCommand('id', ['-u', 'postgres']),
        runCommand('id', ['-g', 'postgres']),
      ]);
      // `id` fails for a missing user (and Number('') would be 0: root)
      if (uid.code !== 0 || gid.code !== 0)
        throw new StackError(COMPONENT, 'no `postgres` user (apt-get install postgresql)');
      await chown(PG_DATA, Number(uid.stdout.trim()), Number(gid.stdout.trim()));
    }
    // trust on loopback only: a throwaway database of a local test stack
    await pg(
      path.join(bin, 'initdb'),
      ['-D', PG_DATA, '-U', PG_USER, '--auth=trust', '-E', 'UTF8', '--no-sync'],
      'initdb',
    );
  }
  if (!(await running(COMPONENT))) {
    await ensurePortFree(COMPONENT, port, 'NEPHORAN_PORCH_DB_PORT');
    const [cmd, argv] = asServerUser(path.join(bin, 'postgres'), [
      '-D',
      PG_DATA,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${PG_DATA}`,
      // fsync=off loses data only when the machine itself crashes, which ends the test stack anyway.
      // synchronous_commit stays on: with it off a killed server loses commits it had acknowledged —
      // the fault matrix saw a revision Porch had created vanish with a SIGKILL of PostgreSQL.
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ]);
    await startDaemon(COMPONENT, cmd, argv, { marker: 'postgres', cwd: '/' });
  }
  await waitFor(
    COMPONENT,
    `PostgreSQL on 127.0.0.1:${port}`,
    () => psql(bin, port, 'postgres', ['-c', 'select 1'], 'select 1'),
    {
      timeoutMs: 60_000,
      daemon: COMPONENT,
    },
  );
  const has = await psql(
    bin,
    port,
    'postgres',
    ['-c', `select 1 from pg_database where datname='${PG_DATABASE}'`],
    'list databases',
  );
  if (has.trim() !== '1')
    await psql(bin, port, 'postgres', ['-c', `create database ${PG_DATABASE}`], 'create database');
  // on stdin: the server's user may not read the Go module cache
  await psql(bin, port, PG_DATABASE, ['-f', '-'], `schema ${schemaFile}`, await readFile(schemaFile, 'utf8'));
  say(
    `postgres: PostgreSQL (${path.basename(path.dirname(bin))}) on 127.0.0.1:${port}, database ${PG_DATABASE} with Porch's schema`,
  );
}

export async function down(): Promise<void> {
  await stopDaemon(COMPONENT);
}

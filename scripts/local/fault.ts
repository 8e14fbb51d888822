#!/usr/bin/env node
// `node scripts/local/fault.ts kill|restart|status [component]`: SIGKILL one component of the running
// local stack, or start it again as up.ts does (scripts/local/stack/faults.ts). Used by the fault
// matrix (tests/faults/, `npm run test:faults`) and by hand to reproduce one fault:
//
//   node scripts/local/fault.ts kill porch && sleep 3 && node scripts/local/fault.ts restart porch
//
// stdout: one JSON object (what was killed / started, epoch-ms timestamps); progress on stderr.
import process from 'node:process';

import { errorMessage, parseCli, runMain, setLogStamp, UsageError } from './common.ts';
import { FAULT_COMPONENTS, isFaultComponent, kill, restart, status } from './stack/faults.ts';

export const USAGE = `usage: node scripts/local/fault.ts kill|restart <component>
       node scripts/local/fault.ts status

  kill      SIGKILL the component's process group, wait until none of it is left
  restart   start it again as npm run local does, wait for its health check
  status    pid of each component, null when it is not running

Components: ${FAULT_COMPONENTS.join(', ')}
`;

async function main(): Promise<void> {
  setLogStamp('elapsed');
  const { values, positionals } = parseCli(
    process.argv.slice(2),
    { help: { type: 'boolean', short: 'h', default: false } },
    { positionals: true },
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const [verb, component, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (verb === 'status' && component === undefined) {
    process.stdout.write(`${JSON.stringify(await status())}\n`);
    return;
  }
  if (verb !== 'kill' && verb !== 'restart') throw new UsageError(`unknown command ${verb ?? '(none)'}`);
  if (component === undefined || !isFaultComponent(component))
    throw new UsageError(`component must be one of ${FAULT_COMPONENTS.join(', ')}`);
  const result = verb === 'kill' ? await kill(component) : await restart(component);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.main) {
  runMain(USAGE, main, (err) => process.stderr.write(`\nFAILED: ${errorMessage(err)}\n`));
}

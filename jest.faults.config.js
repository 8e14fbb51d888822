// The fault matrix (tests/faults/) against the local stack: `npm run test:faults` starts the stack
// (scripts/local/up.ts --no-example, reusing a running one) and then runs this config. One worker, no
// coverage; each case sets its own bound. Files are *.faults.ts (not *.test.ts) so that the unit run
// (jest.config.js) never picks them up.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: base.extensionsToTreatAsEsm,
  transform: base.transform,
  testMatch: ['<rootDir>/tests/faults/**/*.faults.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  modulePathIgnorePatterns: ['<rootDir>/.local/'],
  collectCoverage: false,
  testTimeout: 600_000,
  maxWorkers: 1,
  verbose: true,
};

// End-to-end tests (tests/e2e/) against the local stack: `npm run test:e2e` starts the stack
// (scripts/local/up.ts --no-example, reusing a running one) and then runs this config. One file,
// steps in order, one worker, no coverage, long timeouts (each test sets its own bound too).
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: base.extensionsToTreatAsEsm,
  transform: base.transform,
  testMatch: ['<rootDir>/tests/e2e/**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // The stack's state (.local/: etcd's .snap files among it) is not jest's: an etcd snapshot made
  // jest report an obsolete snapshot file and exit 1 after an all-green run.
  modulePathIgnorePatterns: ['<rootDir>/.local/'],
  collectCoverage: false,
  testTimeout: 600_000,
  maxWorkers: 1,
  verbose: true,
};

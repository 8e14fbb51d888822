// Sources are TypeScript run natively by Node (type stripping); jest transforms them with swc
// (no type check — `npm run typecheck` does that once for the whole tree).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/e2e/'],
  // The local stack's state (etcd snapshots are *.snap files too) is not the tests' business.
  modulePathIgnorePatterns: ['<rootDir>/.local/'],
  reporters: ['default', '<rootDir>/tests/summary-reporter.js'],
  collectCoverage: true,
  // hooks/server.ts is the process entry point: tests/unit/hooks-server.test.ts runs it as a real
  // child process (signals, drain, exit codes), which coverage cannot see into.
  collectCoverageFrom: ['lib/**/*.ts', 'hooks/**/*.ts', '!hooks/server.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: {
    './lib/': { lines: 90, branches: 85 },
    './hooks/': { lines: 90, branches: 85 },
  },
};

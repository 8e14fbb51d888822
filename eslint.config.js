import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules the pure core (lib/ except lib/clients/) may not import. */
const PURE_CORE_BANNED = [
  'fastify',
  'fastify/*',
  'undici',
  '@kubernetes/client-node',
  'node:*',
  'fs',
  'net',
  'http',
  'https',
  'child_process',
  'prom-client',
  '../clients/*',
  './clients/*',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'coverage/', '.local/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure core: no I/O, no clock, no randomness. Time comes in as `now`.
    files: ['lib/**/*.ts'],
    ignores: ['lib/clients/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: PURE_CORE_BANNED,
              message: 'lib/ core is pure: no I/O modules (clients live in lib/clients/).',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pass `now` in; the core reads no clock' },
        { object: 'Math', property: 'random', message: 'the core uses no randomness' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'pass `now` in; the core reads no clock',
        },
        { selector: "MemberExpression[object.name='process']", message: 'the core reads no environment' },
      ],
    },
  },
  {
    // The one exception: lib/sha256.ts may import node:crypto (and nothing else from the list).
    // createHash('sha256') is a deterministic function of its input: no I/O, clock or randomness.
    files: ['lib/sha256.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...PURE_CORE_BANNED, '!node:crypto'],
              message: 'lib/ core is pure: only lib/sha256.ts may import node:crypto, for hashing.',
            },
          ],
        },
      ],
    },
  },
  {
    // Plain JavaScript: the config files (jest, eslint) and the jest reporter, run by Node directly.
    files: ['*.js', 'tests/summary-reporter.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['*.js', 'tests/summary-reporter.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
);

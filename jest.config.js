/**
 * Three projects, told apart by file name:
 * - unit (`*.test.ts`): nothing but Node, in-process, on the memory bus;
 * - integration (`*.int.test.ts`): a real Kafka broker, components as separate processes;
 * - e2e (`*.e2e.test.ts`): real programs a user runs: Chromium, Helm, wscat, curl.
 */
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@cmf/shared/protocol$': '<rootDir>/shared/src/protocol/index.ts',
    '^@cmf/shared/protocol/close-codes$': '<rootDir>/shared/src/protocol/close-codes.ts',
    '^@cmf/(shared|gateway|worker|admin-api|all-in-one)$': '<rootDir>/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
};

const everywhere = (suffix) => [`<rootDir>/*/test/**/*${suffix}`, `<rootDir>/test/**/*${suffix}`];

export default {
  // Integration tests start processes and wait on Kafka group joins and session timeouts.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: everywhere('.test.ts'),
      testPathIgnorePatterns: ['\\.(int|e2e)\\.test\\.ts$', '/node_modules/'],
    },
    { ...common, displayName: 'integration', testMatch: everywhere('.int.test.ts') },
    { ...common, displayName: 'e2e', testMatch: everywhere('.e2e.test.ts') },
  ],
};

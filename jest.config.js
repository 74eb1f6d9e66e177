/** Unit tests (`*.test.ts`) need nothing; integration tests (`*.int.test.ts`) need a Kafka broker. */
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@cmf/shared/protocol$': '<rootDir>/shared/src/protocol/index.ts',
    '^@cmf/(shared|gateway|worker|admin-api|all-in-one)$': '<rootDir>/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
};

export default {
  // Integration tests start processes and wait on Kafka group joins and session timeouts.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/*/test/**/*.int.test.ts', '<rootDir>/test/**/*.int.test.ts'],
    },
  ],
};

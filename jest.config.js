// ESM + TypeScript through ts-jest. Four projects so each tier can run alone: unit (pure), fast (use
// cases, commands and adapters against an in-memory port or a local fake API server: no services),
// integration (real temp dirs, Docker, registry), e2e (local Knative control plane).
const tsJest = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: tsJest,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  // Jest 30 soft-deletes globals between files; its guard recursed (RangeError) in a worker reused
  // after a file that set up http agents. Files here share nothing global on purpose.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  // Templates and benchmarks hold whole projects (package.json files with placeholder names).
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/src/templates/', '<rootDir>/bench/'],
};
export default {
  // Integration and e2e tests drive real processes, Docker builds and a control plane.
  testTimeout: 300_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'fast', testMatch: ['<rootDir>/test/fast/**/*.test.ts'], testTimeout: 30_000 },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], slowTestThreshold: 60 },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], slowTestThreshold: 120 },
  ],
};

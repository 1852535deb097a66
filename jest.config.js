// ESM jest + ts-jest. Type checking is done once by `tsc` (npm test builds first); with
// `isolatedModules` in tsconfig.json ts-jest only transpiles, file by file, and stays fast.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
  testTimeout: 30000,
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/global-setup.ts',
  // Each file gets its own module registry; servers and sockets are closed in afterAll hooks.
  maxWorkers: 2,
};

import { defineConfig } from 'vitest/config'

/** Playwright specs in real Chromium against real edge processes, one file at a time. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    reporters: ['default', './e2e/conformance/summary-reporter.ts'],
    globalSetup: ['e2e/support/global-setup.ts']
  }
})

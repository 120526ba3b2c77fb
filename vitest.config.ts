import { defineConfig } from 'vitest/config'

/** Unit and handler tests (Node). Browser tests are Playwright specs under e2e/. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'sw/**/*.test.ts', 'edge/**/*.test.ts', 'bench/**/*.test.ts', 'build/**/*.test.ts', 'e2e/conformance/**/*.test.ts', 'e2e/support/**/*.test.ts'],
    environment: 'node'
  }
})

import type { Reporter, TestModule } from 'vitest/node'

declare module 'vitest' {
  interface TaskMeta {
    /** the conformance run's per-category report, printed after the test summary */
    conformanceReport?: string
  }
}

/**
 * Prints the conformance report after Vitest's own summary, so the per-category table
 * and the failing cases are the last thing on screen. The spec hands the text over in
 * a test's metadata; nothing is printed when the conformance spec did not run.
 */
export default class ConformanceSummaryReporter implements Reporter {
  onTestRunEnd (testModules: ReadonlyArray<TestModule>): void {
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const report = test.meta().conformanceReport
        if (report != null) process.stdout.write(`\nGateway conformance\n\n${report}\n\n`)
      }
    }
  }
}

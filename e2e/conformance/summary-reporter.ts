import type { Reporter, SerializedError, TestModule } from 'vitest/node'

declare module 'vitest' {
  interface TaskMeta {
    /** the conformance run's per-category report, printed after the test summary */
    conformanceReport?: string
  }
}

/** Failures listed at the very end, at most */
const MAX_FAILURES_LISTED = 20

/**
 * Prints the conformance report after Vitest's own summary, so the per-category table
 * and the failing cases are the last thing on screen, and after it a line for each
 * test, file or error that failed the run: a log cut to its head and tail (a CI's
 * summary) still says what failed. The spec hands the report over in a test's
 * metadata; nothing is printed when the conformance spec did not run.
 */
export default class ConformanceSummaryReporter implements Reporter {
  onTestRunEnd (testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const failures: string[] = []
    for (const module of testModules) {
      for (const error of module.errors()) failures.push(`${module.relativeModuleId}: ${firstLine(error)}`)
      for (const test of module.children.allTests()) {
        const report = test.meta().conformanceReport
        if (report != null) process.stdout.write(`\nGateway conformance\n\n${report}\n\n`)
        const result = test.result()
        if (result.state === 'failed') failures.push(`${module.relativeModuleId} > ${test.fullName}: ${firstLine(result.errors?.[0])}`)
      }
      for (const suite of module.children.allSuites()) {
        for (const error of suite.errors()) failures.push(`${module.relativeModuleId} > ${suite.fullName}: ${firstLine(error)}`)
      }
    }
    for (const error of unhandledErrors) failures.push(`unhandled: ${firstLine(error)}`)
    if (failures.length > 0) {
      const listed = failures.slice(0, MAX_FAILURES_LISTED).map(line => `  ${line}`).join('\n')
      const more = failures.length > MAX_FAILURES_LISTED ? `\n  (and ${failures.length - MAX_FAILURES_LISTED} more)` : ''
      process.stdout.write(`\nFailed (${failures.length}):\n${listed}${more}\n\n`)
    }
  }
}

function firstLine (error: SerializedError | undefined): string {
  return `${error?.name ?? 'Error'}: ${String(error?.message ?? '').split('\n')[0].slice(0, 300)}`
}

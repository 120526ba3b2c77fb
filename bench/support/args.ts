import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { MeasureId } from '../types.ts'

export class BenchUsageError extends Error {
  static name = 'BenchUsageError'
  name = 'BenchUsageError'
}

export interface BenchArgs {
  quick: boolean
  runs: number
  only: MeasureId[]
  out: string
  /** Adds the bad-request measure with 20,000 requests */
  long: boolean
  help: boolean
}

const IDS: MeasureId[] = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'P11', 'hash', 'forged', 'fuzz']
const ROOT = resolve(import.meta.dirname, '../..')

export const BENCH_USAGE = `Usage: npm run bench -- [options]

Measures Edgeway against plain HTTP, vanilla verified-fetch, the Cache API and
the limit (a minimal SW answering the same bytes, with and without a SHA-256
per block) in one Chromium, against one local edge, and reports ratios.

  --quick          small sizes, one run: checks the harness works (under 2 min)
  --runs <n>       measured runs per series, after one warm-up (default 5, quick 1)
  --only <ids>     comma-separated measures: ${IDS.join(',')}
  --long           also send 20,000 seeded bad requests through the SW (measure fuzz;
                   --only fuzz alone sends 2,000, 500 with --quick; EDGEWAY_FUZZ_SEED repeats a run)
  --out <dir>      where latest.json/.html/.png go (default bench/results, quick bench/results/quick)
  --help
`

export function parseBenchArgs (argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      long: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    },
    strict: true
  })
  const runs = values.runs == null ? (values.quick ? 1 : 5) : Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1) {
    throw new BenchUsageError(`--runs must be a positive integer, not "${values.runs}"`)
  }
  const only = (values.only ?? '').split(',').map(id => id.trim()).filter(id => id !== '')
  const unknown = only.filter(id => !IDS.includes(id as MeasureId))
  if (unknown.length > 0) {
    throw new BenchUsageError(`unknown measure ${unknown.join(', ')}; known: ${IDS.join(', ')}`)
  }
  return {
    quick: values.quick,
    runs,
    only: only as MeasureId[],
    out: resolve(values.out ?? join(ROOT, values.quick ? 'bench/results/quick' : 'bench/results')),
    long: values.long,
    help: values.help
  }
}

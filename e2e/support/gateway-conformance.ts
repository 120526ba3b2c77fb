import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { goMissing } from './go-binary.ts'
import type { AbortOptions } from '@libp2p/interface'

/** The official IPFS gateway conformance suite, at the release the edge was checked against */
export const GATEWAY_CONFORMANCE = { module: 'github.com/ipfs/gateway-conformance', version: 'v0.13.2' }

/** A checkout of the suite to use instead of the module proxy's copy */
export const SUITE_DIR_ENV = 'EDGEWAY_GATEWAY_CONFORMANCE_DIR'

/** go's output kept for an error message or a JSON report */
const MAX_OUTPUT = 256 * 1024 * 1024

export type SuiteSource = { dir: string } | { skipped: string }

export interface ExtractedFixtures {
  /** Every CAR fixture merged into one file */
  car: string
  /** The signed IPNS records, `<name>_<n>.ipns-record` */
  ipnsRecords: string[]
}

export interface Tally { pass: number, fail: number, skip: number }

export interface SuiteResults {
  /** Leaf checks per top-level Go test (`TestTrustlessCarPathing`, …) */
  groups: Map<string, Tally>
  /** Full names of the leaf checks that failed */
  failures: string[]
  /** Output of a failed leaf, by full name, for the report */
  output: Map<string, string>
}

/**
 * Where the suite's source is: the checkout named by $EDGEWAY_GATEWAY_CONFORMANCE_DIR,
 * else the module proxy's copy in Go's module cache. The suite's CLI runs `go test` on
 * its own source, so a built binary alone is not enough. `{ skipped }` says why there is none.
 */
export async function locateSuite (options: AbortOptions = {}): Promise<SuiteSource> {
  const missing = goMissing('the gateway conformance suite')
  if (missing != null) {
    return { skipped: missing }
  }

  const checkout = process.env[SUITE_DIR_ENV]
  if (checkout != null && checkout !== '') {
    const goMod = await readFile(join(checkout, 'go.mod'), 'utf8').catch(() => '')
    if (!goMod.startsWith(`module ${GATEWAY_CONFORMANCE.module}\n`)) {
      return { skipped: `${SUITE_DIR_ENV}=${checkout} is not a checkout of ${GATEWAY_CONFORMANCE.module} (no go.mod naming it)` }
    }
    return { dir: checkout }
  }

  const wanted = `${GATEWAY_CONFORMANCE.module}@${GATEWAY_CONFORMANCE.version}`
  let answer: { Dir?: string, Error?: string }
  try {
    answer = JSON.parse(await go(['mod', 'download', '-json', wanted], process.cwd(), {}, options))
  } catch (err: any) {
    // `go mod download -json` exits non-zero with the error in its JSON
    answer = tryJson(err.stdout) ?? { Error: err.message }
  }
  if (answer.Dir == null) {
    return { skipped: `the Go module proxy does not serve ${wanted}: ${(answer.Error ?? 'no Dir in its answer').replace(/\.?\s*$/, '')}. Set ${SUITE_DIR_ENV} to a checkout of the suite (tag ${GATEWAY_CONFORMANCE.version}) to run it` }
  }
  return { dir: answer.Dir }
}

/** The suite's fixtures, as its own `extract-fixtures --merged` writes them, in `outDir` */
export async function extractFixtures (suiteDir: string, outDir: string, options: AbortOptions = {}): Promise<ExtractedFixtures> {
  await runCli(suiteDir, ['extract-fixtures', '--directory', outDir, '--merged'], options)
  const names = await readdir(outDir)
  const car = join(outDir, 'fixtures.car')
  if (!existsSync(car)) {
    throw new Error(`extract-fixtures wrote no fixtures.car in ${outDir}`)
  }
  return { car, ipnsRecords: names.filter(name => name.endsWith('.ipns-record')).map(name => join(outDir, name)) }
}

/**
 * Runs the suite's `test` against `gatewayUrl` for `specs` (e.g. `trustless-gateway`) and
 * reads its JSON report. A failing suite exits non-zero; that is a result, not an error.
 */
export async function runSuite (suiteDir: string, gatewayUrl: string, specs: string, jsonOut: string, options: AbortOptions = {}): Promise<SuiteResults> {
  await runCli(suiteDir, ['test', '--gateway-url', gatewayUrl, '--specs', specs, '--json-output', jsonOut], options).catch((err) => {
    if (!existsSync(jsonOut)) {
      throw err
    }
  })
  return readResults(await readFile(jsonOut, 'utf8'))
}

/**
 * Tallies `go test -json` events by leaf (a test with no sub-tests: one check of one
 * case), under its top-level test.
 */
export function readResults (json: string): SuiteResults {
  const verdicts = new Map<string, string>()
  const outputs = new Map<string, string[]>()
  for (const line of json.split('\n')) {
    const event = tryJson(line) as { Action?: string, Test?: string, Output?: string } | undefined
    if (event?.Test == null) continue
    if (event.Action === 'pass' || event.Action === 'fail' || event.Action === 'skip') {
      verdicts.set(event.Test, event.Action)
    } else if (event.Action === 'output' && event.Output != null) {
      outputs.set(event.Test, [...(outputs.get(event.Test) ?? []), event.Output])
    }
  }

  const names = [...verdicts.keys()]
  const leaves = names.filter(name => !names.some(other => other.startsWith(`${name}/`)))
  const groups = new Map<string, Tally>()
  const failures: string[] = []
  const output = new Map<string, string>()
  for (const leaf of leaves) {
    const group = leaf.split('/')[0]
    const tally = groups.get(group) ?? { pass: 0, fail: 0, skip: 0 }
    const verdict = verdicts.get(leaf) as keyof Tally
    tally[verdict]++
    groups.set(group, tally)
    if (verdict === 'fail') {
      failures.push(leaf)
      output.set(leaf, (outputs.get(leaf) ?? []).join(''))
    }
  }
  return { groups, failures, output }
}

/** `go run ./cmd/gateway-conformance …` in the suite's source: Go's build cache makes reruns quick */
async function runCli (suiteDir: string, args: string[], options: AbortOptions): Promise<string> {
  return go(['run', './cmd/gateway-conformance', ...args], suiteDir, { GATEWAY_CONFORMANCE_HOME: suiteDir }, options)
}

async function go (args: string[], cwd: string, env: Record<string, string>, { signal }: AbortOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('go', args, { cwd, signal, maxBuffer: MAX_OUTPUT, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error != null) {
        reject(Object.assign(new Error(`go ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-4000)}`), { stdout }))
      } else {
        resolve(stdout)
      }
    })
  })
}

function tryJson (text: unknown): any {
  if (typeof text !== 'string') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

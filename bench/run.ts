/**
 * `npm run bench`: Edgeway side by side with its anchors (plain HTTP, vanilla
 * verified-fetch, the Cache API, a minimal SW's limit) in one Chromium,
 * against one edge, in one run. Prints a table, writes results/latest.json, latest.html and latest.png.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { ensureBuild } from '../edge/launcher/ensure-build.ts'
import { parseBenchArgs, BENCH_USAGE } from './support/args.ts'
import { FULL_SIZES, QUICK_SIZES } from './support/content.ts'
import { startEnv } from './support/environment.ts'
import { renderHtml } from './report/html.ts'
import { renderPng } from './report/png.ts'
import { renderTable } from './report/table.ts'
import { p1ColdThroughput } from './measures/p1-cold-throughput.ts'
import { p2WarmRead } from './measures/p2-warm-read.ts'
import { p3FirstByte } from './measures/p3-first-byte.ts'
import { p4SiteLoad } from './measures/p4-site-load.ts'
import { p5PeerThroughput } from './measures/peers.ts'
import { p6PeerOffload } from './measures/p6-peer-offload.ts'
import { p7SwMemory } from './measures/p7-sw-memory.ts'
import { p8FirstHit } from './measures/p8-first-hit.ts'
import { p9PeerNoHarm } from './measures/p9-peer-no-harm.ts'
import { p11FunctionCall } from './measures/p11-function-call.ts'
import { hashCost } from './measures/hash-cost.ts'
import { forgedProviders } from './measures/forged.ts'
import { fuzzCount, fuzzMeasure } from './measures/fuzz.ts'
import type { BenchResults, MeasureResult } from './types.ts'
import type { Measure } from './support/environment.ts'

const ROOT = resolve(import.meta.dirname, '..')
const MEASURES: Measure[] = [p1ColdThroughput, p2WarmRead, p3FirstByte, p4SiteLoad, p5PeerThroughput, p6PeerOffload, p7SwMemory, p8FirstHit, p9PeerNoHarm, p11FunctionCall, hashCost, forgedProviders]

async function main (): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2))
  if (args.help) {
    process.stdout.write(BENCH_USAGE)
    return 0
  }
  const log = (line: string): void => { process.stderr.write(`bench: ${line}\n`) }
  const startedAt = new Date()
  await ensureBuild({ log })
  await buildBenchPages()
  const sizes = args.quick ? QUICK_SIZES : FULL_SIZES
  // the bad-request measure is long: only with --long, or when asked for by name
  const fuzz = args.long || args.only.includes('fuzz') ? [fuzzMeasure(fuzzCount(args))] : []
  const measures = [...MEASURES, ...fuzz].filter(measure => args.only.length === 0 || args.only.includes(measure.id))
  const running = await startEnv({ sizes, quick: args.quick, runs: args.runs, pagesDir: join(ROOT, 'bench/.build'), log })
  const results: MeasureResult[] = []
  let chromium = ''
  try {
    chromium = running.env.browser.version()
    for (const measure of measures) {
      log(`${measure.id} ${measure.title}`)
      results.push(await runMeasure(measure, running))
    }
    const report: BenchResults = {
      version: 1,
      quick: args.quick,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      commit: await gitCommit(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, chromium, platform: `${process.platform} ${process.arch}` },
      runs: args.runs,
      measures: results
    }
    await mkdir(args.out, { recursive: true })
    await writeFile(join(args.out, 'latest.json'), JSON.stringify(report, null, 2) + '\n')
    await writeFile(join(args.out, 'latest.html'), renderHtml(report))
    await renderPng(join(args.out, 'latest.html'), join(args.out, 'latest.png'), running.env.browser)
    process.stdout.write(renderTable(report) + '\n')
    log(`wrote ${join(args.out, 'latest.json')}, latest.html and latest.png in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`)
    return results.some(result => result.status === 'failed') ? 1 : 0
  } finally {
    await running.stop()
  }
}

/** A failed measure is reported as failed, and the others still run. */
async function runMeasure (measure: Measure, running: Awaited<ReturnType<typeof startEnv>>): Promise<MeasureResult> {
  try {
    return await measure.run(running.env)
  } catch (err) {
    running.env.log(`${measure.id} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    return { id: measure.id, title: measure.title, description: '', status: 'failed', note: err instanceof Error ? `${err.name}: ${err.message}` : String(err), series: [], checks: [] }
  }
}

async function buildBenchPages (): Promise<void> {
  // the pages first (that build empties the directory), then the vanilla verified-fetch SW beside them
  for (const config of ['vite.bench.config.ts', 'vite.bench-sw.config.ts']) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', config], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
      child.on('error', reject)
      child.on('exit', code => { code === 0 ? resolve() : reject(new Error(`building the bench pages (${config}) exited with ${code}`)) })
    })
  }
}

async function gitCommit (): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT })
    return stdout.trim()
  } catch {
    return undefined
  }
}

main().then(code => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchBrowser } from '../../e2e/support/browser.ts'
import { openThroughServiceWorker } from '../../e2e/support/page-helpers.ts'
import { spawnLauncher } from '../../e2e/support/processes.ts'
import { writeContent } from './content.ts'
import { startLimitServer } from './limit-server.ts'
import { startStaticServer } from './static-server.ts'
import type { BenchContent, BenchSizes } from './content.ts'
import type { MeasureId, MeasureResult } from '../types.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export interface BenchEnv {
  browser: Browser
  /** The Edgeway gateway (`npm start`'s server), e.g. http://localhost:P */
  gateway: string
  /** The embedded edge's HTTP endpoint (trustless gateway and routing) */
  edgeHttp: string
  /** Root CID of the content folder, as served by the edge */
  root: string
  /** The plain static server with the same files under /files/ */
  plain: string
  /** The limit's own origin: a minimal SW (no Edgeway code) answering the large file from memory or from its server */
  limit: string
  content: BenchContent
  sizes: BenchSizes
  quick: boolean
  /** Measured runs per series; each measure adds one warm-up run first */
  runs: number
  log(line: string): void
}

export interface Measure {
  id: MeasureId
  title: string
  run(env: BenchEnv): Promise<MeasureResult>
}

export interface RunningEnv {
  env: BenchEnv
  stop(): Promise<void>
}

/**
 * Everything the measures share: one content folder served by one real edge
 * (through `npm start`'s launcher, with its gateway), by a plain static
 * server and by the limit's server, and one Chromium.
 */
export async function startEnv (options: { sizes: BenchSizes, quick: boolean, runs: number, pagesDir: string, log(line: string): void }): Promise<RunningEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'edgeway-bench-'))
  const cleanups: Array<() => Promise<unknown>> = [async () => rm(dir, { recursive: true, force: true })]
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => {})
    }
  }
  try {
    options.log(`writing content to ${dir}`)
    const content = await writeContent(dir, options.sizes, options.runs + 1)
    options.log('starting the edge and the gateway (npm start)')
    const launcher = await spawnLauncher(['--serve', dir])
    cleanups.push(launcher.stop)
    const plain = await startStaticServer(dir, options.pagesDir)
    cleanups.push(plain.stop)
    const edgeHttp = launcher.info.edges.find(edge => edge.http != null)?.http
    const root = launcher.info.roots[dir]
    if (edgeHttp == null || root == null) {
      throw new Error(`the launcher reported no HTTP edge or no root: ${JSON.stringify(launcher.info)}`)
    }
    const limit = await startLimitServer(dir, [content.large, ...content.small], { pagesDir: options.pagesDir, edge: edgeHttp })
    cleanups.push(limit.stop)
    const browser = await launchBrowser()
    cleanups.push(async () => browser.close())
    return {
      env: { browser, gateway: launcher.info.gateway, edgeHttp, root, plain: plain.url, limit: limit.url, content, sizes: options.sizes, quick: options.quick, runs: options.runs, log: options.log },
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** A fresh browser context (empty storage, no cache), closed after `fn`. */
export async function inFreshContext<T> (env: BenchEnv, fn: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await env.browser.newContext()
  try {
    return await fn(await context.newPage(), context)
  } finally {
    await context.close()
  }
}

/** A gateway and the root its edge serves the bench content under (the bench's own, or another edge's) */
export interface GatewayAt {
  gateway: string
  root: string
}

/**
 * A page on the gateway's origin with the SW installed and controlling, and
 * its node started (by reading the small first-hit page, which no measure
 * on this context reads cold).
 */
export async function openGateway (env: BenchEnv, page: Page, { gateway, root }: GatewayAt = env): Promise<void> {
  await openThroughServiceWorker(page, `${gateway}/`)
  await page.evaluate(async (url) => {
    const response = await fetch(url)
    if (!response.ok) {
      throw new Error(`the gateway answered ${response.status} for ${url}`)
    }
    await response.arrayBuffer()
  }, `/ipfs/${root}/${env.content.firstHit.path}`)
}

/** The bench content's own origin: where `npm start` (a subdomain gateway by default) opens it. */
export function contentOrigin (env: BenchEnv): string {
  return `http://${env.root}.ipfs.localhost:${new URL(env.gateway).port}`
}

/**
 * A page on the content's own origin with that origin's SW installed and
 * its node started, by opening the small first-hit page through a gateway
 * link as a user would: a site is answered by its own origin's SW, not by
 * the gateway page's.
 */
export async function openContentOrigin (env: BenchEnv, page: Page): Promise<void> {
  await openThroughServiceWorker(page, `${env.gateway}/ipfs/${env.root}/${env.content.firstHit.path}`)
  if (new URL(page.url()).origin !== contentOrigin(env)) {
    throw new Error(`the gateway link ended on ${page.url()}, not on the content's own origin ${contentOrigin(env)}`)
  }
}

/** A bench page on the plain server, once its script says it is ready. */
export async function openBenchPage (env: BenchEnv, page: Page, name: 'vanilla' | 'sdk' | 'hash'): Promise<void> {
  await page.goto(`${env.plain}/pages/${name}.html?edge=${encodeURIComponent(env.edgeHttp)}`)
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60_000 })
}

/** `warmups` unrecorded calls, then `runs` recorded ones. */
export async function repeat<T> (env: BenchEnv, what: string, fn: (run: number, recorded: boolean) => Promise<T>, { warmUp = true }: { warmUp?: boolean } = {}): Promise<T[]> {
  const results: T[] = []
  for (let run = warmUp ? 0 : 1; run <= env.runs; run++) {
    env.log(`  ${what}: ${run === 0 ? 'warm-up' : `run ${run}/${env.runs}`}`)
    const result = await fn(run, run > 0)
    if (run > 0) {
      results.push(result)
    }
  }
  return results
}

/** Two paths timed in turns (so drift hits both alike), `repeat`'s warm-up and runs. */
export async function inTurns (env: BenchEnv, what: string, subject: (run: number) => Promise<number>, anchor: (run: number) => Promise<number>): Promise<{ subject: number[], anchor: number[] }> {
  const runs = await repeat(env, what, async run => [await subject(run), await anchor(run)] as const)
  return { subject: runs.map(([value]) => value), anchor: runs.map(([, value]) => value) }
}

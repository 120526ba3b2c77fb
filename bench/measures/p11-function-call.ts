import { createServer } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnEdgeProcess } from '../../edge/launcher/edge-process.ts'
import { repeat } from '../support/environment.ts'
import { ORDER_BODY, orderTotal, orderTotalFunction } from '../support/function-work.ts'
import { median, series } from '../support/stats.ts'
import { timeCheck } from '../support/checks.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'

/** Warm calls per run and path (a multiple of two: see TURNS); a run's figure is their median */
const CALLS_PER_RUN = 20
/**
 * The order of the three paths (SDK, plain fetch() of the edge, the plain
 * handler): each follows each other one equally often. A call that follows
 * the plain handler's finds the edge's caches cold, one after another edge
 * call warm: in a fixed order, SDK first, the SDK's call measured ~0.2 ms
 * slower than the plain fetch() after it; the other way round, ~0.07 ms.
 */
const TURNS = [0, 1, 2, 0, 2, 1]

/**
 * P11: a warm edge-function call through the SDK (`client.invoke`) vs a
 * plain Node HTTP handler doing the same work (total a JSON order), fetched
 * from the same page, in turns; and a cold call (a module the edge holds but
 * has not evaluated: read from its blocks, evaluated, run) per run.
 */
export const p11FunctionCall: Measure = {
  id: 'P11',
  title: 'Edge function call through the SDK, warm and cold',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const dir = await mkdtemp(join(tmpdir(), 'edgeway-bench-p11-'))
    const files = Array.from({ length: env.runs + 2 }, (_, i) => join(dir, `order-total-${i}.js`))
    await Promise.all(files.map(async (file, i) => { await writeFile(file, orderTotalFunction(`module ${i}`)) }))
    const edge = await spawnEdgeProcess(['--functions', ...files.map(file => `--serve=${file}`)])
    // a simple request (text/plain POST) on both paths: no preflight on either
    const plain = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = orderTotal(Buffer.concat(chunks).toString('utf8'))
        res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(body)
      })
    })
    await new Promise<void>(resolve => { plain.listen(0, '127.0.0.1', resolve) })
    const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/total`
    const context = await env.browser.newContext()
    try {
      const page = await context.newPage()
      // timed in steps of 5 µs: a call is ~2 ms, and 100 µs steps moved the ratio by ~0.05
      await page.goto(`${env.plain}/isolated.html`)
      if (!await page.evaluate(() => globalThis.crossOriginIsolated)) throw new Error('P11: the page is not cross-origin isolated')
      await page.evaluate(async ({ sdk, edge }) => {
        const { createEdgeClient } = await import(sdk) as { createEdgeClient: (options: object) => unknown }
        (globalThis as unknown as { p11Client: unknown }).p11Client = createEdgeClient({ edges: [edge], allowLocal: true, allowInsecure: true })
      }, { sdk: `${env.gateway}/sdk/edgeway.js`, edge: edge.info })
      const fnUrl = (i: number): string => `ipfs://${edge.info.roots[files[i]]}/total`

      const warm: number[] = []
      const bare: number[] = []
      const direct: number[] = []
      const cold: number[] = []
      await repeat(env, 'P11', async (run, recorded) => {
        // a module of its own per run: the first call evaluates it (run 0, the warm-up, warms the main one)
        const coldMs = await timeCalls(page, 'invoke', fnUrl(run + 1), 1)
        const warmMs: number[] = []
        const bareMs: number[] = []
        const plainMs: number[] = []
        const paths = [
          async () => { warmMs.push(...await timeCalls(page, 'invoke', fnUrl(0), 1)) },
          async () => { bareMs.push(...await timeCalls(page, 'fetch', `${edge.info.http}/fn/${edge.info.roots[files[0]]}/total`, 1)) },
          async () => { plainMs.push(...await timeCalls(page, 'fetch', plainUrl, 1)) }
        ]
        for (let i = 0; i < CALLS_PER_RUN * paths.length; i++) {
          await paths[TURNS[i % TURNS.length]]()
        }
        if (recorded) {
          cold.push(coldMs[0])
          warm.push(median(warmMs))
          bare.push(median(bareMs))
          direct.push(median(plainMs))
        }
      })
      const subject = series('edge function via SDK, warm', 'ms', warm)
      const anchor = series('plain Node handler', 'ms', direct)
      // the same edge call without the SDK: what the SDK adds, and what the edge adds
      const bareSeries = series('edge function, plain fetch()', 'ms', bare)
      const coldSeries = series('edge function via SDK, cold', 'ms', cold)
      return {
        id: 'P11',
        title: this.title,
        description: `Time from client.invoke() to its response headers for a function that totals a ${ORDER_BODY.length}-byte JSON order, warm (median of ${CALLS_PER_RUN} calls per run), vs fetch() of a plain node:http handler doing the same work, and vs fetch() of the edge's /fn/ URL without the SDK, in turns from the same page (each following each other equally often); and one cold call per run (a module the edge holds but never evaluated: read from its blocks, evaluated in a fresh QuickJS runtime, run). Edge and handler on this machine, over loopback.`,
        status: 'ok',
        series: [subject, anchor, bareSeries, coldSeries],
        checks: [
          timeCheck(subject, anchor, 1.5),
          { ...timeCheck(bareSeries, anchor), label: 'edge function by plain fetch() vs plain Node handler' },
          { ...timeCheck(coldSeries, anchor), label: 'cold call vs plain Node handler' }
        ]
      }
    } finally {
      await context.close()
      plain.close()
      await edge.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** `count` POSTs of the order, one after another, each timed in the page to its response headers */
async function timeCalls (page: Page, via: 'invoke' | 'fetch', url: string, count: number): Promise<number[]> {
  return page.evaluate(async ({ via, url, count, body }) => {
    const client = (globalThis as unknown as { p11Client: { invoke(url: string, init: RequestInit): Promise<Response> } }).p11Client
    const times: number[] = []
    for (let i = 0; i < count; i++) {
      const init: RequestInit = { method: 'POST', body, headers: { 'content-type': 'text/plain' } }
      const started = performance.now()
      const response = via === 'invoke' ? await client.invoke(url, init) : await fetch(url, init)
      times.push(performance.now() - started)
      if (response.status !== 200) throw new Error(`P11: ${url} answered ${response.status}: ${await response.text()}`)
      await response.arrayBuffer()
    }
    return times
  }, { via, url, count, body: ORDER_BODY })
}

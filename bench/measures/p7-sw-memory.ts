import { readFile } from 'node:fs/promises'
import { BenchCheckError } from '../support/in-page.ts'
import { inFreshContext, openGateway } from '../support/environment.ts'
import { judge } from '../support/checks.ts'
import { MiB, round, series, mibPerSecond } from '../support/stats.ts'
import { WorkerSession } from '../support/worker-cdp.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult, Timeline } from '../types.ts'

const MB = 1_000_000
const SAMPLE_MS = 200

/**
 * P7: the SW's memory while a page streams a very large file through it. The
 * SW's JS heap and ArrayBuffer backing stores are sampled over CDP; the
 * renderer processes' resident memory is sampled from /proc alongside.
 */
export const p7SwMemory: Measure = {
  id: 'P7',
  title: 'Service worker memory while streaming',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const file = env.content.huge
    return inFreshContext(env, async (page) => {
      await openGateway(env, page)
      const worker = await WorkerSession.attach(env.browser, `${env.gateway}/sw.js`)
      const heap: number[] = []
      const rss: number[] = []
      const timeline: Array<[number, number]> = []
      const started = Date.now()
      let sampling = true
      const sampler = (async () => {
        while (sampling) {
          const usage = await worker.heapUsage().catch(() => undefined)
          if (usage != null) {
            heap.push(usage.usedSize + usage.backingStorageSize)
            timeline.push([Date.now() - started, usage.usedSize + usage.backingStorageSize])
          }
          const resident = await rendererRss(env)
          if (resident != null) {
            rss.push(resident)
          }
          await new Promise(resolve => setTimeout(resolve, SAMPLE_MS))
        }
      })()
      env.log(`  P7: streaming ${file.bytes / MiB} MiB through the SW`)
      let read: { status: number, bytes: number, totalMs: number }
      try {
        read = await page.evaluate(async (url) => {
          const start = performance.now()
          const response = await fetch(url)
          const reader = response.body!.getReader()
          let bytes = 0
          for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) {
            bytes += chunk.value.byteLength
          }
          return { status: response.status, bytes, totalMs: performance.now() - start }
        }, `/ipfs/${env.root}/${file.path}`)
      } finally {
        sampling = false
        await sampler
        await worker.detach()
      }
      if (read.status !== 200 || read.bytes !== file.bytes) {
        throw new BenchCheckError(`P7: HTTP ${read.status}, ${read.bytes} of ${file.bytes} bytes`)
      }
      const peakHeap = Math.max(...heap) / MB
      const heapSeries = series('SW JS heap + array buffers', 'MB', [peakHeap])
      const checks = [judge({ label: 'peak SW memory', unit: 'MB', value: round(peakHeap), goal: 150, op: '<=', formula: 'max over samples of Runtime.getHeapUsage usedSize + backingStorageSize, in MB' })]
      const heapTimeline: Timeline = { label: 'SW JS heap + array buffers (bytes)', points: timeline }
      return {
        id: 'P7',
        title: this.title,
        description: `A ${file.bytes / MiB} MiB file streamed by a page through Edgeway's SW while the SW's memory is sampled every ${SAMPLE_MS} ms over the DevTools Protocol (Runtime.getHeapUsage: JS heap plus ArrayBuffer backing stores).`,
        status: 'ok',
        series: rss.length > 0 ? [heapSeries, series('renderer RSS (page + SW)', 'MB', [Math.max(...rss) / MB])] : [heapSeries],
        checks,
        timelines: [heapTimeline],
        extra: { samples: heap.length, throughputMiBs: round(mibPerSecond(read.bytes, read.totalMs)) }
      }
    })
  }
}

/**
 * The largest resident set among Chromium's renderer processes, or undefined
 * where /proc is not there. Only this measure's context is open while it runs.
 */
async function rendererRss (env: BenchEnv): Promise<number | undefined> {
  const session = await env.browser.newBrowserCDPSession()
  try {
    const { processInfo } = await session.send('SystemInfo.getProcessInfo') as { processInfo: Array<{ type: string, id: number }> }
    const sizes = await Promise.all(processInfo.filter(p => p.type === 'renderer').map(async p => {
      const status = await readFile(`/proc/${p.id}/status`, 'utf8').catch(() => '')
      const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
      return kib == null ? 0 : Number(kib) * 1024
    }))
    return sizes.length === 0 || Math.max(...sizes) === 0 ? undefined : Math.max(...sizes)
  } catch {
    return undefined
  } finally {
    await session.detach().catch(() => {})
  }
}

import type { Page } from 'playwright-core'

export interface TimedRead {
  status: number
  bytes: number
  /** From the call to the first body chunk */
  firstByteMs: number
  /** From the call to the end of the body */
  totalMs: number
  /** [ms, bytes so far], sampled every 25 ms or so */
  points: Array<[number, number]>
  headers: Record<string, string>
  /** Hex SHA-256 of the body, when asked for (computed after the clock stops) */
  sha256?: string
}

export interface TimedReadOptions {
  url: string
  /** `fetch` is the page's own (through its service worker, if any); `bench` is the bench page's `edgewayBench.fetch` */
  via?: 'fetch' | 'bench'
  sha256?: boolean
}

/** Reads a whole body in the page and times it there, so only the page's own clock counts. */
export async function timedRead (page: Page, options: TimedReadOptions): Promise<TimedRead> {
  return page.evaluate(async ({ url, via, sha256 }) => {
    const fetcher: (url: string, init?: RequestInit) => Promise<Response> = via === 'bench'
      ? (globalThis as unknown as { edgewayBench: { fetch: typeof fetch } }).edgewayBench.fetch
      : (input, init) => fetch(input, init)
    const chunks: Uint8Array[] = []
    const points: Array<[number, number]> = [[0, 0]]
    const start = performance.now()
    const response = await fetcher(url, { cache: 'no-store' })
    const reader = response.body!.getReader()
    let bytes = 0
    let firstByteMs = -1
    let lastPoint = 0
    for (let read = await reader.read(); read.done !== true; read = await reader.read()) {
      const now = performance.now() - start
      if (firstByteMs < 0) {
        firstByteMs = now
      }
      bytes += read.value.byteLength
      if (sha256) {
        chunks.push(read.value)
      }
      if (now - lastPoint >= 25) {
        points.push([Math.round(now), bytes])
        lastPoint = now
      }
    }
    const totalMs = performance.now() - start
    points.push([Math.round(totalMs), bytes])
    let digest: string | undefined
    if (sha256) {
      const body = new Uint8Array(bytes)
      let offset = 0
      for (const chunk of chunks) {
        body.set(chunk, offset)
        offset += chunk.byteLength
      }
      digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', body)), b => b.toString(16).padStart(2, '0')).join('')
    }
    return { status: response.status, bytes, firstByteMs: firstByteMs < 0 ? totalMs : firstByteMs, totalMs, points, headers: Object.fromEntries(response.headers), sha256: digest }
  }, { url: options.url, via: options.via ?? 'fetch', sha256: options.sha256 === true })
}

export class BenchCheckError extends Error {
  static name = 'BenchCheckError'
  name = 'BenchCheckError'
}

/** A measure that timed the wrong bytes would be worse than none. */
export function expectBody (read: TimedRead, expected: { sha256?: string, bytes: number }, what: string): void {
  if (read.status < 200 || read.status > 299) {
    throw new BenchCheckError(`${what}: HTTP ${read.status}`)
  }
  if (read.bytes !== expected.bytes) {
    throw new BenchCheckError(`${what}: ${read.bytes} bytes, expected ${expected.bytes}`)
  }
  if (expected.sha256 != null && read.sha256 != null && read.sha256 !== expected.sha256) {
    throw new BenchCheckError(`${what}: sha256 ${read.sha256}, expected ${expected.sha256}`)
  }
}

/** Bytes a SW used, by source */
export interface StatsBytes { cache: number, edge: number, peer: number }

/** What the page's SW has used, by source, since it started */
export async function swBytes (page: Page): Promise<StatsBytes> {
  return page.evaluate(async () => ((await (await fetch('/_edgeway/stats', { cache: 'no-store' })).json()) as { bytes: StatsBytes }).bytes)
}

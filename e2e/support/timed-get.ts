import { request } from 'node:http'

export interface TimedAnswer {
  /** 0 when there was no answer (refused, reset, or nothing within the time given) */
  status: number
  /** When it was sent (epoch ms) */
  at: number
  ms: number
  error?: string
}

/**
 * One GET on a fresh connection (no agent, so it must be accepted like any new
 * client's) from `localAddress`, body read to the end; never throws and never
 * waits past `giveUpMs`.
 */
export async function timedGet (url: string, { localAddress, host, giveUpMs }: { localAddress: string, host?: string, giveUpMs: number }): Promise<TimedAnswer> {
  const at = Date.now()
  const started = performance.now()
  const { hostname, port, pathname, search } = new URL(url)
  return new Promise(resolve => {
    const done = (status: number, error?: string): void => { resolve({ status, at, ms: performance.now() - started, error }) }
    const req = request({
      host: hostname === 'localhost' ? '127.0.0.1' : hostname,
      port,
      path: `${pathname}${search}`,
      localAddress,
      agent: false,
      headers: { Host: host ?? `${hostname}:${port}` },
      signal: AbortSignal.timeout(giveUpMs)
    }, res => {
      res.resume()
      res.once('end', () => { done(res.statusCode ?? 0) })
      res.once('error', err => { done(0, err.message) })
    })
    req.once('error', err => { done(0, err.message) })
    req.end()
  })
}

export interface Sampler {
  /** Stops sampling; resolves with every answer once the last request has ended */
  stop(): Promise<TimedAnswer[]>
}

/** `timedGet(url)` now and every `everyMs` after, whether or not the earlier ones have been answered. */
export function sampleGets (url: string, { everyMs, ...options }: { everyMs: number, localAddress: string, giveUpMs: number }): Sampler {
  const answers: Array<Promise<TimedAnswer>> = []
  const sample = (): void => { answers.push(timedGet(url, options)) }
  sample()
  const timer = setInterval(sample, everyMs)
  return {
    stop: async () => {
      clearInterval(timer)
      return Promise.all(answers)
    }
  }
}

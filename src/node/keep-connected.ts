import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, Logger } from '@libp2p/interface'

const FIRST_REDIAL_MS = 500
const MAX_REDIAL_MS = 30_000

export interface KeepConnectedOptions {
  /**
   * Wait this long before the first dial. A connection's handshake costs the
   * service worker CPU its first responses need; when edges also speak HTTP,
   * bitswap is the fallback and can wait.
   */
  firstDialAfterMs?: number
}

/**
 * Keeps a libp2p connection open to each configured edge: bitswap asks the
 * peers it is connected to, so a dropped edge must be dialled again. Returns
 * a function that stops re-dialling.
 */
export function keepConnected (libp2p: Libp2p, multiaddrs: string[], log: Logger, options: KeepConnectedOptions = {}): () => void {
  const targets = multiaddrs.map(ma => multiaddr(ma))
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let stopped = false

  // each edge backs off on its own: a dead edge is retried less and less often
  const delays = targets.map(() => FIRST_REDIAL_MS)

  const dial = (index: number): void => {
    const target = targets[index]
    libp2p.dial(target, { signal: AbortSignal.timeout(10_000) }).then(connection => {
      log('connected to edge %a', target)
      delays[index] = FIRST_REDIAL_MS
      connection.addEventListener('close', () => { schedule(index) }, { once: true })
    }, (err: Error) => {
      log.error('could not dial edge %a - %e', target, err)
      schedule(index)
    })
  }
  const later = (index: number, delay: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      dial(index)
    }, delay)
    timers.add(timer)
  }
  const schedule = (index: number): void => {
    if (stopped) {
      return
    }
    const delay = delays[index]
    delays[index] = Math.min(delay * 2, MAX_REDIAL_MS)
    later(index, delay)
  }

  const first = options.firstDialAfterMs ?? 0
  targets.forEach((_, index) => { first > 0 ? later(index, first) : dial(index) })
  return () => {
    stopped = true
    timers.forEach(timer => { clearTimeout(timer) })
  }
}

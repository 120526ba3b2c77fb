import { connect } from 'node:net'
import type { Socket } from 'node:net'

/** Sockets opened at once, then waited for: a listen backlog (511 by default) must not turn the flood into SYN retries. */
const BATCH = 250

export interface IdleSockets {
  /** Sockets the server has not closed (nor reset) yet */
  open(): number
  /** Destroys every socket still open */
  destroy(): void
  /** Errors the sockets met, by code (`ECONNRESET`, `EADDRNOTAVAIL`, …): why a flood fell short */
  errors(): Record<string, number>
}

/**
 * `count` raw TCP connections from `localAddress` to `host:port` that never
 * send a byte: the slowloris client. Opens them in batches and resolves once
 * each has connected or been closed; a socket the server cuts only counts as
 * closed (its error is what the attack expects).
 */
export async function openIdleSockets (target: { host: string, port: number }, count: number, { localAddress }: { localAddress: string }): Promise<IdleSockets> {
  const open = new Set<Socket>()
  const errors: Record<string, number> = {}

  for (let started = 0; started < count; started += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - started) }, async () => new Promise<void>(resolve => {
      const socket = connect({ host: target.host, port: target.port, localAddress })
      open.add(socket)
      socket.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? err.name
        errors[code] = (errors[code] ?? 0) + 1
      })
      // it sends nothing, but reads what comes (a 408, say): unread bytes would hold back 'end' and 'close'
      socket.resume()
      socket.once('connect', () => { resolve() })
      socket.once('close', () => {
        open.delete(socket)
        resolve()
      })
    }))
    await Promise.all(batch)
  }

  return {
    open: () => open.size,
    destroy: () => {
      // a reset, not a close: thousands of closes would leave as many ephemeral ports in TIME_WAIT for a
      // minute, and the specs after this one could not listen on `--port 0`
      for (const socket of open) socket.resetAndDestroy()
      open.clear()
    },
    errors: () => ({ ...errors })
  }
}

export interface IdleLifetimeOptions {
  localAddress: string
  /** Sent once connected; default: nothing */
  send?: string
  /** Then one more header line this often, never finishing the headers (the trickling slowloris) */
  trickleEveryMs?: number
  giveUpMs: number
}

/**
 * How long the server keeps one connection from `localAddress` that sends
 * `send` (and maybe trickles header lines) and nothing else: resolves with the
 * milliseconds from connect until the server closed it, or `null` if it was
 * still open after `giveUpMs` (then the socket is destroyed).
 */
export async function idleLifetime (target: { host: string, port: number }, { localAddress, send, trickleEveryMs, giveUpMs }: IdleLifetimeOptions): Promise<number | null> {
  return new Promise(resolve => {
    const socket = connect({ host: target.host, port: target.port, localAddress })
    let opened = Date.now()
    let trickle: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      clearInterval(trickle)
      socket.destroy()
      resolve(null)
    }, giveUpMs)
    socket.on('error', () => {})
    socket.resume()
    socket.once('connect', () => {
      opened = Date.now()
      if (send != null) socket.write(send)
      if (trickleEveryMs != null) {
        trickle = setInterval(() => { socket.write('X-Slow: 1\r\n') }, trickleEveryMs)
      }
    })
    socket.once('close', () => {
      clearTimeout(timer)
      clearInterval(trickle)
      resolve(Date.now() - opened)
    })
  })
}

import { logger } from '@libp2p/logger'
import { clientKey } from './client-key.ts'
import { HTTP_CONNECTION_LIMITS, HTTP_TIMEOUTS } from './defaults.ts'
import { HeldBytes } from './held-bytes.ts'
import type { ServerOptions } from 'node:http'
import type { Server, Socket } from 'node:net'

const log = logger('edgeway:edge:connections')

/**
 * `node:http` options that bound idle and unfinished requests (see
 * `HTTP_TIMEOUTS`): node closes a connection whose headers are not complete
 * within `headersTimeout` (counted from the connection's opening, so one that
 * sends nothing is closed too), and a keep-alive one idle for
 * `keepAliveTimeout`. Node's own checker does this, so no timer per socket
 * here. `server.timeout` (inactivity in either direction) stays 0: it would
 * cut a response to a reader that paused, which is not an attack but a video.
 */
export const HTTP_SERVER_OPTIONS: ServerOptions = {
  headersTimeout: HTTP_TIMEOUTS.headersMs,
  requestTimeout: HTTP_TIMEOUTS.requestMs,
  keepAliveTimeout: HTTP_TIMEOUTS.keepAliveMs,
  connectionsCheckingInterval: HTTP_TIMEOUTS.checkEveryMs
}

export interface ConnectionLimits {
  /**
   * Connections one client (an IPv4 address or an IPv6 /64: see `clientKey`) may hold at once
   *
   * @default HTTP_CONNECTION_LIMITS.perAddress
   */
  perAddress?: number
  /**
   * Connections the server holds at once, all clients together
   *
   * @default HTTP_CONNECTION_LIMITS.total
   */
  total?: number
}

/**
 * Caps a listening server's connections: `total` through node's own
 * `maxConnections` (node closes the excess before emitting 'connection'),
 * `perAddress` here, since node has no per-client limit. A connection over
 * its client's cap is destroyed on 'connection', before a byte of it is read
 * or parsed: opening more than the cap gains a client nothing.
 */
export function limitConnections (server: Server, { perAddress = HTTP_CONNECTION_LIMITS.perAddress, total = HTTP_CONNECTION_LIMITS.total }: ConnectionLimits = {}): void {
  server.maxConnections = total
  const counts = new ConnectionCounts(perAddress)

  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress == null ? undefined : clientKey(socket.remoteAddress)
    if (client == null || !counts.admit(client)) {
      log.trace('refused a connection from %s: at its cap of %d', client, perAddress)
      socket.destroy()
      return
    }
    socket.once('close', () => { counts.release(client) })
  })
}

/**
 * Open connections by client: `HeldBytes` counting one per connection, with
 * no total (the server's own `maxConnections` is that). An entry lives only
 * while its client has a connection open, so the table never holds more
 * entries than the server holds connections.
 */
export class ConnectionCounts {
  private readonly held: HeldBytes

  constructor (perClient: number) {
    this.held = new HeldBytes({ total: Infinity, perClient })
  }

  /** Counts one more connection of `client`, unless it is at its cap: then false, and nothing is counted */
  admit (client: string): boolean {
    return this.held.take(client, 1) == null
  }

  /** One admitted connection of `client` closed */
  release (client: string): void {
    this.held.give(client, 1)
  }

  /** Connections `client` holds */
  of (client: string): number {
    return this.held.of(client)
  }

  /** Clients holding at least one connection */
  get clients (): number {
    return this.held.clients
  }
}

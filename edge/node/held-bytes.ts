/** Why `HeldBytes` refused: the client is at its share, or all clients together are at the total */
export type HeldBytesRefusal = 'client' | 'total'

export interface HeldBytesLimits {
  /** Bytes held at once, all clients together */
  total: number
  /** Bytes one client (see `clientKey`) may hold at once, so that one client cannot take the whole `total` */
  perClient: number
}

/**
 * Bytes the edge holds on behalf of clients (request bodies, unsent
 * answers), within a total and a share per client; `ConnectionCounts`
 * counts connections with it. An entry lives only while its client holds bytes, so the
 * table never has more entries than there are calls in progress.
 */
export class HeldBytes {
  private readonly byClient = new Map<string, number>()
  private readonly limits: HeldBytesLimits
  private all = 0

  constructor (limits: HeldBytesLimits) {
    this.limits = limits
  }

  /** Counts `bytes` for `client`, unless that passes its share or the total: then says which, and nothing is counted */
  take (client: string, bytes: number): HeldBytesRefusal | undefined {
    const held = this.of(client)
    if (held + bytes > this.limits.perClient) {
      return 'client'
    }
    if (this.all + bytes > this.limits.total) {
      return 'total'
    }
    this.byClient.set(client, held + bytes)
    this.all += bytes
    return undefined
  }

  /** Whether `client` is at its share, or all clients together at the total: then says which */
  full (client: string): HeldBytesRefusal | undefined {
    if (this.of(client) >= this.limits.perClient) {
      return 'client'
    }
    return this.all >= this.limits.total ? 'total' : undefined
  }

  /** `bytes` that `client` took are no longer held */
  give (client: string, bytes: number): void {
    const held = this.of(client) - bytes
    if (held <= 0) {
      this.byClient.delete(client)
    } else {
      this.byClient.set(client, held)
    }
    this.all -= bytes
  }

  /** Bytes `client` holds */
  of (client: string): number {
    return this.byClient.get(client) ?? 0
  }

  /** Bytes held, all clients together */
  get held (): number {
    return this.all
  }

  /** Clients holding any */
  get clients (): number {
    return this.byClient.size
  }
}

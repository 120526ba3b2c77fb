import { WITHDRAW_TTL_MS, signAnnouncement } from '../lib/provider-announcement.ts'
import type { AnnouncementPayload, AnnouncementSigner } from '../lib/provider-announcement.ts'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import type { AbortOptions, Logger } from '@libp2p/interface'

export interface ProviderAnnouncerInit {
  /** Edges' HTTP URLs: their delegated routing takes the announcements */
  urls: string[]
  signer: AnnouncementSigner
  peerId: string
  /** Where other peers can reach this one now (relay addresses, without `/p2p/<self>`); empty until a relay slot is reserved */
  addresses(): string[]
  /** Every block this peer shares now; a block announced before and no longer listed here is withdrawn */
  blocks(options: AbortOptions): AsyncIterable<CID>
  log: Logger
  /**
   * How long an edge keeps the records; they are announced again well before
   *
   * @default 1800000 (30 minutes)
   */
  ttlMs?: number
  /**
   * How often the store is looked at for blocks not yet announced (the SW
   * and other tabs write to it too). A look reads the store's keys only, so
   * it is cheap, and what this browser just fetched is soon findable by the
   * next one that opens it
   *
   * @default RESCAN_EVERY_MS
   */
  rescanEveryMs?: number
}

/**
 * How often the shared blocks are listed again by default: what the SW wrote
 * (when viewed content is shared) or a pin made elsewhere on the origin is
 * findable, and an unpinned root withdrawn, within this long.
 */
export const RESCAN_EVERY_MS = 3_000

/** CIDs per announcement: well under the edge's limit, and a body of a few hundred kB. */
const BATCH = 2_000

/**
 * Keeps the edges' delegated routing told which blocks this tab can serve:
 * the blocks `blocks()` lists, announced once a relay slot gives the tab an
 * address, again whenever that address changes, and again before the records
 * expire. Each rescan lists them afresh: new ones are announced, and ones no
 * longer listed are withdrawn (TTL 1 ms), so the edges never list this tab
 * for more than it shares. `stop(true)` withdraws every record, so a tab that
 * stops serving stops being found.
 */
export class ProviderAnnouncer {
  private readonly init: Required<Omit<ProviderAnnouncerInit, 'log'>> & { log: Logger }
  /** Blocks announced at the current addresses (multihash-keyed CID strings) */
  private announced = new Set<string>()
  private announcedAt = 0
  private addressKey = ''
  private timer?: ReturnType<typeof setTimeout>
  private queue: Promise<void> = Promise.resolve()
  private controller = new AbortController()
  private running = false
  /** The Seq of the last announcement sent: each is higher (edges refuse replays), and near the clock so it survives a restart */
  private seq = 0

  constructor (init: ProviderAnnouncerInit) {
    this.init = { ttlMs: 30 * 60_000, rescanEveryMs: RESCAN_EVERY_MS, ...init }
  }

  /** Blocks the edges currently list this tab for */
  get count (): number {
    return this.announced.size
  }

  start (): void {
    if (this.running) {
      return
    }
    this.running = true
    this.controller = new AbortController()
    this.schedule(0)
  }

  /** Stops announcing; with `withdraw`, also asks the edges to forget every record. */
  async stop (withdraw = false): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    this.controller.abort()
    await this.queue.catch(() => {})
    if (withdraw && this.announced.size > 0) {
      const all = [...this.announced]
      this.announced = new Set()
      await this.send(all, WITHDRAW_TTL_MS, {}).catch(err => { this.init.log.error('could not withdraw announcements - %e', err) })
    }
  }

  /** Announce these blocks now (a publish), rather than at the next rescan. */
  async announce (cids: CID[]): Promise<void> {
    if (!this.running) {
      return
    }
    await this.enqueue(async () => {
      const fresh = cids.map(blockKey).filter(cid => !this.announced.has(cid))
      await this.announceNew(fresh)
    })
  }

  /**
   * Lists the shared blocks now rather than at the next rescan, and resolves
   * once the new ones are announced and the ones no longer shared withdrawn.
   */
  async refresh (): Promise<void> {
    if (this.running) {
      await this.enqueue(async () => { await this.rescan() })
    }
  }

  /** The tab's addresses changed (a relay slot was reserved or renewed): everything is announced again. */
  addressesChanged (): void {
    if (this.running) {
      this.schedule(0)
    }
  }

  private schedule (delay: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      void this.enqueue(async () => { await this.rescan() }).finally(() => {
        if (this.running) {
          this.schedule(this.init.rescanEveryMs)
        }
      })
    }, delay)
  }

  private async enqueue (task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch(err => {
      if (this.running) {
        this.init.log.error('announcing failed - %e', err)
      }
    })
    this.queue = next
    return next
  }

  private async rescan (): Promise<void> {
    const addresses = this.init.addresses()
    if (addresses.length === 0) {
      return
    }
    const shared = new Set<string>()
    for await (const cid of this.init.blocks({ signal: this.controller.signal })) {
      shared.add(blockKey(cid))
    }
    // no longer shared (switched off, unpinned): withdrawn before anything else is sent
    await this.withdraw([...this.announced].filter(cid => !shared.has(cid)))
    const key = addresses.join(' ')
    const stale = Date.now() - this.announcedAt > this.init.ttlMs / 3
    if (key !== this.addressKey || stale) {
      // new addresses, or records about to expire: announce it all again
      this.addressKey = key
      this.announced = new Set()
      this.announcedAt = Date.now()
    }
    await this.announceNew([...shared].filter(cid => !this.announced.has(cid)))
  }

  private async withdraw (cids: string[]): Promise<void> {
    for (let i = 0; i < cids.length && this.running; i += BATCH) {
      const batch = cids.slice(i, i + BATCH)
      await this.send(batch, WITHDRAW_TTL_MS, { signal: this.controller.signal })
      batch.forEach(cid => this.announced.delete(cid))
    }
  }

  private async announceNew (cids: string[]): Promise<void> {
    for (let i = 0; i < cids.length && this.running; i += BATCH) {
      const batch = cids.slice(i, i + BATCH)
      if (!await this.send(batch, this.init.ttlMs, { signal: this.controller.signal })) {
        // no address yet: the scan that follows the first relay slot announces them
        return
      }
      batch.forEach(cid => this.announced.add(cid))
    }
  }

  /** Resolves to true when at least one edge took the records, false when there is nothing to send or no address to send with. */
  private async send (cids: string[], ttlMs: number, options: AbortOptions): Promise<boolean> {
    const addresses = this.init.addresses()
    if (cids.length === 0 || addresses.length === 0) {
      return false
    }
    this.seq = Math.max(this.seq + 1, Date.now())
    const payload: AnnouncementPayload = {
      CID: cids,
      Scope: 'block',
      Timestamp: new Date().toISOString(),
      TTL: ttlMs,
      Seq: this.seq,
      ID: this.init.peerId,
      Addrs: addresses,
      Protocols: ['transport-bitswap']
    }
    const body = JSON.stringify({ Providers: [await signAnnouncement(this.init.signer, payload)] })
    const results = await Promise.allSettled(this.init.urls.map(async url => {
      const response = await fetch(`${url}/routing/v1/providers`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body, signal: options.signal })
      if (!response.ok) {
        throw new Error(`${url}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`)
      }
    }))
    const failed = results.filter(r => r.status === 'rejected')
    if (failed.length === results.length && failed.length > 0) {
      throw failed[0].reason
    }
    this.init.log('announced %d blocks (TTL %d ms) to %d edges', cids.length, ttlMs, results.length - failed.length)
    return true
  }
}

/** A block as the store keys it (by multihash), so a dag-pb CID and the raw CID of the same bytes are announced once. */
function blockKey (cid: CID): string {
  return (cid.code === raw.code && cid.version === 1 ? cid : CID.createV1(raw.code, cid.multihash)).toString()
}

import { blockKey } from '../node/local-store-schema.ts'
import { localDagBlocks } from './local-dag-blocks.ts'
import type { CodecLoader } from '@helia/interface'
import type { AbortOptions, Logger } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { LocalDag } from './local-dag-blocks.ts'

export interface ChosenBlocksInit {
  /** The local store, read only to find the roots' blocks */
  store: Pick<Blockstore, 'has' | 'get'>
  getCodec: CodecLoader
  /** The roots the user chose to share now: what this browser published, and what it pins */
  roots(options: AbortOptions): Promise<CID[]>
  log: Logger
}

/**
 * The blocks the user chose to share: those of the roots they published or
 * pinned, as the local store holds them, and blocks handed over explicitly
 * (a publish, before its marker is read back). It is kept in memory so the
 * peer's store can answer "do I share this?" at once for every want; it
 * grows only with what the user publishes or pins, which the store's budget
 * and quota bound.
 */
export class ChosenBlocks {
  private readonly init: ChosenBlocksInit
  /** Roots whose DAG is held whole: content is immutable, so they are never walked again */
  private readonly complete = new Map<string, LocalDag>()
  /** Blocks shared for this session because the user just published them */
  private readonly added = new Map<string, CID>()
  private current = new Map<string, CID>()

  constructor (init: ChosenBlocksInit) {
    this.init = init
  }

  has (cid: CID): boolean {
    const key = blockKey(cid)
    return this.current.has(key) || this.added.has(key)
  }

  /** Shares these blocks from now on (the user published them), whatever the roots say. */
  add (cids: CID[]): void {
    cids.forEach(cid => this.added.set(blockKey(cid), cid))
  }

  /** Every chosen block, as of the last `refresh()` and `add()` */
  list (): CID[] {
    return [...new Map([...this.current, ...this.added]).values()]
  }

  /** Reads the roots again (a pin removed, a pin or publish made elsewhere on the origin) and their blocks. */
  async refresh (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const next = new Map<string, CID>()
    for (const root of await this.init.roots(options)) {
      const key = root.toString()
      let dag = this.complete.get(key)
      if (dag == null) {
        dag = await localDagBlocks(this.init.store, this.init.getCodec, root, options).catch((err: Error) => {
          this.init.log.error('could not read the blocks of %c - %e', root, err)
          return { blocks: [], complete: false }
        })
        if (dag.complete) {
          this.complete.set(key, dag)
        }
      }
      dag.blocks.forEach(cid => next.set(blockKey(cid), cid))
    }
    this.current = next
  }
}

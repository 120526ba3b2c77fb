import { logger } from '@libp2p/logger'
import { edgeHttp } from '../src/node/block-sources.ts'
import { createEdgeNode } from '../src/node/create-edge-node.ts'
import { openLocalStore } from '../src/node/open-local-store.ts'
import { loadConfig } from './load-config.ts'
import type { EdgewayConfig } from '../src/lib/config.ts'
import type { EdgeListSource } from '../src/lib/edge-status.ts'
import type { EdgeEndpoint } from '../src/lib/types.ts'
import type { EdgeNode, EdgeNodeInit } from '../src/node/create-edge-node.ts'
import type { EdgeHealth } from '../src/node/edge-health-tracker.ts'
import type { Blockstore } from 'interface-blockstore'

export interface NodeHolder {
  /** The node for the current configuration, started on first use */
  get(): Promise<EdgeNode>
  /** The configuration the current node was started with, without waiting for the node */
  config(): Promise<EdgewayConfig>
  /** Where the current node's edges come from */
  edgeSource(): Promise<EdgeListSource>
  /**
   * Re-read edgeway.json and the user's edge list and, when either changed
   * (the gateway was restarted with other edges, the page changed the list),
   * start a node for the new edges. Never throws. On a page load
   * (`pageLoad`), a configuration read moments ago is not read again.
   */
  refresh(options?: { pageLoad?: boolean }): Promise<void>
}

export interface NodeHolderInit {
  configUrl: string
  /**
   * What the SW gives each node it starts: its block sources
   *
   * @default the edges over HTTP alone
   */
  extras?: NodeExtras
  /**
   * The origin's block store, one per SW life, shared by every node it
   * starts and by whatever else in the SW reads the store's budget
   *
   * @default a store opened for each node
   */
  store?(): Promise<Blockstore>
  /** The edge list stored on the gateway page for this origin, used instead of the server's; undefined for none */
  userEdges?(): Promise<EdgeEndpoint[] | undefined>
  /** Measurements shared by every node of this SW life */
  health?: EdgeHealth
}

const RETIRE_AFTER_MS = 60_000

/**
 * A configuration read this recently is not read again for the first page
 * load after it: the first visit's navigation arrives right after the node
 * started from it, and a second round trip to the server would only delay the
 * first content. Only the first: the gateway may restart with other edges at
 * any moment, and the next page load must see them.
 */
const FRESH_MS = 2_000

interface Current {
  node: Promise<EdgeNode>
  config: EdgewayConfig
  source: EdgeListSource
  /** The server's JSON and the user's list, to tell whether either changed */
  text: string
  /** When they were read */
  readAt: number
  /** Whether a page load has been answered by this node: a later one always re-reads the configuration */
  pageLoaded: boolean
}

/** What the SW gives each node it starts, given the node's configuration: its block sources (the edges over HTTP, the tab bridge). */
export type NodeExtras = (config: EdgewayConfig) => Pick<EdgeNodeInit, 'sources' | 'peersReachable'>

/** Holds the SW's node and replaces it when the gateway's configuration changes. */
export function createNodeHolder ({ configUrl, extras = () => ({ sources: [edgeHttp()] }), store = async () => openLocalStore(), userEdges = async () => undefined, health }: NodeHolderInit): NodeHolder {
  const log = logger('edgeway:sw:node')
  let current: Promise<Current> | undefined

  const effectiveConfig = async (): Promise<Omit<Current, 'node' | 'pageLoaded'>> => {
    const [loaded, edges] = await Promise.all([loadConfig(configUrl), userEdges().catch(err => {
      log.error('could not read the edge list stored on the page - %e', err)
      return undefined
    })])
    const text = `${loaded.text}\n${JSON.stringify(edges ?? null)}`
    const readAt = Date.now()
    return edges == null
      ? { config: loaded.config, source: 'server', text, readAt }
      : { config: { ...loaded.config, edges }, source: 'user', text, readAt }
  }
  const build = async (): Promise<Current> => {
    const [effective, blockstore] = await Promise.all([effectiveConfig(), store()])
    return { ...effective, pageLoaded: false, node: createEdgeNode({ config: effective.config, blockstore, ...extras(effective.config), health }) }
  }
  const start = (): Promise<Current> => {
    const starting = build().catch(err => {
      // let the next request try again rather than failing forever
      if (current === starting) current = undefined
      throw err
    })
    current = starting
    return starting
  }
  const currentOrBuild = async (): Promise<Current> => current ?? start()

  return {
    async get () {
      const { node } = await currentOrBuild()
      return node.catch(err => {
        current = undefined
        log.error('could not start the node - %e', err)
        throw err
      })
    },
    async config () {
      return (await currentOrBuild()).config
    },
    async edgeSource () {
      return (await currentOrBuild()).source
    },
    async refresh ({ pageLoad = false } = {}) {
      if (current == null) {
        // nothing started yet: the first get() reads edgeway.json anyway
        if (pageLoad) {
          void start().then(started => { started.pageLoaded = true }, () => {})
        }
        return
      }
      try {
        const active = await current
        const firstPageLoad = pageLoad && !active.pageLoaded
        if (pageLoad) {
          active.pageLoaded = true
        }
        if (firstPageLoad && Date.now() - active.readAt < FRESH_MS) {
          return
        }
        const { text } = await effectiveConfig()
        if (active.text === text) {
          return
        }
        log('edgeway.json or the page\'s edge list changed: starting a node for the new edges')
        await start()
        // responses may still be streaming from the old node: give them time to finish
        setTimeout(() => { void active.node.then(async node => { await node.stop() }).catch(() => {}) }, RETIRE_AFTER_MS)
      } catch (err) {
        log.error('could not refresh the configuration - %e', err)
      }
    }
  }
}

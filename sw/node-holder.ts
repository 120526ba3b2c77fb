import { logger } from '@libp2p/logger'
import { createEdgeNode } from '../src/lib/node/create-edge-node.ts'
import { openLocalStore } from '../src/lib/node/open-local-store.ts'
import { loadConfig } from './load-config.ts'
import type { EdgewayConfig } from '../src/lib/config.ts'
import type { EdgeNode, EdgeNodeInit } from '../src/lib/node/create-edge-node.ts'

export interface NodeHolder {
  /** The node for the current configuration, started on first use */
  get(): Promise<EdgeNode>
  /** The configuration the current node was started with, without waiting for the node */
  config(): Promise<EdgewayConfig>
  /**
   * Re-read edgeway.json and, when it changed (the gateway was restarted with
   * other edges), start a node for the new edges. Never throws.
   */
  refresh(): Promise<void>
}

const RETIRE_AFTER_MS = 60_000

interface Current {
  node: Promise<EdgeNode>
  config: EdgewayConfig
  text: string
}

/** What the SW adds to each node it starts, given the node's configuration: the tab bridge. */
export type NodeExtras = (config: EdgewayConfig) => Pick<EdgeNodeInit, 'brokers' | 'peersReachable'>

/** Holds the SW's node and replaces it when the gateway's configuration changes. */
export function createNodeHolder (configUrl: string, extras: NodeExtras = () => ({})): NodeHolder {
  const log = logger('edgeway:sw:node')
  let current: Promise<Current> | undefined

  const build = async (): Promise<Current> => {
    const [{ config, text }, blockstore] = await Promise.all([loadConfig(configUrl), openLocalStore()])
    return { node: createEdgeNode({ config, blockstore, ...extras(config) }), config, text }
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
    async refresh () {
      if (current == null) {
        // nothing started yet: the first get() reads edgeway.json anyway
        return
      }
      try {
        const active = await current
        const { text } = await loadConfig(configUrl)
        if (active.text === text) {
          return
        }
        log('edgeway.json changed: starting a node for the new edges')
        await start()
        // responses may still be streaming from the old node: give them time to finish
        setTimeout(() => { void active.node.then(async node => { await node.stop() }).catch(() => {}) }, RETIRE_AFTER_MS)
      } catch (err) {
        log.error('could not refresh the configuration - %e', err)
      }
    }
  }
}

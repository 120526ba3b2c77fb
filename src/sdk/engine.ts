import { errorToResponse } from '../lib/error-to-response.ts'
import { parseContentUrl } from '../lib/parse-gateway-url.ts'
import { createContentFetcher } from '../content/content-fetcher.ts'
import { bitswap } from '../node/bitswap-source.ts'
import { edgeHttp, tabBridge } from '../node/block-sources.ts'
import { createEdgeNode } from '../node/create-edge-node.ts'
import type { ContentFetchInit } from '../content/content-fetcher.ts'
import type { EdgewayConfig } from '../lib/config.ts'
import type { EdgeHealth } from '../node/edge-health-tracker.ts'
import type { EdgeNode } from '../node/create-edge-node.ts'
import type { TabBlockSource } from '../node/tab-bridge-broker.ts'
import type { Blockstore } from 'interface-blockstore'

export interface EngineComponents {
  config: EdgewayConfig
  blockstore: Blockstore
  health: EdgeHealth
  /** Blocks only other browsers have, through the page's peer; undefined without one */
  peerBlocks?: TabBlockSource['request']
}

/** The started content engine, as the SDK's core uses it. */
export interface Engine {
  node: EdgeNode
  /** Answers `ipfs://…` or `/ipfs/…`; a malformed address is a 400 response, not a throw */
  fetch(resource: string | URL, init: Omit<ContentFetchInit, 'headers'> & { headers: Headers }): Promise<Response>
}

/**
 * The browser node and the content engine (Helia, verified-fetch, the block
 * sources): a client loads this module when it is created, so a page
 * that imports the SDK and fetches through its SW never parses it.
 */
export async function startEngine (components: EngineComponents): Promise<Engine> {
  const { config, blockstore, health, peerBlocks } = components
  // a page may run libp2p: edges given as multiaddrs and bitswap providers a router lists are dialled from here
  const libp2p = config.edges.some(edge => edge.multiaddrs.length > 0) || config.routers.length > 0
  const sources = [
    edgeHttp(),
    ...(libp2p ? [bitswap()] : []),
    // the client's node dials edges and providers itself (bitswap): the page's peer is asked for other browsers' blocks
    ...(peerBlocks == null ? [] : [tabBridge({ request: peerBlocks })])
  ]
  const node = await createEdgeNode({ config, blockstore, sources, health })
  // one content fetcher for the node: what its navigations fetch whole is shared by its requests
  const fetcher = createContentFetcher(node)
  return {
    node,
    async fetch (resource, init) {
      let address
      try {
        address = parseContentUrl(resource)
      } catch (err) {
        return errorToResponse(err, { accept: init.headers.get('accept') })
      }
      return fetcher.fetch(address, init)
    }
  }
}

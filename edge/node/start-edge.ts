import { logger } from '@libp2p/logger'
import { connectedHere } from './connected-here.ts'
import { createEdgeHelia } from './create-edge-helia.ts'
import { createStores } from './create-stores.ts'
import { DEFAULT_HOST } from './defaults.ts'
import { delegatedRouting } from './delegated-routing.ts'
import { DNS_QUERY_PATH, dnsQuery } from './dns-query.ts'
import { DnslinkTable } from './dnslink.ts'
import { httpMultiaddr, httpUrl, withoutPeerId } from './edge-addresses.ts'
import { startFunctions } from './start-functions.ts'
import { startHttpServer } from './http-server.ts'
import { importContent } from './import-content.ts'
import { DEFAULT_IMPORT_HASH, IMPORT_HASHES } from './import-hash.ts'
import { infoRoute } from './info-route.ts'
import { ipnsRecordGateway } from './ipns-record-gateway.ts'
import { IpnsRecords } from './ipns-records.ts'
import { ProviderTable } from './provider-table.ts'
import { trustlessGateway } from './trustless-gateway.ts'
import type { PeerRecord } from './delegated-routing.ts'
import type { EdgeHttpServer } from './http-server.ts'
import type { FunctionRunner } from '../../src/functions/types.ts'
import type { Edge, EdgeHelia, EdgeInfo, EdgeOptions, EdgeStores, ImportResult } from './types.ts'

const log = logger('edgeway:edge')

/**
 * Starts one edge node: imports `serve`, starts Helia/libp2p (WebSockets,
 * circuit relay v2 server, bitswap) and the HTTP server (trustless gateway,
 * delegated routing v1 with the IPNS records it holds, DNS-over-HTTPS for its
 * DNSLink table, `/info`, and with `functions` the function runner in its
 * worker threads). Resolves once everything listens; on any
 * failure it releases what it had started and rejects.
 */
export async function startEdge (options: EdgeOptions = {}): Promise<Edge> {
  const { serve = [], dnslink, hash = DEFAULT_IMPORT_HASH, host = DEFAULT_HOST, wsPort = 0, httpPort = 0, repo, functions = false, signal } = options
  signal?.throwIfAborted()
  const started = Date.now()
  const dnslinkTable = new DnslinkTable(dnslink)

  const stores = await createStores(repo)
  let helia: EdgeHelia | undefined
  let http: EdgeHttpServer | undefined
  let functionRunner: FunctionRunner | undefined

  try {
    helia = createEdgeHelia(stores, { host, wsPort })
    const heliaStarted = helia.start()
    const ipnsRecords = new IpnsRecords()
    const imported = importContent(serve, { blocks: stores.blockstore, ipnsRecords }, { getHasher: helia.getHasher, hasher: IMPORT_HASHES[hash], signal })
    // settle both before acting on either, so a failure never leaves a start half-done
    const [heliaResult, importResult] = await Promise.allSettled([heliaStarted, imported])
    if (heliaResult.status === 'rejected') throw heliaResult.reason
    if (importResult.status === 'rejected') throw importResult.reason
    signal?.throwIfAborted()

    const byPath = (results: ImportResult[]): Record<string, string> => Object.fromEntries(results.map(({ path, root }) => [path, root]))
    const roots = byPath(importResult.value.filter(({ kind }) => kind !== 'ipns-record'))
    const ipns = byPath(importResult.value.filter(({ kind }) => kind === 'ipns-record'))
    const libp2p = helia.libp2p
    const peerId = libp2p.peerId.toString()
    const multiaddrs = libp2p.getMultiaddrs().map(String).filter(addr => addr.includes('/ws'))
    let info: EdgeInfo | undefined
    // a browser is listed only while it is reachable through this edge; its relay addresses die with its connection here, and so do its announcements
    const announced = new ProviderTable({ isLive: connectedHere(libp2p) })
    libp2p.addEventListener('peer:disconnect', (event) => { announced.dropPeer(event.detail.toString()) })

    const self = (): PeerRecord => ({
      Schema: 'peer',
      ID: peerId,
      Addrs: [...multiaddrs.map(withoutPeerId), httpMultiaddr(host, http?.port ?? 0)],
      Protocols: ['transport-bitswap', 'transport-ipfs-gateway-http']
    })

    const fn = startFunctions(functions, stores.blockstore)
    functionRunner = fn.runner

    http = await startHttpServer([
      trustlessGateway({ blockstore: stores.blockstore, getCodec: helia.getCodec, logger: helia.logger }),
      ipnsRecordGateway({ ipnsRecords }),
      delegatedRouting({ blockstore: stores.blockstore, ipnsRecords, self, announced }),
      dnsQuery(dnslinkTable),
      infoRoute(() => info as EdgeInfo),
      fn.route
    ], { host, port: httpPort })

    const base = httpUrl(host, http.port)
    info = { peerId, multiaddrs, http: base, roots, ipns, dns: `${base}${DNS_QUERY_PATH}`, functions: functionRunner != null }
    log('edge %s ready in %d ms: %s, %o', peerId, Date.now() - started, info.http, multiaddrs)

    return {
      info,
      helia,
      blockstore: stores.blockstore,
      stop: once(async () => { await stopAll(http, functionRunner, helia, stores) })
    }
  } catch (err) {
    await stopAll(http, functionRunner, helia, stores).catch((stopErr) => { log.error('cleanup after a failed start failed - %e', stopErr) })
    throw err
  }
}

async function stopAll (http: EdgeHttpServer | undefined, functions: FunctionRunner | undefined, helia: EdgeHelia | undefined, stores: EdgeStores): Promise<void> {
  const started = Date.now()
  await http?.close()
  await functions?.close()
  await helia?.stop()
  await stores.close()
  log('edge stopped in %d ms', Date.now() - started)
}

function once (fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined
  return async () => {
    result ??= fn()
    return result
  }
}

import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { startEdge } from '../../../edge/node/start-edge.ts'
import { makeSite } from '../../../e2e/support/content.ts'
import { startCountingEdgeProxy } from '../../../e2e/support/counting-edge-proxy.ts'
import { siteFiles, writeHamtCar } from './fixtures.ts'
import { startTestGateway } from './test-gateway.ts'
import type { Edge } from '../../../edge/node/types.ts'
import type { CountingEdgeProxy } from '../../../e2e/support/counting-edge-proxy.ts'
import type { TestGateway } from './test-gateway.ts'

/** What the content engine's tests read from: filled by the hooks `contentEngine` registers. */
export interface ContentEngine {
  /** The site's files by path (siteFiles) */
  files: Record<string, Uint8Array | string>
  /** The site's root CID, a HAMT directory's, and a DAG-CBOR node linking into it */
  root: string
  hamtRoot: string
  dagNode: string
  /** The edge, behind a proxy that counts requests and bytes */
  proxy: CountingEdgeProxy
  /** A browser that has never seen the content (an empty store), new for each test */
  gateway: TestGateway
}

/**
 * Registers the hooks of the content engine's tests in the calling file: one
 * real edge on loopback serving the site and a HAMT CAR, for the file; a new
 * test gateway with an empty store for each test.
 */
export function contentEngine (): ContentEngine {
  const engine = {} as ContentEngine
  let site: Awaited<ReturnType<typeof makeSite>> | undefined
  let cars: Awaited<ReturnType<typeof makeSite>> | undefined
  let edge: Edge | undefined

  beforeAll(async () => {
    engine.files = siteFiles()
    site = await makeSite(engine.files)
    cars = await makeSite({})
    const hamt = await writeHamtCar(cars.dir)
    edge = await startEdge({ serve: [site.dir, hamt.file] })
    engine.root = edge.info.roots[site.dir]
    engine.hamtRoot = hamt.root.toString()
    engine.dagNode = hamt.dagNode.toString()
    engine.proxy = await startCountingEdgeProxy(edge.info.http)
  })

  afterAll(async () => {
    await engine.proxy?.stop()
    await edge?.stop()
    await site?.remove()
    await cars?.remove()
  })

  beforeEach(async () => {
    engine.gateway = await startTestGateway({ edges: [engine.proxy.url] })
  })

  afterEach(async () => {
    await engine.gateway?.stop()
  })

  return engine
}

/** A response's whole body. */
export async function bytesOf (response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer())
}

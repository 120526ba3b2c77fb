import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeSite, randomFile, sha256 } from '../support/content.ts'
import { startKubo } from '../support/kubo.ts'
import { providedKubo } from '../support/kubo-provided.ts'
import { spawnEdge } from '../support/processes.ts'
import type { EdgeInfo } from '../../edge/node/types.ts'
import type { KuboNode } from '../support/kubo.ts'
import type { Running } from '../support/processes.ts'

const MiB = 1024 * 1024
const kubo = providedKubo()

describe.skipIf(kubo.skipped != null)(`our edge as a member of the IPFS network${kubo.skipped == null ? '' : ` (skipped: ${kubo.skipped})`}`, () => {
  let edge: Running<EdgeInfo>
  let node: KuboNode
  let site: Awaited<ReturnType<typeof makeSite>>
  let root: string
  const file = randomFile(5 * MiB + 4_321)
  const page = '<!doctype html><h1>held by the edge</h1>'

  beforeAll(async () => {
    site = await makeSite({ 'index.html': page, 'data/file.bin': file })
    ;[edge, node] = await Promise.all([spawnEdge(['--serve', site.dir]), startKubo(kubo.path!)])
    root = edge.info.roots[site.dir]
  })

  afterAll(async () => {
    await node?.stop()
    expect(await edge?.stop()).toBe(0)
    await site?.remove()
  })

  it('a Kubo node connected to our edge\'s /ws address fetches a file only the edge holds, over bitswap', async () => {
    const ws = edge.info.multiaddrs.find(a => a.includes('/ws/'))
    expect(ws).toBeDefined()
    await node.connect(ws!)
    // the edge is Kubo's only peer, and Kubo's fresh repository has none of it
    expect((await node.ipfs(['swarm', 'peers'])).trim().split('\n')).toEqual([expect.stringContaining(edge.info.peerId)])
    expect(await node.ipfs(['refs', 'local'])).not.toContain(root)

    const bytes = await node.cat(`/ipfs/${root}/data/file.bin`)
    expect(bytes.byteLength).toBe(file.byteLength)
    expect(sha256(bytes)).toBe(sha256(file))
    expect(new TextDecoder().decode(await node.cat(`/ipfs/${root}/index.html`))).toBe(page)

    const stats = JSON.parse(await node.ipfs(['stats', 'bitswap', '--enc=json'])) as { BlocksReceived: number }
    expect(stats.BlocksReceived).toBeGreaterThanOrEqual(Math.ceil(file.byteLength / (256 * 1024)))
  })
})

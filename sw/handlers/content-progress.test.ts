/**
 * What the content handler tells a followed request's report (the SDK's
 * onProgress through the SW): every block the response uses, with its bytes,
 * then `done` once, when the body is read or the fetch fails; a request
 * refused before any fetch is not its to end (ProgressReports ends it).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { absentCid, makeSite, randomFile } from '../../e2e/support/content.ts'
import { startTestGateway } from '../../src/content/test-support/test-gateway.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { TestGateway } from '../../src/content/test-support/test-gateway.ts'
import type { ProgressReport } from '../progress-reports.ts'

const FILE = randomFile(600 * 1024)

/** A report that writes down what it is told, in order */
function recorder (): { report: ProgressReport, told: string[], bytes: () => number } {
  const told: string[] = []
  let bytes = 0
  return {
    told,
    bytes: () => bytes,
    report: {
      onUse (source, blocks, added) {
        bytes += added
        told.push(`use ${source}`)
      },
      fetching () { told.push('fetching') },
      done () { told.push('done') }
    }
  }
}

describe('the content handler reports to a followed request', () => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let edge: Edge
  let root: string
  let gateway: TestGateway | undefined

  beforeAll(async () => {
    site = await makeSite({ 'file.bin': FILE })
    edge = await startEdge({ serve: [site.dir] })
    root = edge.info.roots[site.dir]
  })

  afterEach(async () => { await gateway?.stop() })

  afterAll(async () => {
    await edge?.stop()
    await site?.remove()
  })

  it('each block and its bytes, then done once the body is read', async () => {
    const { report, told, bytes } = recorder()
    gateway = await startTestGateway({ edges: [edge.info.http], progress: () => report })
    const response = await gateway.fetch(`/ipfs/${root}/file.bin`)
    expect((await response.arrayBuffer()).byteLength).toBe(FILE.byteLength)
    await gateway.settled()
    expect(told[0]).toBe('fetching')
    expect(told.at(-1)).toBe('done')
    expect(told.filter(step => step === 'done')).toHaveLength(1)
    expect(told.filter(step => step.startsWith('use')).length).toBeGreaterThan(1)
    expect(bytes()).toBeGreaterThanOrEqual(FILE.byteLength)
    expect(bytes()).toBeLessThan(FILE.byteLength + 64 * 1024)
  })

  it('done when the fetch fails; nothing for a request refused before it fetched', async () => {
    const { report, told } = recorder()
    gateway = await startTestGateway({ edges: [edge.info.http], progress: () => report })
    expect((await gateway.fetch(`/ipfs/${await absentCid()}`)).status).toBeGreaterThanOrEqual(400)
    await gateway.settled()
    expect(told).toEqual(['fetching', 'done'])

    told.length = 0
    expect((await gateway.fetch('/ipfs/not-a-cid/')).status).toBe(400)
    expect(told).toEqual([])
  })
})

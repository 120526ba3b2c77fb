import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from './support/bad-requests.ts'
import { randomFile, sha256 } from './support/content.ts'
import { sendMany } from './support/send-many.ts'
import { startSiteGateway } from './support/site-gateway.ts'
import type { SiteGateway } from './support/site-gateway.ts'
import type { Page } from 'playwright-core'

const FILES = 200
const KiB = 1024

/** 150 small files (1–64 KiB, one block) and 50 medium ones (256 KiB–1 MiB, several blocks and a DAG node). */
function fileSize (i: number, random: () => number): number {
  return i % 4 === 3 ? Math.floor((256 + random() * 768) * KiB) : Math.floor((1 + random() * 63) * KiB)
}

describe(`load: ${FILES} concurrent requests for different files`, () => {
  let gateway: SiteGateway
  let page: Page
  let root: string
  const random = seededRandom(FILES)
  const files = Array.from({ length: FILES }, (_, i) => randomFile(fileSize(i, random)))
  const urls = (): Array<{ url: string }> => files.map((_, i) => ({ url: `/ipfs/${root}/f${i}.bin` }))

  beforeAll(async () => {
    gateway = await startSiteGateway(Object.fromEntries(files.map((bytes, i) => [`f${i}.bin`, bytes])))
    ;({ page, root } = gateway)
  })

  afterAll(async () => {
    await gateway?.stop()
  })

  const wrongAnswers = (results: Awaited<ReturnType<typeof sendMany>>): string[] => results.flatMap((result, i) =>
    result.status === 200 && result.sha256 === sha256(files[i]) ? [] : [`f${i}.bin (${files[i].byteLength} bytes): ${result.error ?? result.status}, ${result.length} bytes`])

  it('all 200 at once from the edge, each with the right bytes', async () => {
    const results = await sendMany(page, urls(), { concurrency: FILES, deadlineMs: 90_000, hash: true })
    const wrong = wrongAnswers(results)
    expect(wrong.length, wrong.slice(0, 10).join('\n')).toBe(0)
  }, 120_000)

  it('all 200 at once again, now from this browser\'s store, while it records their reads', async () => {
    const results = await sendMany(page, urls().reverse(), { concurrency: FILES, deadlineMs: 90_000, hash: true })
    const wrong = wrongAnswers(results.reverse())
    expect(wrong.length, wrong.slice(0, 10).join('\n')).toBe(0)
  }, 120_000)
})

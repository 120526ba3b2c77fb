import { expectBody, timedRead } from '../support/in-page.ts'
import { openGateway, repeat } from '../support/environment.ts'
import { knowLimitDigests, limitUrl, openLimit } from '../support/limit-server.ts'
import { series } from '../support/stats.ts'
import { timeCheck } from '../support/checks.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'

/**
 * P3: time to first byte of a small file nobody has read yet: through
 * Edgeway's SW (running, connected, but without the file's blocks) vs direct
 * HTTP from the static server, and vs the limit: a minimal SW on its own
 * origin that fetches the file from a plain server and answers it, with no
 * work and with the SHA-256 check of its block against a digest it already
 * holds (as Edgeway holds the file's CID from its directory); and vs vanilla
 * verified-fetch as a SW. Each run asks for a different file.
 */
export const p3FirstByte: Measure = {
  id: 'P3',
  title: 'Time to first byte, small file, cold',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const edgewayContext = await env.browser.newContext()
    const plainContext = await env.browser.newContext()
    const limitContext = await env.browser.newContext()
    const vanillaContext = await env.browser.newContext()
    try {
      const edgewayPage = await edgewayContext.newPage()
      await openGateway(env, edgewayPage)
      const plainPage = await plainContext.newPage()
      await plainPage.goto(`${env.plain}/blank.html`)
      const limitPage = await limitContext.newPage()
      await openLimit(env.limit, limitPage)
      // vanilla verified-fetch's SW, installed by its bootstrap page, its node started by the first-hit page (in the same root)
      const vanillaPage = await vanillaContext.newPage()
      await vanillaPage.goto(`${env.limit}/vf/ipfs/${env.root}/${env.content.firstHit.path}`, { waitUntil: 'commit' })
      await vanillaPage.locator(`#${env.content.firstHit.marker}`).waitFor({ state: 'visible', timeout: 60_000 })
      const edgeway: number[] = []
      const plain: number[] = []
      const limitNone: number[] = []
      const limitSha256: number[] = []
      const vanilla: number[] = []
      await repeat(env, 'P3', async (run, recorded) => {
        const file = env.content.small[run]
        const viaEdgeway = await timedRead(edgewayPage, { url: `/ipfs/${env.root}/${file.path}`, sha256: true })
        expectBody(viaEdgeway, file, 'P3 Edgeway')
        const viaHttp = await timedRead(plainPage, { url: `/files/${file.path}`, sha256: true })
        expectBody(viaHttp, file, 'P3 plain HTTP')
        await knowLimitDigests(limitPage, file.path)
        const viaLimit = await timedRead(limitPage, { url: limitUrl('network', false, file.path), sha256: true })
        expectBody(viaLimit, file, 'P3 SW limit')
        const viaHashingLimit = await timedRead(limitPage, { url: limitUrl('network', true, file.path), sha256: true })
        expectBody(viaHashingLimit, file, 'P3 SW limit with SHA-256')
        const viaVanilla = await timedRead(vanillaPage, { url: `/vf/ipfs/${env.root}/${file.path}`, sha256: true })
        expectBody(viaVanilla, file, 'P3 vanilla verified-fetch SW')
        if (recorded) {
          edgeway.push(viaEdgeway.firstByteMs)
          plain.push(viaHttp.firstByteMs)
          limitNone.push(viaLimit.firstByteMs)
          limitSha256.push(viaHashingLimit.firstByteMs)
          vanilla.push(viaVanilla.firstByteMs)
        }
      })
      const subject = series('Edgeway SW', 'ms', edgeway)
      const anchor = series('plain HTTP', 'ms', plain)
      const fetched = series('SW limit, fetched', 'ms', limitNone)
      const hashing = series('SW limit, fetched+SHA-256', 'ms', limitSha256)
      const floor = series('vanilla verified-fetch SW', 'ms', vanilla)
      return {
        id: 'P3',
        title: this.title,
        description: `Time from fetch() to the first body byte of a ${env.sizes.smallFile} byte file not yet read by anyone: through Edgeway's SW (installed and started, empty store) vs direct HTTP from the static server vs the limit, a minimal SW on its own origin fetching the file from a plain server and answering it, with no work and with one SHA-256 check against a digest it already holds, and vs vanilla @helia/verified-fetch as a SW (over HTTP against the same edge, blocks in memory, the root already read).`,
        status: 'ok',
        series: [subject, anchor, fetched, hashing, floor],
        checks: [
          timeCheck(subject, anchor, 1.5),
          timeCheck(subject, hashing),
          timeCheck(subject, floor),
          { ...timeCheck(floor, anchor), label: 'vanilla verified-fetch SW vs plain HTTP' },
          { ...timeCheck(hashing, anchor), label: 'hashing limit vs plain HTTP' },
          { ...timeCheck(fetched, anchor), label: 'fetching limit vs plain HTTP' }
        ]
      }
    } finally {
      await Promise.all([edgewayContext.close(), plainContext.close(), limitContext.close(), vanillaContext.close()])
    }
  }
}

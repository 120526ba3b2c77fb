import { expectBody, timedRead } from '../support/in-page.ts'
import { openGateway, repeat } from '../support/environment.ts'
import { series } from '../support/stats.ts'
import { timeCheck } from '../support/checks.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'

/**
 * P3: time to first byte of a small file nobody has read yet: through
 * Edgeway's SW (running, connected, but without the file's blocks) vs direct
 * HTTP from the static server. Each run asks for a different file.
 */
export const p3FirstByte: Measure = {
  id: 'P3',
  title: 'Time to first byte, small file, cold',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const edgewayContext = await env.browser.newContext()
    const plainContext = await env.browser.newContext()
    try {
      const edgewayPage = await edgewayContext.newPage()
      await openGateway(env, edgewayPage)
      const plainPage = await plainContext.newPage()
      await plainPage.goto(`${env.plain}/blank.html`)
      const edgeway: number[] = []
      const plain: number[] = []
      await repeat(env, 'P3', async (run, recorded) => {
        const file = env.content.small[run]
        const viaEdgeway = await timedRead(edgewayPage, { url: `/ipfs/${env.root}/${file.path}`, sha256: true })
        expectBody(viaEdgeway, file, 'P3 Edgeway')
        const viaHttp = await timedRead(plainPage, { url: `/files/${file.path}`, sha256: true })
        expectBody(viaHttp, file, 'P3 plain HTTP')
        if (recorded) {
          edgeway.push(viaEdgeway.firstByteMs)
          plain.push(viaHttp.firstByteMs)
        }
      })
      const subject = series('Edgeway SW', 'ms', edgeway)
      const anchor = series('plain HTTP', 'ms', plain)
      return {
        id: 'P3',
        title: this.title,
        description: `Time from fetch() to the first body byte of a ${env.sizes.smallFile} byte file not yet read by anyone: through Edgeway's SW (installed and started, empty store) vs direct HTTP from the static server.`,
        status: 'ok',
        series: [subject, anchor],
        checks: [timeCheck(subject, anchor, 1.5)]
      }
    } finally {
      await Promise.all([edgewayContext.close(), plainContext.close()])
    }
  }
}

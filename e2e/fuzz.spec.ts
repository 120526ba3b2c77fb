import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { badRequests, fuzzSeed, judgeBadAnswers } from './support/bad-requests.ts'
import { randomFile, sha256 } from './support/content.ts'
import { fetchInPage, swStartedAt } from './support/page-helpers.ts'
import { sendMany } from './support/send-many.ts'
import { startSiteGateway } from './support/site-gateway.ts'
import type { SiteGateway } from './support/site-gateway.ts'

/** Bad requests per run; `EDGEWAY_FUZZ_COUNT` for more (`npm run bench -- --long` sends 20,000) */
const COUNT = Number(process.env.EDGEWAY_FUZZ_COUNT ?? 1200)
const FILE_SIZE = 300_000
const DEADLINE_MS = 5_000

describe('fuzz: bad URLs and headers through the service worker', () => {
  let gateway: SiteGateway
  const file = randomFile(FILE_SIZE)

  beforeAll(async () => {
    // a short idle timeout: even a request that wrongly waited for a source would end well inside the deadline
    gateway = await startSiteGateway({ 'index.html': '<h1>fuzz</h1>', 'data.bin': file }, { launcherArgs: ['--timeout-ms', '3000'] })
  })

  afterAll(async () => {
    await gateway?.stop()
  })

  it(`answers ${COUNT} seeded bad requests with an error page within ${DEADLINE_MS / 1000} s each, and a good request still works after`, async () => {
    const { page, root } = gateway
    const good = await fetchInPage(page, `/ipfs/${root}/data.bin`)
    expect(good.sha256).toBe(sha256(file))
    const startedAt = await swStartedAt(page)

    const seed = fuzzSeed()
    process.stderr.write(`fuzz: seed ${seed} (repeat with EDGEWAY_FUZZ_SEED=${seed}), ${COUNT} requests\n`)
    const requests = badRequests(seed, COUNT, { root, file: 'data.bin', fileSize: FILE_SIZE })
    const results = await sendMany(page, requests, { concurrency: 16, deadlineMs: DEADLINE_MS })

    const { statuses, failures, worstMs } = judgeBadAnswers(requests, results)
    process.stderr.write(`fuzz: statuses ${JSON.stringify(statuses)}, slowest ${worstMs} ms\n`)
    expect(failures.length, `seed ${seed}: not answered with an error page in time:\n${failures.slice(0, 20).join('\n')}`).toBe(0)

    // the same SW instance is still running, and still serves content
    expect(await swStartedAt(page)).toBe(startedAt)
    const after = await fetchInPage(page, `/ipfs/${root}/data.bin`)
    expect(after.status).toBe(200)
    expect(after.sha256).toBe(sha256(file))
  }, 180_000)
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FunctionPool } from '../node/function-pool.ts'

describe('a function\'s local time on an edge', () => {
  let pool: FunctionPool
  const zone = process.env.TZ

  beforeAll(() => {
    // an edge in a zone west of UTC, whose worker threads start in it
    process.env.TZ = 'America/New_York'
    pool = new FunctionPool({ workers: 1 })
  })

  afterAll(async () => {
    await pool?.close()
    if (zone == null) delete process.env.TZ
    else process.env.TZ = zone
  })

  it('is UTC, whatever the edge\'s time zone, as it is in a browser', async () => {
    expect(new Date(2020, 0, 1).getTimezoneOffset()).toBe(300)
    const source = `export default async () => Response.json({
      time: new Date(2020, 0, 1).getTime(),
      hours: new Date(Date.UTC(2020, 6, 1, 12)).getHours(),
      offset: new Date(Date.UTC(2020, 6, 1)).getTimezoneOffset(),
      parsed: new Date('2024-05-01T10:00').toISOString()
    })`
    const { response } = await pool.run('bafylocaltime', source, { method: 'GET', url: 'http://edge.test/', headers: [], body: new Uint8Array(0) })
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({ time: Date.UTC(2020, 0, 1), hours: 12, offset: 0, parsed: '2024-05-01T10:00:00.000Z' })
  })
})

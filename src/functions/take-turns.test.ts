import { describe, expect, it } from 'vitest'
import { TakeTurns } from './take-turns.ts'

/** A piece of work that ends when told to */
function gate (): { work: () => Promise<string>, open: (value: string) => void, started: () => boolean } {
  let open!: (value: string) => void
  let started = false
  const done = new Promise<string>(resolve => { open = resolve })
  return { work: async () => { started = true; return done }, open, started: () => started }
}

describe('TakeTurns', () => {
  it('runs one piece at a time, in order, and refuses more than it may hold', async () => {
    const turns = new TakeTurns(2)
    const [a, b, c] = [gate(), gate(), gate()]
    const results = [turns.run(a.work), turns.run(b.work), turns.run(c.work)]
    await expect(turns.run(async () => 'd')).rejects.toMatchObject({ name: 'FunctionBusyError', message: expect.stringContaining('2 calls are waiting') })

    await Promise.resolve()
    expect([a.started(), b.started(), c.started()]).toEqual([true, false, false])
    a.open('a')
    expect(await results[0]).toBe('a')
    // a place is free again once one settled
    const e = turns.run(async () => 'e')
    b.open('b')
    c.open('c')
    expect(await Promise.all([results[1], results[2], e])).toEqual(['b', 'c', 'e'])
  })

  it('goes on after a piece that failed, and counts it out', async () => {
    const turns = new TakeTurns(0)
    await expect(turns.run(async () => { throw new Error('broken') })).rejects.toThrow('broken')
    expect(await turns.run(async () => 'next')).toBe('next')
  })

  it('lets a waiting piece be given up, freeing its place at once; a running one runs on', async () => {
    const turns = new TakeTurns(1)
    const a = gate()
    const running = turns.run(a.work, { signal: new AbortController().signal })
    const leaving = new AbortController()
    let skippedRan = false
    const waiting = turns.run(async () => { skippedRan = true; return 'never' }, { signal: leaving.signal })
    await expect(turns.run(async () => 'refused')).rejects.toMatchObject({ name: 'FunctionBusyError' })

    leaving.abort(new Error('the page gave up'))
    await expect(waiting).rejects.toThrow('the page gave up')
    // its place is free while the first still runs
    const next = turns.run(async () => 'next')
    a.open('a')
    expect(await Promise.all([running, next])).toEqual(['a', 'next'])
    expect(skippedRan).toBe(false)
  })
})

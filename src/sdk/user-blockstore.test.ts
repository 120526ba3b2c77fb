import { MemoryBlockstore } from 'blockstore-core'
import { describe, expect, it } from 'vitest'
import { asBlockstore } from './user-blockstore.ts'

describe('asBlockstore', () => {
  it('takes a Blockstore as it is', () => {
    const store = new MemoryBlockstore()
    expect(asBlockstore(store)).toBe(store)
  })

  it('refuses a store without all of a Blockstore\'s methods, naming what it lacks', () => {
    const half = { get () {}, put () {}, has () {}, delete () {} }
    expect(() => asBlockstore(half)).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('putMany, getMany, getAll, deleteMany') }))
  })
})

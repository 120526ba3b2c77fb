import { describe, expect, it, vi } from 'vitest'
import { KEEP_FINISHED_MS, MAX_FOLLOWED, ProgressBoard } from './progress-board.ts'

const TRIED = { edges: [], routers: [] }

describe('ProgressBoard', () => {
  it('follows at most MAX_FOLLOWED navigations, dropping the oldest', () => {
    const board = new ProgressBoard()
    for (let i = 0; i <= MAX_FOLLOWED; i++) board.follow(`k${i}`, `/p${i}`, TRIED)
    expect(board.size).toBe(MAX_FOLLOWED)
    expect(board.get('k0')).toBeUndefined()
    expect(board.get(`k${MAX_FOLLOWED}`)).toMatchObject({ path: `/p${MAX_FOLLOWED}`, state: 'fetching' })
  })

  it('keeps a finished navigation for its page a while, then drops it; a newer one of the same link stays', () => {
    vi.useFakeTimers()
    try {
      const board = new ProgressBoard()
      const first = board.follow('k', '/p', TRIED)
      first.onUse('edge', 1, 500)
      first.done()
      expect(board.get('k')).toMatchObject({ state: 'done', bytes: { edge: 500 } })
      vi.advanceTimersByTime(KEEP_FINISHED_MS)
      expect(board.get('k')).toBeUndefined()
      const again = board.follow('k', '/p', TRIED)
      board.follow('k', '/p', TRIED)
      again.failed(504, 'late')
      vi.advanceTimersByTime(KEEP_FINISHED_MS)
      expect(board.get('k')).toMatchObject({ state: 'fetching' })
    } finally {
      vi.useRealTimers()
    }
  })
})

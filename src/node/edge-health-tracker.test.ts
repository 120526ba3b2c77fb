import { describe, expect, it } from 'vitest'
import { EdgeHealth } from './edge-health-tracker.ts'
import type { EdgeRecord } from '../lib/edge-health.ts'
import type { HealthPersistence } from './edge-health-tracker.ts'

/** A store that remembers each save, standing in for IndexedDB. */
function memoryPersistence (stored: EdgeRecord[] = []): HealthPersistence & { saves: EdgeRecord[][] } {
  const saves: EdgeRecord[][] = []
  return {
    saves,
    load: async () => stored,
    save: async records => { saves.push(records) }
  }
}

describe('EdgeHealth', () => {
  it('writes many measurements as one batch after the delay, never one write each', async () => {
    const persistence = memoryPersistence()
    const health = new EdgeHealth({ persistence, flushDelayMs: 30 })
    for (let i = 0; i < 100; i++) health.answered('http://a', 10 + i % 5)
    health.transferred('http://b', 1024 * 1024, 20)
    expect(persistence.saves).toHaveLength(0)
    await expect.poll(() => persistence.saves.length).toBe(1)
    expect(persistence.saves[0].map(record => record.key).sort()).toEqual(['http://a', 'http://b'])
    expect(persistence.saves[0].find(record => record.key === 'http://a')?.answers).toBe(100)
  })

  it('writes a demotion at once', async () => {
    const persistence = memoryPersistence()
    const health = new EdgeHealth({ persistence, flushDelayMs: 60_000 })
    health.lied('http://liar')
    await expect.poll(() => persistence.saves.length).toBe(1)
    expect(persistence.saves[0][0].demotedUntil).toBeGreaterThan(Date.now())
  })

  it('starts from what was stored: a restarted SW still asks a demoted edge last', async () => {
    const before = new EdgeHealth()
    before.answered('http://liar', 1)
    before.lied('http://liar')
    before.answered('http://honest', 50)
    const after = new EdgeHealth({ persistence: memoryPersistence([before.record('http://liar')!, before.record('http://honest')!]) })
    await after.load()
    expect(after.isDemoted('http://liar')).toBe(true)
    expect(after.rank(['http://liar', 'http://honest'], url => url)).toEqual(['http://honest', 'http://liar'])
  })

  it('keeps measuring when the store cannot be read', async () => {
    const health = new EdgeHealth({ persistence: { load: async () => { throw new Error('blocked') }, save: async () => {} } })
    await health.load()
    health.answered('http://a', 5)
    expect(health.record('http://a')?.answers).toBe(1)
  })

  it('measures at most maxRecords sources, forgetting the least recently updated and keeping a demoted one longest', () => {
    const health = new EdgeHealth({ maxRecords: 3 })
    health.lied('https://liar.example')
    for (let i = 0; i < 10; i++) {
      health.answered(`https://p${i}.example`, 10)
    }
    expect(['https://liar.example', ...Array.from({ length: 10 }, (_, i) => `https://p${i}.example`)].filter(key => health.record(key) != null))
      .toEqual(['https://liar.example', 'https://p8.example', 'https://p9.example'])
    // one updated again is kept over an older one
    health.answered('https://p8.example', 10)
    health.answered('https://p10.example', 10)
    expect(health.record('https://p8.example')).toBeDefined()
    expect(health.record('https://p9.example')).toBeUndefined()
    expect(health.isDemoted('https://liar.example')).toBe(true)
  })
})


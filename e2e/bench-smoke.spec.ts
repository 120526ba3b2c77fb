import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../bench/types.ts'

const ROOT = resolve(import.meta.dirname, '..')

/**
 * `npm run bench -- --quick` end to end: the harness runs every measure
 * against a real edge and Chromium and writes its three reports. No timing
 * is judged here; only that each measure ran and reported what it measured.
 */
describe('benchmark harness (quick)', () => {
  let out = ''
  afterAll(async () => { if (out !== '') await rm(out, { recursive: true, force: true }) })

  it('runs every measure and writes latest.json, latest.html and latest.png', async () => {
    out = await mkdtemp(join(tmpdir(), 'edgeway-bench-smoke-'))
    const { code, stdout, stderr } = await run(['bench/run.ts', '--quick', '--out', out])
    expect(code, stderr.slice(-3000)).toBe(0)

    const results = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')) as BenchResults
    expect(results.quick).toBe(true)
    expect(results.measures.map(m => m.id)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'P11', 'hash', 'forged'])
    for (const measure of results.measures) {
      expect(measure.status, `${measure.id}: ${measure.note ?? ''}`).toBe('ok')
      expect(measure.series.length).toBeGreaterThan(0)
      for (const series of measure.series) {
        expect(series.runs.length).toBeGreaterThan(0)
        // P6 counts bytes by source: a source may have sent none
        expect(series.runs.every(value => Number.isFinite(value) && (value > 0 || (measure.id === 'P6' && value === 0)))).toBe(true)
      }
      expect(measure.checks.every(check => Number.isFinite(check.value))).toBe(true)
    }
    // P1's eight paths (three of them the minimal SW's limit, one the SDK in a page), or seven with a note where
    // Kubo could not be built
    const p1 = results.measures.find(m => m.id === 'P1')
    expect(p1?.timelines?.length).toBe(p1?.note?.startsWith('Edgeway via Kubo skipped') === true ? 7 : 8)
    expect(p1?.series.map(s => s.label)).toContain('Edgeway SDK in page')
    expect(p1?.checks.find(check => check.label === 'vs SW limit, fetched+SHA-256')?.goal).toBe(0.8)
    // P2 against the Cache API and the limit from memory, with and without a hash per block
    expect(results.measures.find(m => m.id === 'P2')?.series.map(s => s.label)).toEqual(['Edgeway SW (verified files)', 'Cache API via SW', 'SW limit, in memory', 'SW limit, in memory+SHA-256'])

    const html = await readFile(join(out, 'latest.html'), 'utf8')
    expect(html).toContain('<svg')
    expect(html).toContain('P1')
    const png = await readFile(join(out, 'latest.png'))
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect((await stat(join(out, 'latest.png'))).size).toBeGreaterThan(10_000)
    expect(stdout).toContain('P1')
  }, 600_000)
})

async function run (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>(resolve => { child.once('exit', resolve) })
  return { code, stdout, stderr }
}

import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkBody } from './check-body.ts'
import { readTar } from './read-tar.ts'

/** Archives made by the system's tar, so the reader is checked against an independent writer. */
const dir = mkdtempSync(join(tmpdir(), 'edgeway-tar-test-'))
const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`
mkdirSync(join(dir, 'root', 'ą', 'ę'), { recursive: true })
mkdirSync(join(dir, 'root', longDir), { recursive: true })
writeFileSync(join(dir, 'root', 'ą', 'ę', 'file-źł.txt'), 'I am a txt file on path with utf8\n')
writeFileSync(join(dir, 'root', longDir, 'long.txt'), 'x'.repeat(1000))
symlinkSync('ą/ę/file-źł.txt', join(dir, 'root', 'link'))

const tar = (format: string, path = 'root'): Uint8Array =>
  new Uint8Array(execFileSync('tar', ['-c', `--format=${format}`, '-C', dir, path]))

afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('readTar', () => {
  it.each(['ustar', 'pax', 'gnu'])('reads names (prefix field, pax path, GNU long name) and contents: %s', (format) => {
    const entries = readTar(tar(format))
    const byName = new Map(entries.map(entry => [entry.name.replace(/\/$/, ''), entry]))
    expect(new TextDecoder().decode(byName.get('root/ą/ę/file-źł.txt')?.content)).toBe('I am a txt file on path with utf8\n')
    expect(byName.get(`root/${longDir}/long.txt`)?.content.byteLength).toBe(1000)
    expect(byName.get('root/ą')?.type).toBe('5')
    expect(byName.get('root/link')).toMatchObject({ type: '2', linkname: 'ą/ę/file-źł.txt' })
  })

  it('rejects what is not a tar archive', () => {
    expect(() => readTar(new TextEncoder().encode('<html>not a tar</html>'))).toThrow(/less than one 512-byte header/)
    expect(() => readTar(new Uint8Array(1024).fill(0x41))).toThrow(/checksum|octal/)
    const damaged = tar('ustar')
    damaged[3] ^= 0xff
    expect(() => readTar(damaged)).toThrow(/bad header checksum at offset 0/)
  })

  it('rejects an archive cut inside an entry', () => {
    const one = tar('ustar', `root/${longDir}/long.txt`)
    expect(() => readTar(one.subarray(0, 1024))).toThrow(/says 1000 bytes, the archive ends first/)
  })
})

describe('tar body check', () => {
  it('passes when each named entry is present with its content', async () => {
    const body = tar('pax')
    expect(await checkBody({ tar: { entries: [{ name: 'root/ą/ę/file-źł.txt', content_utf8: 'I am a txt file on path with utf8\n' }, { name: 'root/ą/' }] } }, body)).toEqual([])
    expect(await checkBody({ tar: { entries: [] } }, body)).toEqual([])
  })

  it('names a missing entry and a wrong content', async () => {
    const body = tar('ustar')
    const [missing] = await checkBody({ tar: { entries: [{ name: 'root/nope' }] } }, body)
    expect(missing).toMatch(/^body tar: no entry "root\/nope"; entries: root\//)
    expect(await checkBody({ tar: { entries: [{ name: 'root/ą/ę/file-źł.txt', content_utf8: 'other' }] } }, body))
      .toEqual(['body tar: entry "root/ą/ę/file-źł.txt" should hold "other", holds "I am a txt file on path with utf8\\n"'])
  })

  it('an empty entry list still needs a readable archive', async () => {
    expect(await checkBody({ tar: { entries: [] } }, new TextEncoder().encode('504 Gateway Timeout')))
      .toEqual(['body tar: not a readable tar archive (19 bytes, less than one 512-byte header)'])
  })
})

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureGoBinary } from './go-binary.ts'
import type { GoBinarySpec } from './go-binary.ts'

/**
 * A stand-in `go` on PATH: logs each call, answers `mod download` with a
 * read-only module folder, and "builds" by writing a script after a pause
 * (long enough for a second caller to find the lock held). `build` fails
 * when FAKE_GO_FAIL is set.
 */
const FAKE_GO = `#!/bin/sh
echo "$*" >> "$FAKE_GO_LOG"
case "$1" in
  version) echo "go version fake" ;;
  mod) printf '{"Dir":"%s"}\\n' "$FAKE_GO_MODULE" ;;
  get) ;;
  build)
    [ -n "$FAKE_GO_FAIL" ] && { echo "compile error" >&2; exit 2; }
    grep -q '^replace' go.mod && { echo "the replace line is still there" >&2; exit 3; }
    sleep 0.5; printf '#!/bin/sh\\necho built\\n' > "$4"; chmod +x "$4" ;;
  *) exit 1 ;;
esac
`

const SPEC: GoBinarySpec = {
  name: 'tool',
  module: 'example.com/tool',
  version: 'v1.2.3',
  pkg: './cmd/tool',
  binary: 'tool',
  async patch (source) {
    const goMod = join(source.dir, 'go.mod')
    await writeFile(goMod, (await readFile(goMod, 'utf8')).replace(/^replace .*$/m, ''))
    await source.go(['get', 'example.com/dep@v1.0.0'])
  }
}

describe('ensureGoBinary', () => {
  let dir: string
  let cacheRoot: string
  let module: string
  let log: string
  const saved = { ...process.env }
  const calls = async (): Promise<string[]> => existsSync(log) ? (await readFile(log, 'utf8')).trim().split('\n') : []
  const quiet = { log: () => {} }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-go-binary-'))
    cacheRoot = join(dir, 'cache')
    module = join(dir, 'modcache', 'example.com', 'tool@v1.2.3')
    log = join(dir, 'go.log')
    await mkdir(join(dir, 'bin'))
    await writeFile(join(dir, 'bin', 'go'), FAKE_GO, { mode: 0o755 })
    await mkdir(module, { recursive: true })
    await writeFile(join(module, 'go.mod'), 'module example.com/tool\nreplace example.com/dep => example.com/fork v0.0.0\n')
    // the module cache is read-only, as Go leaves it
    await chmod(join(module, 'go.mod'), 0o444)
    await chmod(module, 0o555)
    process.env.PATH = `${join(dir, 'bin')}:/usr/bin:/bin`
    process.env.FAKE_GO_LOG = log
    process.env.FAKE_GO_MODULE = module
    delete process.env.FAKE_GO_FAIL
  })

  afterEach(async () => {
    process.env = { ...saved }
    await chmod(module, 0o755).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })

  it('builds once for concurrent callers, from a patched copy of the module, into <root>/<name>-<version>/', async () => {
    const [a, b] = await Promise.all([ensureGoBinary(SPEC, { cacheRoot, ...quiet }), ensureGoBinary(SPEC, { cacheRoot, ...quiet })])
    const path = join(cacheRoot, 'tool-v1.2.3', 'tool')
    expect([a, b]).toEqual(expect.arrayContaining([{ path, built: true }, { path, built: false }]))
    expect(spawnSync(path).stdout.toString()).toBe('built\n')
    expect((await calls()).filter(call => call.startsWith('build'))).toHaveLength(1)
    expect(await calls()).toContain('get example.com/dep@v1.0.0')
    // only the binary is left: no lock, no build folder, and the module cache untouched
    expect(await readdir(join(cacheRoot, 'tool-v1.2.3'))).toEqual(['tool'])
    expect(await readFile(join(module, 'go.mod'), 'utf8')).toContain('replace')
  })

  it('answers from the cache without running go', async () => {
    await ensureGoBinary(SPEC, { cacheRoot, ...quiet })
    const before = await calls()
    process.env.PATH = '/nonexistent'
    expect(await ensureGoBinary(SPEC, { cacheRoot, ...quiet })).toEqual({ path: join(cacheRoot, 'tool-v1.2.3', 'tool'), built: false })
    expect(await calls()).toEqual(before)
  })

  it('is skipped, saying why, when go is not on PATH', async () => {
    process.env.PATH = '/nonexistent'
    const result = await ensureGoBinary(SPEC, { cacheRoot, ...quiet })
    expect(result).toEqual({ skipped: expect.stringContaining('`go` is not on PATH') })
    expect(existsSync(cacheRoot)).toBe(false)
  })

  it('takes over a lock left by a process that died', async () => {
    await mkdir(join(cacheRoot, 'tool-v1.2.3'), { recursive: true })
    const dead = spawnSync('true').pid
    await writeFile(join(cacheRoot, 'tool-v1.2.3', '.lock'), String(dead))
    expect(await ensureGoBinary(SPEC, { cacheRoot, ...quiet })).toMatchObject({ built: true })
  })

  it('throws GoBuildError when the build fails, leaving no binary and no lock', async () => {
    process.env.FAKE_GO_FAIL = '1'
    await expect(ensureGoBinary(SPEC, { cacheRoot, ...quiet })).rejects.toMatchObject({ name: 'GoBuildError', message: expect.stringContaining('compile error') })
    expect(await readdir(join(cacheRoot, 'tool-v1.2.3'))).toEqual([])
  })
})

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oneCopyPerVersion, packageOf } from './one-copy-per-version.ts'

/** A package whose one module says which copy it is; `marker` survives minification as a string. */
async function writePackage (dir: string, name: string, version: string, marker: string, dependencies: Record<string, string> = {}, body = ''): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version, type: 'module', main: 'index.js', dependencies }))
  await writeFile(join(dir, 'index.js'), `${body}export const which = () => '${marker}'\n`)
}

async function bundle (root: string, plugins: ReturnType<typeof oneCopyPerVersion>[]): Promise<string> {
  const out = await build({
    root,
    logLevel: 'silent',
    configFile: false,
    plugins,
    build: { write: false, minify: false, lib: { entry: join(root, 'entry.js'), formats: ['es'], fileName: 'out' } }
  })
  const outputs = Array.isArray(out) ? out : [out]
  return outputs.flatMap(o => 'output' in o ? o.output : []).map(chunk => chunk.type === 'chunk' ? chunk.code : '').join('\n')
}

describe('oneCopyPerVersion', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgeway-dedupe-'))
    const nm = join(root, 'node_modules')
    // the same version of `shared` nested under two packages, another major under a third
    await writePackage(join(nm, 'left'), 'left', '1.0.0', 'left', { shared: '^2.0.0' }, "import { which as s } from 'shared'\nexport const viaLeft = s\n")
    await writePackage(join(nm, 'left/node_modules/shared'), 'shared', '2.0.0', 'shared-2-in-left')
    await writePackage(join(nm, 'right'), 'right', '1.0.0', 'right', { shared: '^2.0.0' }, "import { which as s } from 'shared'\nexport const viaRight = s\n")
    await writePackage(join(nm, 'right/node_modules/shared'), 'shared', '2.0.0', 'shared-2-in-right')
    await writePackage(join(nm, 'older'), 'older', '1.0.0', 'older', { shared: '^1.0.0' }, "import { which as s } from 'shared'\nexport const viaOlder = s\n")
    await writePackage(join(nm, 'shared'), 'shared', '1.0.0', 'shared-1')
    await writeFile(join(root, 'entry.js'), "import { viaLeft } from 'left'\nimport { viaRight } from 'right'\nimport { viaOlder } from 'older'\nexport const all = [viaLeft(), viaRight(), viaOlder()]\n")
  })
  afterAll(async () => { await rm(root, { recursive: true, force: true }) })

  it('bundles each copy without it', async () => {
    const code = await bundle(root, [])
    expect(code).toContain('shared-2-in-left')
    expect(code).toContain('shared-2-in-right')
    expect(code).toContain('shared-1')
  })

  it('bundles one copy per exact version, and keeps other versions apart', async () => {
    const code = await bundle(root, [oneCopyPerVersion()])
    const twos = ['shared-2-in-left', 'shared-2-in-right'].filter(marker => code.includes(marker))
    expect(twos).toHaveLength(1)
    expect(code).toContain('shared-1')
  })

  it('names the package a file belongs to, scoped or not, by its last node_modules', () => {
    const base = join('/p', 'node_modules')
    expect(packageOf(join(base, 'a', 'node_modules', 'b', 'dist', 'x.js'))).toEqual({ dir: join(base, 'a', 'node_modules', 'b'), name: 'b' })
    expect(packageOf(join(base, '@s', 'c', 'index.js'))).toEqual({ dir: join(base, '@s', 'c'), name: '@s/c' })
    expect(packageOf(join('/p', 'src', 'x.ts'))).toBeUndefined()
  })
})

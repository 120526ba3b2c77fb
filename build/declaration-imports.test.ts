import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { declarationPackages, packageOf } from './declaration-imports.ts'

let dir: string | undefined

afterEach(async () => {
  if (dir != null) await rm(dir, { recursive: true, force: true })
})

describe('declarationPackages', () => {
  it('names the packages an entry\'s declarations reach, by the files that import them, not those it does not reach', async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-dts-'))
    await mkdir(join(dir, 'lib'))
    const files = {
      'index.d.ts': "import type { A } from './lib/a.js';\nexport type { B } from './lib/b.js';\nexport declare const c: import('multiformats/cid').CID;\n",
      'lib/a.d.ts': "import type { Blockstore } from 'interface-blockstore';\nexport interface A { s: Blockstore }\n",
      'lib/b.d.ts': "import type { A } from './a.js';\nimport type { PeerId } from '@libp2p/interface';\nexport type B = A | PeerId\n",
      'lib/unreached.d.ts': "import type { Helia } from '@helia/interface';\n"
    }
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
    const found = await declarationPackages(dir, 'index.d.ts')
    expect(Object.fromEntries(found)).toEqual({
      multiformats: ['index.d.ts'],
      'interface-blockstore': ['lib/a.d.ts'],
      '@libp2p/interface': ['lib/b.d.ts']
    })
  })

  it('reads a package name from a specifier', () => {
    expect(packageOf('@libp2p/interface')).toBe('@libp2p/interface')
    expect(packageOf('@multiformats/dns/resolvers')).toBe('@multiformats/dns')
    expect(packageOf('multiformats/hashes/interface')).toBe('multiformats')
  })
})

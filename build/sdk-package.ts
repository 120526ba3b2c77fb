import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const SDK = resolve(ROOT, 'dist/sdk')

/**
 * dist/sdk as the `edgeway` package a dApp installs: the built entries (all
 * dependencies bundled, so it installs nothing else) and their types. The
 * repository's own package.json is the gateway and edge, whose dependencies
 * run in Node; this one has none.
 */
const ENTRIES = {
  '.': { types: './types/src/sdk/index.d.ts', default: './edgeway.js' },
  './peer': { types: './types/src/peer/index.d.ts', default: './peer.js' },
  './sw': { types: './types/sw/edgeway-handler.d.ts', default: './sw.js' }
}

/** tsc keeps the `.ts` in relative imports it copies into declarations; a dApp's compiler resolves `.js` */
const TS_SPECIFIER = /(from\s+|import\(\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g

async function rewriteDeclarations (dir: string): Promise<number> {
  let count = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      count += await rewriteDeclarations(path)
    } else if (entry.name.endsWith('.d.ts')) {
      const text = await readFile(path, 'utf8')
      await writeFile(path, text.replace(TS_SPECIFIER, (_match, lead: string, quote: string, spec: string) => `${lead}${quote}${spec}.js${quote}`))
      count++
    }
  }
  return count
}

const root = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>
for (const [name, entry] of Object.entries(ENTRIES)) {
  await readFile(resolve(SDK, entry.default)).catch(() => { throw new Error(`dist/sdk has no ${entry.default} for "${name}": run npm run build first`) })
  await readFile(resolve(SDK, entry.types)).catch(() => { throw new Error(`dist/sdk has no ${entry.types} for "${name}": run the types build first`) })
}
const declarations = await rewriteDeclarations(resolve(SDK, 'types'))
const manifest = {
  name: root.name,
  version: root.version,
  description: 'Verified content for dApps: fetch IPFS content from edges and other browsers, every block checked against its hash',
  license: root.license,
  type: 'module',
  sideEffects: false,
  exports: ENTRIES,
  types: ENTRIES['.'].types,
  files: ['*.js', 'chunks/', 'types/']
}
await writeFile(resolve(SDK, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
process.stdout.write(`dist/sdk/package.json written (${declarations} declaration files)\n`)

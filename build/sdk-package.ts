import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { declarationPackages } from './declaration-imports.ts'

const ROOT = resolve(import.meta.dirname, '..')
const SDK = resolve(ROOT, 'dist/sdk')

/**
 * dist/sdk as the `edgeway` package a dApp installs: the built entries (all
 * dependencies bundled, so it runs nothing else) and their types. The
 * repository's own package.json is the gateway and edge, whose dependencies
 * run in Node; this one has no dependencies, only the optional peer
 * dependencies of the peer entry's declarations (PEER_ENTRY_TYPES).
 */
const ENTRIES = {
  '.': { types: './types/src/sdk/index.d.ts', default: './edgeway.js' },
  './peer': { types: './types/src/peer/index.d.ts', default: './peer.js' },
  './sw': { types: './types/sw/edgeway-handler.d.ts', default: './sw.js' }
}

/**
 * The packages the peer entry's declarations import (`edgeway/peer` exposes
 * the libp2p node's types), as optional peer dependencies: only a dApp that
 * imports that entry needs them, for its compiler (with `skipLibCheck: false`
 * it checks every declaration an import reaches). The core and `sw` entries'
 * declarations import no package at all, so the package installs, offline
 * too, with nothing else and type-checks as it is. Anything else an entry's
 * declarations reach fails this build: keep engine types out of the public
 * ones (src/sdk/types.ts, src/lib/types.ts).
 */
const PEER_ENTRY_TYPES = ['multiformats', 'interface-blockstore', '@libp2p/interface', '@helia/interface', 'progress-events', 'idb']

/** The declarations each entry reaches import no package, or, for the peer entry, only PEER_ENTRY_TYPES; else this throws saying which file does */
async function checkDeclarationImports (): Promise<void> {
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const packages = await declarationPackages(resolve(SDK, 'types'), entry.types.replace(/^\.\/types\//, ''))
    for (const [pkg, files] of packages) {
      if (name !== './peer' || !PEER_ENTRY_TYPES.includes(pkg)) {
        throw new Error(`the declarations of "${name}" import ${pkg} (${files.join(', ')}), which a dApp may not have: keep it out of the public types`)
      }
    }
  }
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
await checkDeclarationImports()
const rootDependencies = root.dependencies as Record<string, string>
const peerDependencies = Object.fromEntries(PEER_ENTRY_TYPES.map(pkg => {
  if (rootDependencies[pkg] == null) throw new Error(`${pkg} is no dependency of the repository: no version to ask of a dApp`)
  return [pkg, rootDependencies[pkg]]
}))
const peerDependenciesMeta = Object.fromEntries(PEER_ENTRY_TYPES.map(pkg => [pkg, { optional: true }]))
const manifest = {
  name: root.name,
  version: root.version,
  description: 'Verified content for dApps: fetch IPFS content from edges and other browsers, every block checked against its hash',
  license: root.license,
  type: 'module',
  sideEffects: false,
  exports: ENTRIES,
  types: ENTRIES['.'].types,
  peerDependencies,
  peerDependenciesMeta,
  files: ['*.js', 'chunks/', 'types/']
}
await writeFile(resolve(SDK, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
process.stdout.write(`dist/sdk/package.json written (${declarations} declaration files)\n`)

import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'

/** Module specifiers in a declaration file: `from '…'`, `import('…')`, `/// <reference types="…" />` */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|<reference\s+types\s*=\s*)["']([^"']+)["']/g

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name` */
export function packageOf (specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/**
 * The packages a declaration file and every declaration it reaches import,
 * each with the files (relative to `root`) that import it: what a dApp's
 * compiler must find installed to check a program that imports the entry
 * (with `skipLibCheck: false`, every file it reaches is checked).
 */
export async function declarationPackages (root: string, entry: string): Promise<Map<string, string[]>> {
  const packages = new Map<string, string[]>()
  const seen = new Set<string>()
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return
    seen.add(file)
    const text = await readFile(file, 'utf8')
    for (const [, specifier] of text.matchAll(SPECIFIER)) {
      if (specifier.startsWith('.')) {
        await visit(join(dirname(file), specifier.replace(/\.js$/, '.d.ts')))
      } else {
        const name = packageOf(specifier)
        packages.set(name, [...(packages.get(name) ?? []), relative(root, file)])
      }
    }
  }
  await visit(join(root, entry))
  return packages
}

import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'

/** `import … from "./x.js"` and `export … from "./x.js"`, not `import("./x.js")`: what loads before the module runs */
const STATIC_IMPORT = /(?:^|[\s;}])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g

/**
 * A built ES module and every module it imports statically, as paths
 * relative to its folder: what a page downloads and parses to import it.
 * Chunks loaded with `import()` are left out (they cost only when called).
 */
export async function staticClosure (entry: string): Promise<string[]> {
  const root = dirname(entry)
  const seen = new Set<string>()
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) {
      return
    }
    seen.add(file)
    const text = await readFile(file, 'utf8')
    for (const match of text.matchAll(STATIC_IMPORT)) {
      await visit(join(dirname(file), match[1]))
    }
  }
  await visit(entry)
  return [...seen].map(file => relative(root, file))
}

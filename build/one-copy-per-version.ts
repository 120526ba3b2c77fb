import { readFileSync } from 'node:fs'
import { join, sep } from 'node:path'
import type { Plugin } from 'vite'

/** Where a resolved file sits: the package directory it belongs to, under the last node_modules on its path. */
export function packageOf (file: string): { dir: string, name: string } | undefined {
  const marker = `${sep}node_modules${sep}`
  const at = file.lastIndexOf(marker)
  if (at === -1) {
    return undefined
  }
  const rest = file.slice(at + marker.length).split(sep)
  const name = rest[0]?.startsWith('@') === true ? rest.slice(0, 2).join('/') : rest[0]
  if (name == null || name === '' || (name.startsWith('@') && !name.includes('/'))) {
    return undefined
  }
  return { dir: file.slice(0, at + marker.length) + name.split('/').join(sep), name }
}

/**
 * npm nests a package wherever the copy at the top of node_modules has another
 * version, so one version of a package can sit in a dozen places (here
 * uint8arrays 6.1.1 sixteen times, protons-runtime 7.1.2 five times), and a
 * bundler takes each place as other code: the SW parsed every copy on its
 * first visit. This plugin sends every import of a package to one directory
 * per exact version. Only identical versions are joined, so no importer gets
 * code other than what it was installed with.
 */
export function oneCopyPerVersion (): Plugin {
  const versions = new Map<string, string | undefined>()
  const chosen = new Map<string, string>()
  const versionOf = (dir: string): string | undefined => {
    if (!versions.has(dir)) {
      let version: string | undefined
      try {
        version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version
      } catch {
        version = undefined
      }
      versions.set(dir, version)
    }
    return versions.get(dir)
  }
  return {
    name: 'edgeway:one-copy-per-version',
    enforce: 'pre',
    async resolveId (source, importer, options) {
      if (importer == null || source.startsWith('\0')) {
        return null
      }
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
      if (resolved == null || resolved.external !== false || resolved.id.startsWith('\0')) {
        return resolved
      }
      const found = packageOf(resolved.id)
      const version = found == null ? undefined : versionOf(found.dir)
      if (found == null || version == null) {
        return resolved
      }
      const key = `${found.name}@${version}`
      const dir = chosen.get(key)
      if (dir == null) {
        chosen.set(key, found.dir)
        return resolved
      }
      return dir === found.dir ? resolved : { ...resolved, id: dir + resolved.id.slice(found.dir.length) }
    }
  }
}

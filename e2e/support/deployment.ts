import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const DIST = resolve(import.meta.dirname, '../../dist')

/**
 * A copy of the build that a launcher serves (`EDGEWAY_DIST_DIR`), so a spec
 * can deploy a new version while pages are open: rewriting the copy's sw.js
 * with another version constant is what a new build with a changed page does.
 */
export interface Deployment {
  /** The copy, for `EDGEWAY_DIST_DIR` */
  dir: string
  /** Deploys the version after `version` (the one running now) and returns it */
  next(version: string): Promise<string>
  remove(): Promise<void>
}

/** Copies dist/ (`npm run build` first) into a temporary directory */
export async function copyBuild (): Promise<Deployment> {
  const dir = await mkdtemp(join(tmpdir(), 'edgeway-deployed-'))
  await cp(DIST, dir, { recursive: true })
  return {
    dir,
    async next (version) {
      const reversed = version.split('').reverse().join('')
      const next = reversed === version ? 'abcdef012345' : reversed
      const script = await readFile(join(dir, 'sw.js'), 'utf8')
      if (!script.includes(version)) {
        throw new Error(`the deployed sw.js does not contain the version ${version}`)
      }
      await writeFile(join(dir, 'sw.js'), script.replaceAll(version, next))
      return next
    },
    remove: async () => { await rm(dir, { recursive: true, force: true }) }
  }
}

import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'

export function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A temporary site folder with the given files; `remove()` deletes it. */
export async function makeSite (files: Record<string, Uint8Array | string>): Promise<{ dir: string, remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'edgeway-e2e-'))
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await writeFile(join(dir, name), content)
  }
  return { dir, remove: async () => { await rm(dir, { recursive: true, force: true }) } }
}

export function randomFile (size: number): Uint8Array {
  return new Uint8Array(randomBytes(size))
}

/** A valid CID of bytes nobody has: what "content no edge holds" looks like. */
export async function absentCid (): Promise<string> {
  return CID.createV1(raw.code, await sha256Hasher.digest(randomBytes(32))).toString()
}

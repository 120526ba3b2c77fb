import { createHash, randomFillSync } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MiB } from './stats.ts'

export interface BenchSizes {
  /** P1 and P2: one large file */
  largeFile: number
  /** P3: each small file */
  smallFile: number
  /** P4: assets the site's page references */
  siteAssets: number
  /** P7: the file streamed while the SW's memory is sampled */
  hugeFile: number
  /** Hash cost: bytes hashed per run */
  hashBytes: number
}

export const FULL_SIZES: BenchSizes = { largeFile: 64 * MiB, smallFile: 4096, siteAssets: 300, hugeFile: 1024 * MiB, hashBytes: 64 * MiB }
export const QUICK_SIZES: BenchSizes = { largeFile: 8 * MiB, smallFile: 4096, siteAssets: 40, hugeFile: 32 * MiB, hashBytes: 8 * MiB }

export interface FileFact { path: string, bytes: number, sha256: string }

export interface BenchContent {
  dir: string
  large: FileFact
  /** One per run (warm-ups included): each cold read asks for bytes nobody has read */
  small: FileFact[]
  /** `p4/index.html`, which loads `siteAssets` images, scripts and stylesheets */
  site: { index: string, images: number, scripts: number, styles: number }
  huge: FileFact
  /** A small HTML page with a marker element, for the first-hit measure */
  firstHit: { path: string, marker: string }
}

/** Writes the content every measure reads, into `dir`, served both by the edge and the plain server. */
export async function writeContent (dir: string, sizes: BenchSizes, smallCount: number): Promise<BenchContent> {
  await mkdir(join(dir, 'p3'), { recursive: true })
  await mkdir(join(dir, 'p4', 'assets'), { recursive: true })
  const large = await writeRandomFile(dir, 'p1.bin', sizes.largeFile)
  const huge = await writeRandomFile(dir, 'p7.bin', sizes.hugeFile)
  const small: FileFact[] = []
  for (let i = 0; i < smallCount; i++) {
    small.push(await writeSmall(dir, `p3/${i}.txt`, sizes.smallFile))
  }
  const site = await writeSite(join(dir, 'p4'), sizes.siteAssets)
  const marker = 'edgeway-bench-first-hit'
  await writeFile(join(dir, 'p8.html'), `<!doctype html><meta charset="utf-8"><title>first hit</title><p id="${marker}">Hello from the edge.</p>\n`)
  return { dir, large, small, site, huge, firstHit: { path: 'p8.html', marker } }
}

export async function writeRandomFile (dir: string, path: string, bytes: number): Promise<FileFact> {
  const hash = createHash('sha256')
  const out = createWriteStream(join(dir, path))
  const chunk = Buffer.alloc(4 * MiB)
  for (let written = 0; written < bytes; written += chunk.byteLength) {
    const piece = chunk.subarray(0, Math.min(chunk.byteLength, bytes - written))
    randomFillSync(piece)
    hash.update(piece)
    if (!out.write(piece)) {
      await new Promise<void>(resolve => { out.once('drain', () => { resolve() }) })
    }
  }
  await new Promise<void>((resolve, reject) => { out.end((err?: Error | null) => { err == null ? resolve() : reject(err) }) })
  return { path, bytes, sha256: hash.digest('hex') }
}

async function writeSmall (dir: string, path: string, bytes: number): Promise<FileFact> {
  const text = Buffer.from(randomFillSync(Buffer.alloc(Math.ceil(bytes / 2))).toString('hex').slice(0, bytes))
  await writeFile(join(dir, path), text)
  return { path, bytes: text.byteLength, sha256: createHash('sha256').update(text).digest('hex') }
}

/**
 * A page like a dApp's: half images, a third scripts, the rest stylesheets,
 * each a few KiB and all distinct, referenced relatively from index.html.
 */
async function writeSite (dir: string, assets: number): Promise<BenchContent['site']> {
  const images = Math.round(assets / 2)
  const scripts = Math.round(assets / 3)
  const styles = assets - images - scripts
  const padding = (n: number): string => randomFillSync(Buffer.alloc(n)).toString('base64')
  const head: string[] = []
  const body: string[] = []
  for (let i = 0; i < styles; i++) {
    await writeFile(join(dir, 'assets', `s${i}.css`), `.c${i}{color:#${(i * 2654435761 % 0xffffff).toString(16).padStart(6, '0')}}\n/*${padding(2048)}*/\n`)
    head.push(`<link rel="stylesheet" href="assets/s${i}.css">`)
  }
  for (let i = 0; i < scripts; i++) {
    await writeFile(join(dir, 'assets', `j${i}.js`), `globalThis.benchScripts=(globalThis.benchScripts??0)+1\n//${padding(3072)}\n`)
    head.push(`<script src="assets/j${i}.js"></script>`)
  }
  for (let i = 0; i < images; i++) {
    await writeFile(join(dir, 'assets', `i${i}.svg`), `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#${(i * 40503 % 0xffffff).toString(16).padStart(6, '0')}"/><!--${padding(4096)}--></svg>\n`)
    body.push(`<img src="assets/i${i}.svg" width="32" height="32" alt="">`)
  }
  await writeFile(join(dir, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><title>bench site</title>\n${head.join('\n')}\n</head><body>\n${body.join('\n')}\n</body></html>\n`)
  return { index: 'p4/index.html', images, scripts, styles }
}

import { spawn } from 'node:child_process'
import { readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')
const SOURCES = ['index.html', 'src', 'sw', 'public', 'vite.config.ts', 'vite.sw.config.ts', 'vite.sdk.config.ts', 'vite.sdk-sw.config.ts', 'package-lock.json']
const OUTPUTS = ['dist/index.html', 'dist/sw.js', 'dist/sdk/edgeway.js', 'dist/sdk/sw.js']

/**
 * Builds the page, SW and SDK when dist/ is missing or older than the sources,
 * so `npm start` works straight after `npm ci`.
 */
export async function ensureBuild (options: { log?: (line: string) => void, signal?: AbortSignal } = {}): Promise<void> {
  options.signal?.throwIfAborted()
  const built = await Promise.all(OUTPUTS.map(async file => (await stat(join(ROOT, file)).catch(() => null))?.mtimeMs ?? 0))
  const oldestOutput = Math.min(...built)
  const newestSource = Math.max(...await Promise.all(SOURCES.map(async path => newestMtime(join(ROOT, path)))))
  if (oldestOutput > newestSource) {
    return
  }
  options.log?.('building the gateway page and service worker…')
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], signal: options.signal })
    child.on('error', reject)
    child.on('exit', code => { code === 0 ? resolve() : reject(new Error(`npm run build exited with ${code}`)) })
  })
}

async function newestMtime (path: string): Promise<number> {
  const info = await stat(path).catch(() => null)
  if (info == null) {
    return 0
  }
  if (!info.isDirectory()) {
    return info.mtimeMs
  }
  const entries = await readdir(path)
  return Math.max(info.mtimeMs, ...await Promise.all(entries.map(async entry => newestMtime(join(path, entry)))))
}

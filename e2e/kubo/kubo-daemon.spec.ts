import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { startKubo } from '../support/kubo.ts'
import { providedKubo } from '../support/kubo-provided.ts'

const kubo = providedKubo()
const ROOT = resolve(import.meta.dirname, '../..')

describe.skipIf(kubo.skipped != null)(`the Kubo daemons the specs start${kubo.skipped == null ? '' : ` (skipped: ${kubo.skipped})`}`, () => {
  it('stop() ends the daemon and removes its repository', async () => {
    const node = await startKubo(kubo.path!)
    expect((await fetch(`${node.api}/api/v0/id`, { method: 'POST' })).status).toBe(200)
    await node.stop()
    expect(existsSync(node.repo)).toBe(false)
    await expect(fetch(`${node.api}/api/v0/id`, { method: 'POST' })).rejects.toThrow()
  })

  it('a daemon dies with the process that started it, even when that process is killed', async () => {
    const script = `import { startKubo } from ${JSON.stringify(resolve(ROOT, 'e2e/support/kubo.ts'))}
const node = await startKubo(${JSON.stringify(kubo.path)})
console.log(JSON.stringify({ api: node.api, repo: node.repo }))
setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const { api, repo } = JSON.parse(await new Promise<string>(resolve => { createInterface({ input: child.stdout }).once('line', resolve) })) as { api: string, repo: string }
    expect((await fetch(`${api}/api/v0/id`, { method: 'POST' })).status).toBe(200)
    child.kill('SIGKILL')
    await new Promise(resolve => child.once('exit', resolve))
    // the parent-death signal reaches the daemon at once; give it a moment to close its listener
    let up = true
    for (const deadline = Date.now() + 5_000; up && Date.now() < deadline;) {
      await new Promise(resolve => setTimeout(resolve, 200))
      up = await fetch(`${api}/api/v0/id`, { method: 'POST' }).then(() => true, () => false)
    }
    // a killed process cannot clean up after itself: its repository is left in the temp folder
    await rm(repo, { recursive: true, force: true })
    expect(up).toBe(false)
  })
})

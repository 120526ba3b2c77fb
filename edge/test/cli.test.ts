import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSiteFixture } from './fixtures.ts'
import type { SiteFixture } from './fixtures.ts'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'

const EDGE_BIN = fileURLToPath(new URL('../bin/edge.ts', import.meta.url))

function runEdge (args: string[]): ChildProcessWithoutNullStreams {
  // the Node running this test is the project's Node 22 (npm puts node_modules/.bin first)
  return spawn(process.execPath, [EDGE_BIN, ...args], { stdio: 'pipe' })
}

async function collect (stream: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of stream) text += String(chunk)
  return text
}

/** Runs the edge with bad `args`, expects exit code 2, and returns what it wrote to stderr */
async function usageErrorOf (args: string[]): Promise<string> {
  const child = runEdge(args)
  const stderr = collect(child.stderr)
  const [code] = await once(child, 'exit')
  expect(code).toBe(2)
  return stderr
}

describe('edge CLI', () => {
  let fixture: SiteFixture

  beforeAll(async () => { fixture = await createSiteFixture() })
  afterAll(async () => { await fixture?.cleanup() })

  it('prints one JSON line when ready and exits 0 on SIGTERM', async () => {
    const child = runEdge(['--serve', fixture.site, '--json'])
    const stdout = collect(child.stdout)
    const stderr = collect(child.stderr)

    const firstLine = await new Promise<string>((resolve, reject) => {
      let buffered = ''
      child.stdout.on('data', (chunk) => {
        buffered += String(chunk)
        if (buffered.includes('\n')) resolve(buffered.slice(0, buffered.indexOf('\n')))
      })
      child.once('exit', (code) => { reject(new Error(`edge exited early with ${code}`)) })
    })

    const info = JSON.parse(firstLine)
    expect(info.peerId).toMatch(/^12D3Koo/)
    expect(info.roots[fixture.site]).toMatch(/^bafy/)
    expect(await (await fetch(`${info.http}/info`)).json()).toEqual(info)

    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
    expect((await stdout).trim().split('\n')).toEqual([firstLine])
    expect(await stderr).toBe('')
  }, 30_000)

  it('exits 2 with a clear message on a bad flag', async () => {
    expect(await usageErrorOf(['--ws-port', 'seven'])).toContain('--ws-port must be a port number')
  })

  it('exits 2, before starting anything, on a bad --dnslink entry', async () => {
    expect(await usageErrorOf(['--dnslink', 'example.org=/ipfs/not-a-cid'])).toContain('--dnslink: DNSLink value "/ipfs/not-a-cid" must be')
  })
})

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { createFunctionSandbox } from '../functions/function-sandbox.ts'
import { loadQuickJSWasm } from '../functions/quickjs-wasm-node.ts'
import { CaughtEdges } from '../functions/caught-edges.ts'
import { EdgeHealth } from '../node/edge-health-tracker.ts'
import { invokeFunction } from './invoke.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { FunctionSandbox } from '../functions/function-sandbox.ts'
import type { InvokeComponents } from './invoke.ts'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const ECHO = 'export default async (request) => Response.json({ method: request.method, text: await request.text() })'

/** A server on loopback, its URL, and how many requests it had */
async function serve (handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server, url: string, asked: () => number }> {
  let asked = 0
  const server = createServer((req, res) => { asked++; handle(req, res) })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked: () => asked }
}

describe('client.invoke: what it sends and what it trusts', () => {
  let dir: string
  let edge: Edge
  let sandbox: FunctionSandbox
  let echo: string
  let moving: string
  let zipped: string
  let servers: Server[]
  let elsewhere: Awaited<ReturnType<typeof serve>>
  let counting: Awaited<ReturnType<typeof serve>>
  let liar: Awaited<ReturnType<typeof serve>>

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-invoke-checks-'))
    elsewhere = await serve((_req, res) => { res.writeHead(404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end('not on this other site') })
    await writeFile(join(dir, 'echo.js'), ECHO)
    await writeFile(join(dir, 'moving.js'), `export default async () => Response.redirect(${JSON.stringify(`${elsewhere.url}/moved`)}, 302)`)
    // an answer the function compressed itself: fetch() hands its reader the text
    await writeFile(join(dir, 'zipped.js'), `export default async () => new Response(new Uint8Array(${JSON.stringify([...gzipSync('zipped by the function')])}), { headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } })`)
    edge = await startEdge({ serve: [join(dir, 'echo.js'), join(dir, 'moving.js'), join(dir, 'zipped.js')], functions: { workers: 1 } })
    zipped = edge.info.roots[join(dir, 'zipped.js')]
    echo = edge.info.roots[join(dir, 'echo.js')]
    moving = edge.info.roots[join(dir, 'moving.js')]
    sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm() })
    // an edge that would run anything: it only counts what it is asked
    counting = await serve((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }).end('counted') })
    // an edge that runs the function honestly, then changes its answer
    liar = await serve((req, res) => {
      void fetch(`${edge.info.http}${req.url ?? '/'}`).then(async (response) => {
        res.writeHead(response.status, { 'content-type': 'application/json' }).end((await response.text()).replace('GET', 'PUT'))
      })
    })
    servers = [elsewhere.server, counting.server, liar.server]
  })

  afterAll(async () => {
    servers?.forEach(server => { server.closeAllConnections(); server.close() })
    await sandbox?.close()
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  function components (edges: string[], fetchContent?: InvokeComponents['fetchContent']): InvokeComponents {
    return {
      edges: edges.map(http => ({ http, multiaddrs: [] })),
      health: new EdgeHealth(),
      caught: new CaughtEdges(),
      // the test reads the module's single raw block; the SDK reads it through its verifying fetch
      fetchContent: fetchContent ?? (async (url, { signal }) => fetch(`${edge.info.http}/ipfs/${url.slice('ipfs://'.length)}?format=raw`, { signal })),
      runner: () => sandbox
    }
  }

  it('answers 405 for a method no edge runs a function for, asking none, and refuses a GET with a body as fetch() does', async () => {
    for (const method of ['PUT', 'TRACE', 'DELETE']) {
      const response = await invokeFunction(components([counting.url]), `ipfs://${echo}/`, { method, verify: 'recompute' })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('GET, HEAD, POST')
    }
    expect(counting.asked()).toBe(0)
    await expect(invokeFunction(components([counting.url]), `ipfs://${echo}/`, { body: 'lost' })).rejects.toThrow(TypeError)
    await expect(invokeFunction(components([counting.url]), `ipfs://${echo}/`, { method: 'HEAD', body: 'lost' })).rejects.toThrow(TypeError)
    expect(counting.asked()).toBe(0)
  })

  it('reads a streamed body up to the request limit and within the caller\'s time, answering 413 past it as an edge does', async () => {
    const endless = (): ReadableStream<Uint8Array> => new ReadableStream({ pull: async (controller) => { await new Promise(resolve => setTimeout(resolve, 5)); controller.enqueue(new Uint8Array(1024)) } })
    await expect(invokeFunction(components([edge.info.http]), `ipfs://${echo}/`, { method: 'POST', body: endless(), duplex: 'half', signal: AbortSignal.timeout(200) } as RequestInit)).rejects.toMatchObject({ name: 'TimeoutError' })

    const big = new Uint8Array(1024 * 1024 + 1)
    const streamed = await invokeFunction(components([counting.url]), `ipfs://${echo}/`, { method: 'POST', body: new Blob([big]) })
    const fromEdge = await invokeFunction(components([edge.info.http]), `ipfs://${echo}/`, { method: 'POST', body: big })
    expect(streamed.status).toBe(413)
    expect(fromEdge.status).toBe(413)
    expect(await streamed.text()).toBe(await fromEdge.text())
    expect(counting.asked()).toBe(0)
  })

  it('with verify: "recompute", asks an edge it caught last for that function, its health for content untouched', async () => {
    const checked = components([liar.url, edge.info.http])
    await expect(invokeFunction(checked, `ipfs://${echo}/`, { verify: 'recompute' })).rejects.toMatchObject({ name: 'FunctionVerificationError' })
    const next = await invokeFunction(checked, `ipfs://${echo}/`, { verify: 'recompute' })
    expect(next.headers.get('x-edgeway-verified')).toBe('recompute')
    expect(await next.json()).toEqual({ method: 'GET', text: '' })
    // a function that is not deterministic fails on an honest edge too: that is no reason to fetch content elsewhere
    expect(checked.health.isDemoted(liar.url)).toBe(false)
  })

  it('with verify: "recompute", answers 503 without blaming an edge when the module cannot be fetched here for the while', async () => {
    const offline = components([edge.info.http], async () => new Response('no source answered in time', { status: 504 }))
    const response = await invokeFunction(offline, `ipfs://${echo}/`, { verify: 'recompute' })
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('could not be checked')
    expect(offline.health.isDemoted(edge.info.http)).toBe(false)
  })

  it('reads a body the function compressed itself as fetch() does, wherever it runs', async () => {
    const checked = await invokeFunction(components([edge.info.http]), `ipfs://${zipped}/`, { verify: 'recompute' })
    expect(checked.headers.get('x-edgeway-verified')).toBe('recompute')
    expect(await checked.text()).toBe('zipped by the function')
    const local = await invokeFunction(components([]), `ipfs://${zipped}/`, { where: 'local' })
    expect(await local.text()).toBe('zipped by the function')
  })

  it('takes where a function\'s redirect led as its answer, not as an edge that lacks it, and keeps the caller\'s redirect mode', async () => {
    const followed = await invokeFunction(components([edge.info.http, counting.url]), `ipfs://${moving}/`)
    expect(followed.status).toBe(404)
    expect(await followed.text()).toBe('not on this other site')
    expect(counting.asked()).toBe(0)

    const manual = await invokeFunction(components([edge.info.http]), `ipfs://${moving}/`, { redirect: 'manual' })
    expect(manual.status).toBe(302)
    expect(manual.headers.get('location')).toBe(`${elsewhere.url}/moved`)

    // refused as fetch() refuses it, and no edge counted as down for it, nor asked again
    const refusing = components([edge.info.http, counting.url])
    await expect(invokeFunction(refusing, `ipfs://${moving}/`, { redirect: 'error' })).rejects.toThrow(TypeError)
    expect(refusing.health.record(edge.info.http)?.consecutiveFailures ?? 0).toBe(0)
    expect(counting.asked()).toBe(0)
  })
})

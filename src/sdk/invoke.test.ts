import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { FunctionBusyError, FunctionSandboxUnavailableError } from '../functions/errors.ts'
import { createFunctionSandbox } from '../functions/function-sandbox.ts'
import { loadQuickJSWasm } from '../functions/quickjs-wasm-node.ts'
import { EdgeHealth } from '../node/edge-health-tracker.ts'
import { invokeFunction } from './invoke.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { FunctionSandbox } from '../functions/function-sandbox.ts'
import type { InvokeComponents } from './invoke.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const SOURCE = `export default async (request) => {
  const url = new URL(request.url)
  const body = request.method === 'POST' ? await request.json() : null
  return Response.json({ path: url.pathname, q: url.searchParams.get('q'), body })
}`

const ECHO = 'export default async (request) => Response.json({ type: request.headers.get("content-type"), text: await request.text() })'

describe('client.invoke', () => {
  let dir: string
  let edge: Edge
  let off: Edge
  let liar: Server
  let liarUrl: string
  let slow: Server
  let slowUrl: string
  let forger: Server
  let forgerUrl: string
  let sandbox: FunctionSandbox
  let cid: string
  let echo: string
  let missing: string
  let big: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-invoke-test-'))
    await writeFile(join(dir, 'fn.js'), SOURCE)
    await writeFile(join(dir, 'echo.js'), ECHO)
    await writeFile(join(dir, 'missing.js'), 'export default async () => new Response("no such order", { status: 404 })')
    await writeFile(join(dir, 'big.js'), `${SOURCE}\n//${'x'.repeat(1536 * 1024)}`)
    edge = await startEdge({ serve: [join(dir, 'fn.js'), join(dir, 'echo.js'), join(dir, 'missing.js'), join(dir, 'big.js')], functions: { workers: 1 } })
    off = await startEdge()
    cid = edge.info.roots[join(dir, 'fn.js')]
    echo = edge.info.roots[join(dir, 'echo.js')]
    missing = edge.info.roots[join(dir, 'missing.js')]
    big = edge.info.roots[join(dir, 'big.js')]
    sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm() })
    // an edge that runs the function honestly, then changes its answer
    liar = createServer((req, res) => {
      void fetch(`${edge.info.http}${req.url ?? '/'}`).then(async (response) => {
        const text = (await response.text()).replace('"path"', '"PATH"')
        res.writeHead(response.status, { 'content-type': 'application/json', 'x-edgeway-function': cid }).end(text)
      })
    })
    await new Promise<void>(resolve => { liar.listen(0, '127.0.0.1', resolve) })
    liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`
    // an edge that runs the function honestly, then forges what its path names
    forger = createServer((req, res) => {
      const what = (req.url ?? '').split('/')[3]
      if (what === 'gone') {
        // a forged answer dressed as "not here": a status the SDK passes over to ask the next edge
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"path":"/gone","forged":true}')
        return
      }
      if (what === 'gone-trickle') {
        // "not here" at once, then a body that never ends
        res.writeHead(404, { 'content-type': 'text/plain' })
        const timer = setInterval(() => { res.write(' ') }, 100)
        res.once('close', () => { clearInterval(timer) })
        return
      }
      if (what === 'big') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.alloc(5 * 1024 * 1024, 0x20))
        return
      }
      if (what === 'trickle') {
        // the headers at once, then a byte every 100 ms, never ending
        res.writeHead(200, { 'content-type': 'application/json' })
        const timer = setInterval(() => { res.write(' ') }, 100)
        res.once('close', () => { clearInterval(timer) })
        return
      }
      if (what === 'streamed') {
        // no length said: the cap is found while reading
        res.writeHead(200, { 'content-type': 'application/json' })
        for (let i = 0; i < 5; i++) res.write(Buffer.alloc(1024 * 1024, 0x20))
        res.end()
        return
      }
      void fetch(`${edge.info.http}${req.url ?? '/'}`).then(async (response) => {
        const headers: Record<string, string> = { 'content-type': what === 'headers' ? 'text/html' : 'application/json', 'x-edgeway-function': cid, 'x-edgeway-verified': 'recompute' }
        res.writeHead(response.status, headers).end(await response.text())
      })
    })
    await new Promise<void>(resolve => { forger.listen(0, '127.0.0.1', resolve) })
    forgerUrl = `http://127.0.0.1:${(forger.address() as AddressInfo).port}`
    // an edge that takes 5 s to answer anything
    slow = createServer((_req, res) => { setTimeout(() => { res.writeHead(200).end('late') }, 5_000) })
    await new Promise<void>(resolve => { slow.listen(0, '127.0.0.1', resolve) })
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    liar?.close()
    forger?.close()
    slow?.closeAllConnections()
    slow?.close()
    await sandbox?.close()
    await edge?.stop()
    await off?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  function components (edges: string[], timeoutMs?: number): InvokeComponents {
    return {
      edges: edges.map(http => ({ http, multiaddrs: [] })),
      health: new EdgeHealth(),
      timeoutMs,
      // the test reads the module's single raw block; the SDK reads it through its verifying fetch
      fetchContent: async (url, { signal }) => fetch(`${edge.info.http}/ipfs/${url.slice('ipfs://'.length)}?format=raw`, { signal }),
      runner: () => sandbox
    }
  }

  it('answers 504 when no edge answers within the client\'s timeout, and recompute gives up on a body that never ends', async () => {
    const silent = createServer(() => {})
    await new Promise<void>(resolve => { silent.listen(0, '127.0.0.1', resolve) })
    try {
      const started = performance.now()
      const response = await invokeFunction(components([`http://127.0.0.1:${(silent.address() as AddressInfo).port}`], 300), `ipfs://${cid}/`)
      expect(response.status).toBe(504)
      expect(await response.text()).toContain('300 ms')
      await expect(invokeFunction(components([forgerUrl], 300), `ipfs://${cid}/trickle`, { verify: 'recompute' })).rejects.toMatchObject({ name: 'TimeoutError' })
      // a "not here" had before the time ran out is the answer, not a 504
      const notHere = await invokeFunction(components([forgerUrl, `http://127.0.0.1:${(silent.address() as AddressInfo).port}`], 300), `ipfs://${cid}/gone`)
      expect(notHere.status).toBe(404)
      expect(await notHere.json()).toEqual({ path: '/gone', forged: true })
      expect(performance.now() - started).toBeLessThan(3_000)
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })

  it('asks the next edge at once when one says "not here", however slowly its body comes', async () => {
    const response = await invokeFunction(components([forgerUrl, edge.info.http], 3_000), `ipfs://${cid}/gone-trickle`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ path: '/gone-trickle', q: null, body: null })
  })

  it('keeps a whole "not here" answer when a later edge\'s never ends, and leaves at once when the caller aborts meanwhile', async () => {
    const whole = createServer((_req, res) => { res.writeHead(404, { 'content-type': 'text/plain' }).end('no such order') })
    const trickling = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' })
      const timer = setInterval(() => { res.write(' ') }, 100)
      res.once('close', () => { clearInterval(timer) })
    })
    const urls = await Promise.all([whole, trickling].map(async server => new Promise<string>(resolve => { server.listen(0, '127.0.0.1', () => { resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`) }) })))
    try {
      const response = await invokeFunction(components(urls, 1_000), `ipfs://${cid}/order`)
      expect(response.status).toBe(404)
      expect(await response.text()).toBe('no such order')

      await expect(invokeFunction(components([urls[1]], 10_000), `ipfs://${cid}/order`, { signal: AbortSignal.timeout(300) })).rejects.toMatchObject({ name: 'TimeoutError' })
    } finally {
      for (const server of [whole, trickling]) {
        server.closeAllConnections()
        server.close()
      }
    }
  })

  it('keeps a path with dot segments inside the function\'s own URL space, and sees an encoded path as the edge does', async () => {
    const escaping = await invokeFunction(components([edge.info.http]), `ipfs://${cid}/a/../../../info?q=1`)
    expect(escaping.headers.get('x-edgeway-function')).toBe(cid)
    expect(await escaping.json()).toEqual({ path: '/info', q: '1', body: null })
    // a path that starts with two slashes is a path, not a host
    const doubled = await invokeFunction(components([edge.info.http]), `ipfs://${cid}//orders/7?q=2`, { verify: 'recompute' })
    expect(await doubled.json()).toEqual({ path: '//orders/7', q: '2', body: null })
    const encoded = await invokeFunction(components([edge.info.http]), `ipfs://${cid}/é x`, { verify: 'recompute' })
    expect(encoded.headers.get('x-edgeway-verified')).toBe('recompute')
    expect(await encoded.json()).toEqual({ path: '/%C3%A9%20x', q: null, body: null })
  })

  it('runs the function on an edge, with the path and query after the CID', async () => {
    const response = await invokeFunction(components([edge.info.http]), `ipfs://${cid}/orders/7?q=x`)
    expect(response.status).toBe(200)
    expect(response.headers.get('x-edgeway-function')).toBe(cid)
    expect(await response.json()).toEqual({ path: '/orders/7', q: 'x', body: null })
  })

  it('passes over edges that are down or do not run functions', async () => {
    const response = await invokeFunction(components(['http://127.0.0.1:1', off.info.http, edge.info.http]), `ipfs://${cid}/`, {
      method: 'POST',
      body: JSON.stringify({ n: 1 }),
      headers: { 'content-type': 'application/json' }
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ path: '/', q: null, body: { n: 1 } })
  })

  it('sends a body with the Content-Type fetch() gives it', async () => {
    const call = async (body: BodyInit, headers?: HeadersInit): Promise<{ type: string | null, text: string }> => {
      const response = await invokeFunction(components([edge.info.http]), `ipfs://${echo}/`, { method: 'POST', body, headers })
      expect(response.status).toBe(200)
      return response.json()
    }
    expect(await call('plain')).toEqual({ type: 'text/plain;charset=UTF-8', text: 'plain' })
    expect(await call('{}', { 'Content-Type': 'application/json' })).toEqual({ type: 'application/json', text: '{}' })
    expect(await call(new URLSearchParams({ a: '1 2' }))).toEqual({ type: 'application/x-www-form-urlencoded;charset=UTF-8', text: 'a=1+2' })
    expect(await call(new TextEncoder().encode('bytes'))).toEqual({ type: null, text: 'bytes' })
    expect(await call(new Blob(['blob'], { type: 'text/csv' }))).toEqual({ type: 'text/csv', text: 'blob' })
    const form = new FormData()
    form.set('field', 'value')
    const multipart = await call(form)
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(multipart.type ?? '')?.[1]
    expect(boundary).toBeDefined()
    expect(multipart.text).toContain(`--${boundary}\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n--${boundary}--`)
  })

  it('hedges past an edge that is slow to answer', async () => {
    const started = performance.now()
    const response = await invokeFunction(components([slowUrl, edge.info.http]), `ipfs://${cid}/hedged`)
    expect(response.status).toBe(200)
    expect((await response.json()).path).toBe('/hedged')
    // an unmeasured edge is given 500 ms alone
    expect(performance.now() - started).toBeLessThan(3_000)
  })

  it('does not ask an edge whose /info says it runs no functions', async () => {
    // the liar would be asked first (the order given), and recompute would catch it
    const response = await invokeFunction({ ...components([]), edges: [{ http: liarUrl, multiaddrs: [], functions: false }, { http: edge.info.http, multiaddrs: [] }] }, `ipfs://${cid}/skip`, { verify: 'recompute' })
    expect(response.headers.get('x-edgeway-verified')).toBe('recompute')
  })

  it('answers 502 when no edge can run it', async () => {
    const response = await invokeFunction(components(['http://127.0.0.1:1']), `ipfs://${cid}/`)
    expect(response.status).toBe(502)
  })

  it('runs it here only with where: "local", edges down', async () => {
    const response = await invokeFunction(components(['http://127.0.0.1:1']), `ipfs://${cid}/here`, { where: 'local' })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-edgeway-function')).toBe(cid)
    expect((await response.json()).path).toBe('/here')

    // a text body, with the Content-Type fetch() would give it, and the same bytes as an edge gets
    const text = await invokeFunction(components(['http://127.0.0.1:1']), `ipfs://${echo}/`, { where: 'local', method: 'POST', body: 'naïve ✓' })
    expect(await text.json()).toEqual({ type: 'text/plain;charset=UTF-8', text: 'naïve ✓' })
  })

  it('runs here only a module it can read within the module limit, as UTF-8 text, as an edge does', async () => {
    const endless = new ReadableStream<Uint8Array>({ pull (controller) { controller.enqueue(new TextEncoder().encode('//'.padEnd(64 * 1024, 'x'))) } })
    const over = await invokeFunction({ ...components([]), fetchContent: async () => new Response(endless) }, `ipfs://${cid}/`, { where: 'local' })
    expect(over.status).toBe(413)
    const latin1 = Uint8Array.from([...new TextEncoder().encode('export default async () => new Response("'), 0xe9, ...new TextEncoder().encode('")')])
    const notUtf8 = await invokeFunction({ ...components([]), fetchContent: async () => new Response(latin1) }, `ipfs://${cid}/`, { where: 'local' })
    expect(notUtf8.status).toBe(400)
    expect(await notUtf8.text()).toContain('UTF-8')
  })

  it('with verify: "recompute", passes an honest edge and rejects one that altered the answer', async () => {
    const honest = await invokeFunction(components([edge.info.http]), `ipfs://${cid}/v`, { verify: 'recompute' })
    expect(honest.headers.get('x-edgeway-verified')).toBe('recompute')
    expect((await honest.json()).path).toBe('/v')

    await expect(invokeFunction(components([liarUrl]), `ipfs://${cid}/v`, { verify: 'recompute' })).rejects.toMatchObject({ name: 'FunctionVerificationError' })
  })

  it('with verify: "recompute", answers what the function answers here when no edge could run it', async () => {
    // an edge that "lacks" the module, forging what it says: its word is not passed on
    const forged = await invokeFunction(components([forgerUrl]), `ipfs://${cid}/gone`, { verify: 'recompute' })
    expect(forged.headers.get('x-edgeway-verified')).toBe('local')
    expect(await forged.json()).toEqual({ path: '/gone', q: null, body: null })

    // an edge without functions (501) and one that is down: no edge ran it
    const unrun = await invokeFunction(components([off.info.http, liarUrl.replace(/:\d+$/, ':1')]), `ipfs://${cid}/unrun`, { verify: 'recompute' })
    expect(unrun.headers.get('x-edgeway-verified')).toBe('local')
    expect((await unrun.json()).path).toBe('/unrun')
  })

  it('with verify: "recompute", passes an edge\'s 413 for a module over the limit: the browser refuses it in the same words', async () => {
    // the module whole, as the SDK's verifying fetch reads a file of many blocks
    const whole = { ...components([edge.info.http]), fetchContent: async () => new Response(await readFile(join(dir, 'big.js'))) }
    const response = await invokeFunction(whole, `ipfs://${big}/`, { verify: 'recompute' })
    expect(response.status).toBe(413)
    expect(response.headers.get('x-edgeway-verified')).toBe('recompute')
  })

  it('with verify: "recompute", answers 503 without blaming the edge when the function cannot run here now', async () => {
    for (const err of [new FunctionBusyError('64 calls are waiting here'), new FunctionSandboxUnavailableError('the Worker did not load')]) {
      const busy = { ...components([edge.info.http]), runner: () => ({ run: async () => { throw err }, close: async () => {} }) }
      const response = await invokeFunction(busy, `ipfs://${cid}/v`, { verify: 'recompute' })
      expect(response.status, err.name).toBe(503)
      expect(response.headers.get('x-edgeway-verified')).toBeNull()
      expect(await response.text()).toContain(err.message)
    }
    // a HEAD's answer has no body
    const busy = { ...components([edge.info.http]), runner: () => ({ run: async () => { throw new FunctionBusyError('64 calls are waiting here') }, close: async () => {} }) }
    const head = await invokeFunction(busy, `ipfs://${cid}/v`, { method: 'HEAD', verify: 'recompute' })
    expect(head.status).toBe(503)
    expect(head.body).toBeNull()
  })

  it('with verify: "recompute", says so when no edge ran it and it cannot be read here either', async () => {
    const absent = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('held nowhere'))).toString()
    const response = await invokeFunction(components([off.info.http]), `ipfs://${absent}/x`, { verify: 'recompute' })
    expect(response.status).toBe(404)
    expect(response.headers.get('x-edgeway-verified')).toBeNull()
    expect(await response.text()).toContain('could not be read here')
  })

  it('with verify: "recompute", passes a function\'s own 404 that an edge gave, and after an edge that lacked the module', async () => {
    const own = await invokeFunction(components([edge.info.http]), `ipfs://${missing}/x`, { verify: 'recompute' })
    expect(own.status).toBe(404)
    expect(own.headers.get('x-edgeway-verified')).toBe('recompute')
    expect(await own.text()).toBe('no such order')

    // the function's 404 counts as "not here" and the next edge is asked, which lacks the module: the answer is the function's
    const after = await invokeFunction(components([edge.info.http, off.info.http]), `ipfs://${missing}/x`, { verify: 'recompute' })
    expect(after.status).toBe(404)
    expect(await after.text()).toBe('no such order')
  })

  it('with verify: "recompute", checks a HEAD by its status, and answers it without a body', async () => {
    const response = await invokeFunction(components([edge.info.http]), `ipfs://${cid}/h`, { method: 'HEAD', verify: 'recompute' })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-edgeway-verified')).toBe('recompute')
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.text()).toBe('')

    const local = await invokeFunction(components(['http://127.0.0.1:1']), `ipfs://${cid}/h`, { method: 'HEAD', where: 'local' })
    expect(local.status).toBe(200)
    expect(await local.text()).toBe('')
  })

  it('with verify: "recompute", refuses a body past what a function may answer without reading it all', async () => {
    for (const path of ['big', 'streamed']) {
      await expect(invokeFunction(components([forgerUrl]), `ipfs://${cid}/${path}`, { verify: 'recompute' }), path).rejects.toMatchObject({ name: 'FunctionVerificationError', message: expect.stringContaining('more than the 4194304 bytes') })
    }
  })

  it('with verify: "recompute", answers with the function\'s own headers, not the edge\'s', async () => {
    const response = await invokeFunction(components([forgerUrl]), `ipfs://${cid}/headers`, { verify: 'recompute' })
    expect(response.headers.get('x-edgeway-verified')).toBe('recompute')
    expect(response.headers.get('content-type')).toBe('application/json')
    expect((await response.json()).path).toBe('/headers')
  })

  it('passes on no X-Edgeway-Verified of an edge\'s: only the SDK says it checked an answer', async () => {
    const response = await invokeFunction(components([forgerUrl]), `ipfs://${cid}/mark`)
    expect(response.status).toBe(200)
    expect(response.headers.get('x-edgeway-verified')).toBeNull()
    expect((await response.json()).path).toBe('/mark')
  })

  it('refuses an address that names no function', async () => {
    await expect(invokeFunction(components([edge.info.http]), 'ipfs://not-a-cid/')).rejects.toMatchObject({ name: 'InvalidRequestError' })
  })
})

/**
 * The gateway SW's `/fn/` handler against real edges on loopback: one that
 * runs functions, one started without them, and one that is down.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { closedPort } from '../../src/content/test-support/sources.ts'
import { parseConfig } from '../../src/lib/config.ts'
import { SHARED_ORIGIN_CONTENT_CSP } from '../../src/lib/content-sandbox.ts'
import { EdgeHealth } from '../../src/node/edge-health-tracker.ts'
import { runHandler } from '../pipeline.ts'
import { functionsHandler } from './functions.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { Handler } from '../pipeline.ts'

const ORIGIN = 'http://localhost:8080'
const HELLO = 'export default async (request) => new Response(`<p>hello from ${new URL(request.url).pathname}</p>`, { headers: { "content-type": "text/html" } })'
const FRAMED = 'export default async () => new Response("<p>mine</p>", { headers: { "content-type": "text/html", "content-security-policy": "frame-ancestors \'none\'" } })'
const MOVING = 'export default async (request) => request.method === "POST" ? Response.redirect(new URL("./thanks?n=1", request.url), 303) : new Response(new URL(request.url).pathname)'
const ECHO = 'export default async (request) => Response.json({ method: request.method, body: await request.json(), cookie: request.headers.get("cookie") })'

describe('the gateway SW\'s /fn/ handler', () => {
  let dir: string
  let functions: Edge
  let off: Edge
  let hello: string
  let echo: string
  let framed: string
  let moving: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-sw-functions-'))
    await writeFile(join(dir, 'hello.js'), HELLO)
    await writeFile(join(dir, 'echo.js'), ECHO)
    await writeFile(join(dir, 'framed.js'), FRAMED)
    await writeFile(join(dir, 'moving.js'), MOVING)
    const serve = [join(dir, 'hello.js'), join(dir, 'echo.js'), join(dir, 'framed.js'), join(dir, 'moving.js')]
    functions = await startEdge({ serve, functions: { workers: 1 } })
    off = await startEdge({ serve })
    hello = functions.info.roots[serve[0]]
    echo = functions.info.roots[serve[1]]
    framed = functions.info.roots[serve[2]]
    moving = functions.info.roots[serve[3]]
  })

  afterAll(async () => {
    await functions?.stop()
    await off?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  function handler (edges: string[]): Handler {
    const config = parseConfig({ edges })
    const health = new EdgeHealth()
    return functionsHandler({ origin: ORIGIN, edges: async () => ({ edges: config.edges, health }) })
  }

  async function call (edges: string[], path: string, init?: RequestInit): Promise<Response> {
    const request = new Request(`${ORIGIN}${path}`, init)
    const url = new URL(request.url)
    const chosen = handler(edges)
    expect(chosen.canHandle(request, url)).toBe(true)
    return runHandler(chosen, request, url)
  }

  it('calls the function on an edge, past one that is down and one that does not run functions, sandboxed on this origin', async () => {
    const response = await call([await closedPort(), off.info.http, functions.info.http], `/fn/${hello}/greet?x=1`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('<p>hello from /greet</p>')
    expect(response.headers.get('x-edgeway-function')).toBe(hello)
    // a function's HTML on the gateway's origin runs no script
    expect(response.headers.get('content-security-policy')).toBe(SHARED_ORIGIN_CONTENT_CSP)
    // a function's answer is no blocks: none by source, as every answer of the SW says
    expect(response.headers.get('x-edgeway-source')).toBe('cache=0, edge=0, peer=0')
  })

  it('sends a page where a function\'s redirect leads on this origin, so the address bar says it and a reload does not post again', async () => {
    const form = new Request(`${ORIGIN}/fn/${moving}/done`, { method: 'POST', body: 'x=1' })
    // what a browser's form submission is; a Request made here cannot say it itself
    Object.defineProperty(form, 'mode', { value: 'navigate' })
    const response = await runHandler(handler([functions.info.http]), form, new URL(form.url))
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(`${ORIGIN}/fn/${moving}/thanks?n=1`)
    // a script's fetch() gets what fetch() gives: the redirect followed
    const fetched = await call([functions.info.http], `/fn/${moving}/done`, { method: 'POST', body: 'x=1' })
    expect(await fetched.text()).toBe('/thanks')
  })

  it('sends /fn/<cid> to /fn/<cid>/, query kept, so the function\'s relative links resolve under it', async () => {
    const response = await call([functions.info.http], `/fn/${hello}?x=1`)
    expect(response.status).toBe(301)
    expect(response.headers.get('location')).toBe(`${ORIGIN}/fn/${hello}/?x=1`)
    const posted = await call([functions.info.http], `/fn/${echo}`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } })
    expect(await posted.json()).toEqual({ method: 'POST', body: { n: 1 }, cookie: null })
  })

  it('keeps a function\'s own Content-Security-Policy beside the sandbox of this origin', async () => {
    const response = await call([functions.info.http], `/fn/${framed}/`)
    expect(await response.text()).toBe('<p>mine</p>')
    const policies = (response.headers.get('content-security-policy') ?? '').split(',').map(policy => policy.trim())
    // the edge's bare sandbox would give the page an opaque origin, out of this SW's reach: this origin's takes its place
    expect(policies).toEqual(["frame-ancestors 'none'", SHARED_ORIGIN_CONTENT_CSP])
  })

  it('hands a POST body on, and not the page\'s cookies', async () => {
    const response = await call([functions.info.http], `/fn/${echo}/`, { method: 'POST', body: JSON.stringify({ order: 7 }), headers: { 'content-type': 'application/json', cookie: 'session=secret' } })
    expect(await response.json()).toEqual({ method: 'POST', body: { order: 7 }, cookie: null })
  })

  it('answers a body over the functions\' limit with 413, a bad CID with 400, and leaves other paths and methods alone', async () => {
    const big = await call([functions.info.http], `/fn/${echo}/`, { method: 'POST', body: new Uint8Array(1024 * 1024 + 1), headers: { accept: 'application/json' } })
    expect(big.status).toBe(413)
    const bad = await call([functions.info.http], '/fn/not-a-cid/x', { headers: { accept: 'application/json' } })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: 'InvalidRequestError' })
    const chosen = handler([functions.info.http])
    for (const request of [new Request(`${ORIGIN}/ipfs/${hello}`), new Request(`${ORIGIN}/fn/${hello}/`, { method: 'PUT' }), new Request(`http://${hello}.ipfs.localhost:8080/fn/${hello}/`)]) {
      expect(chosen.canHandle(request, new URL(request.url))).toBe(false)
    }
  })
})

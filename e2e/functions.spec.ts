import { createServer } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite } from './support/content.ts'
import { startDappServer } from './support/dapp-server.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { DappServer } from './support/dapp-server.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'

const FUNCTIONS = {
  'hello.js': 'export default async (request) => new Response(`hello from ${new URL(request.url).pathname}`)',
  'echo.js': 'export default async (request) => Response.json({ method: request.method, body: await request.json() })',
  'loop.js': 'export default async () => { for (;;) {} }',
  'escape.js': `export default async () => {
    const denied = []
    try { await fetch('http://127.0.0.1:1/') } catch (err) { denied.push(err.name) }
    try { await import('node:fs') } catch (err) { denied.push(err.name) }
    return Response.json({ denied, require: typeof require, process: typeof process })
  }`,
  'dates.js': `export default async () => {
    const july = new Date(Date.UTC(2020, 6, 1, 12, 30))
    return Response.json({ newYear: new Date(2020, 0, 1).getTime(), parsed: new Date('2024-05-01T10:00').toISOString(), hours: july.getHours(), text: july.toString(), local: july.toLocaleString() })
  }`,
  // recursion of a given shape and depth, the shapes that take the most of a browser Worker's own stack per level
  'recurse.js': `export default async (request) => {
    const url = new URL(request.url)
    const shape = url.pathname.slice(1)
    const depth = Number(url.searchParams.get('depth'))
    let d = 0
    const recurse = {
      plain: () => { const f = () => { if (++d < depth) f() }; f() },
      getter: () => { const o = { get x () { return ++d < depth ? this.x : d } }; return o.x },
      tostring: () => { const o = { toString () { return ++d < depth ? String(o) : 'end' } }; return String(o) },
      proxy: () => { const p = new Proxy({}, { get (t, k, r) { return ++d < depth ? r[k] : d } }); return p.x }
    }
    recurse[shape]()
    return new Response(shape + ' ' + d + ' deep')
  }`,
  'page.html': '<!doctype html><title>not a function</title>\n',
  'html.js': 'export default async (request) => new Response(`<!doctype html><title>from a function</title><p data-testid="fn">${new URL(request.url).pathname}</p><script>document.title = "script ran"</script>`, { headers: { "content-type": "text/html; charset=utf-8" } })',
  // post, then redirect to the result: the shape of a page that runs no script
  'form.js': `export default async (request) => {
    const html = { headers: { 'content-type': 'text/html; charset=utf-8' } }
    if (request.method === 'POST') return Response.redirect(new URL('./thanks', request.url), 303)
    if (request.url.endsWith('/thanks')) return new Response('<!doctype html><p data-testid="thanks">thanks</p>', html)
    return new Response('<!doctype html><form method="post" action="./done"><input name="n" value="1"><button data-testid="send">send</button></form>', html)
  }`,
  // a site with a folder named fn: on its own origin, /fn/ is its content, not a function call
  'www/index.html': '<!doctype html><title>site</title>\n',
  'www/fn/note.txt': 'a note in the site\n'
}

interface Answer { status: number, text: string, fn: string | null, verified: string | null, error?: string }

describe('edge functions through the SDK, in Chromium', () => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let edge: Running<EdgeInfo>
  let launcher: Running<LauncherInfo>
  let dapp: DappServer
  let liar: Server
  let liarUrl: string
  let browser: Browser
  let page: Page
  const cid = (name: keyof typeof FUNCTIONS | 'www'): string => edge.info.roots[join(site.dir, name)]

  beforeAll(async () => {
    site = await makeSite(FUNCTIONS)
    const served = [...Object.keys(FUNCTIONS).filter(name => !name.startsWith('www/')), 'www']
    // an edge in a time zone of its own, which its functions must not see
    edge = await spawnEdge(['--functions', ...served.flatMap(name => ['--serve', join(site.dir, name)])], { env: { TZ: 'America/New_York' } })
    launcher = await spawnLauncher(['--edge', edge.info.http])
    dapp = await startDappServer(`${launcher.info.gateway}/sdk/edgeway.js`)
    // runs functions through the honest edge, and changes their answers; passes content through untouched
    liar = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        void fetch(`${edge.info.http}${req.url ?? '/'}`, { method: req.method, headers: { accept: req.headers.accept ?? '*/*' }, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined }).then(async (response) => {
          const body = Buffer.from(await response.arrayBuffer())
          const altered = req.url?.startsWith('/fn/') === true ? Buffer.from(body.toString().replace('hello', 'howdy')) : body
          res.writeHead(response.status, { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*', 'content-type': response.headers.get('content-type') ?? 'application/octet-stream', 'x-edgeway-function': response.headers.get('x-edgeway-function') ?? '' }).end(altered)
        }, () => { res.destroy() })
      })
    })
    await new Promise<void>(resolve => { liar.listen(0, '127.0.0.1', resolve) })
    liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
    await page.goto(dapp.url)
    await page.waitForFunction(() => 'createEdgeClient' in window)
  })

  afterAll(async () => {
    await browser?.close()
    liar?.close()
    dapp?.server.close()
    await launcher?.stop()
    await edge?.stop()
    await site?.remove()
  })

  /** Creates a client in the page (`on`) on `edges`, invokes `url` with `init`, and reads the answer */
  async function invoke (edges: string[], url: string, init: Record<string, unknown> = {}, on: Page = page): Promise<Answer> {
    return on.evaluate(async ({ edges, url, init }) => {
      type Client = { invoke(url: string, init: object): Promise<Response>, fetch(url: string): Promise<Response>, stop(): Promise<void> }
      const client = (window as unknown as { createEdgeClient: (options: object) => Client }).createEdgeClient({ edges, allowLocal: true, allowInsecure: true })
      try {
        const response = await client.invoke(url, init)
        return { status: response.status, text: await response.text(), fn: response.headers.get('x-edgeway-function'), verified: response.headers.get('x-edgeway-verified') }
      } catch (err: any) {
        return { status: 0, text: '', fn: null, verified: null, error: err.name }
      } finally {
        await client.stop()
      }
    }, { edges, url, init })
  }

  it('runs hello world and echoes a POSTed JSON body on the edge', async () => {
    const hello = await invoke([edge.info.http], `ipfs://${cid('hello.js')}/greet`)
    expect(hello).toMatchObject({ status: 200, text: 'hello from /greet', fn: cid('hello.js') })

    const echo = await invoke([edge.info.http], `ipfs://${cid('echo.js')}/`, { method: 'POST', body: JSON.stringify({ a: [1, 'ü'] }), headers: { 'content-type': 'application/json' } })
    expect(echo.status).toBe(200)
    expect(JSON.parse(echo.text)).toEqual({ method: 'POST', body: { a: [1, 'ü'] } })
  })

  it('answers 504 for a function that loops forever, while the edge answers another call', async () => {
    const [loop, hello] = await Promise.all([
      invoke([edge.info.http], `ipfs://${cid('loop.js')}/`),
      new Promise(resolve => setTimeout(resolve, 100)).then(async () => invoke([edge.info.http], `ipfs://${cid('hello.js')}/`))
    ])
    expect(loop.status).toBe(504)
    expect(hello.status).toBe(200)
  })

  it('denies a function the network and the file system', async () => {
    const escape = await invoke([edge.info.http], `ipfs://${cid('escape.js')}/`)
    expect(escape.status).toBe(200)
    expect(JSON.parse(escape.text)).toEqual({ denied: ['ReferenceError', 'ReferenceError'], require: 'undefined', process: 'undefined' })
  })

  it('answers with a clear error for content that is not a module', async () => {
    const answer = await invoke([edge.info.http], `ipfs://${cid('page.html')}/`)
    expect(answer.status).toBe(400)
    expect(answer.text).toContain('is not a function module')
  })

  it('with verify: "recompute", passes the honest edge and rejects one that altered the answer', async () => {
    const honest = await invoke([edge.info.http], `ipfs://${cid('hello.js')}/x`, { verify: 'recompute' })
    expect(honest).toMatchObject({ status: 200, text: 'hello from /x', verified: 'recompute' })

    const altered = await invoke([liarUrl], `ipfs://${cid('hello.js')}/x`, { verify: 'recompute' })
    expect(altered.error).toBe('FunctionVerificationError')
  })

  it('answers the same dates on an edge and in a browser in other time zones: both see local time as UTC', async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Kolkata' })
    try {
      const kolkata = await context.newPage()
      await kolkata.goto(dapp.url)
      await kolkata.waitForFunction(() => 'createEdgeClient' in window)
      expect(await kolkata.evaluate(() => new Date(2020, 0, 1).getTimezoneOffset())).toBe(-330)
      const url = `ipfs://${cid('dates.js')}/`
      const onEdge = await invoke([edge.info.http], url, {}, kolkata)
      const local = await invoke([edge.info.http], url, { where: 'local' }, kolkata)
      expect(onEdge.status).toBe(200)
      expect(local).toMatchObject({ status: 200, text: onEdge.text })
      expect(JSON.parse(onEdge.text)).toMatchObject({ newYear: Date.UTC(2020, 0, 1), parsed: '2024-05-01T10:00:00.000Z', hours: 12 })
      expect(await invoke([edge.info.http], url, { verify: 'recompute' }, kolkata)).toMatchObject({ status: 200, text: onEdge.text, verified: 'recompute' })
    } finally {
      await context.close()
    }
  })

  it('stops deep recursion with the same 500 on an edge and in the browser, and lets moderate recursion answer in both', async () => {
    for (const shape of ['plain', 'getter', 'tostring', 'proxy']) {
      const url = `ipfs://${cid('recurse.js')}/${shape}?depth=5000`
      const onEdge = await invoke([edge.info.http], url)
      expect(onEdge).toMatchObject({ status: 500, text: 'InternalError: stack overflow\n' })
      expect(await invoke([edge.info.http], url, { where: 'local' })).toMatchObject({ status: 500, text: onEdge.text })
    }
    const moderate = `ipfs://${cid('recurse.js')}/plain?depth=300`
    expect(await invoke([edge.info.http], moderate)).toMatchObject({ status: 200, text: 'plain 300 deep' })
    expect(await invoke([edge.info.http], moderate, { where: 'local' })).toMatchObject({ status: 200, text: 'plain 300 deep' })
  })

  it('the gateway\'s service worker passes /fn/ on its origin to the edges', async () => {
    const gateway = await (await browser.newContext()).newPage()
    try {
      await openThroughServiceWorker(gateway, `${launcher.info.gateway}/`)
      const hello = await fetchInPage(gateway, `/fn/${cid('hello.js')}/through/sw?x=1`)
      expect(hello).toMatchObject({ status: 200, text: 'hello from /through/sw' })
      expect(hello.headers['x-edgeway-function']).toBe(cid('hello.js'))

      const echo = await gateway.evaluate(async (url) => {
        const response = await fetch(url, { method: 'POST', body: JSON.stringify({ via: 'sw' }), headers: { 'content-type': 'application/json' } })
        return { status: response.status, body: await response.json() }
      }, `/fn/${cid('echo.js')}/`)
      expect(echo).toEqual({ status: 200, body: { method: 'POST', body: { via: 'sw' } } })

      expect((await fetchInPage(gateway, '/fn/not-a-cid/')).status).toBe(400)
    } finally {
      await gateway.context().close()
    }
  })

  it('a link to /fn/<cid>/… opens in a fresh browser, sandboxed: the function\'s page shows and its script does not run', async () => {
    const context = await browser.newContext()
    try {
      const tab = await context.newPage()
      // the first request has no SW yet: the server's bootstrap page installs it, and the link is loaded again
      await tab.goto(`${launcher.info.gateway}/fn/${cid('html.js')}/hello/there`)
      await tab.waitForFunction(() => navigator.serviceWorker?.controller != null && document.querySelector('[data-testid="fn"]') != null, null, { timeout: 60_000 })
      expect(await tab.getByTestId('fn').textContent()).toBe('/hello/there')
      expect(await tab.title()).toBe('from a function')
      const answer = await fetchInPage(tab, tab.url())
      expect(answer.headers['content-security-policy']).toMatch(/^sandbox /)
      // a body over the functions' limit is refused by the SW before any edge sees it
      const big = await tab.evaluate(async url => (await fetch(url, { method: 'POST', body: new Uint8Array(1024 * 1024 + 1) })).status, `/fn/${cid('echo.js')}/`)
      expect(big).toBe(413)
    } finally {
      await context.close()
    }
  })

  it('a form posted to a function through the gateway lands where its redirect says, on the gateway\'s origin', async () => {
    const context = await browser.newContext()
    try {
      const tab = await context.newPage()
      await tab.goto(`${launcher.info.gateway}/fn/${cid('form.js')}/`)
      await tab.waitForFunction(() => navigator.serviceWorker?.controller != null && document.querySelector('[data-testid="send"]') != null, null, { timeout: 60_000 })
      await tab.getByTestId('send').click()
      await tab.getByTestId('thanks').waitFor({ timeout: 30_000 })
      // the address bar says the result's page, so a reload asks for it again and posts nothing
      expect(tab.url()).toBe(`${launcher.info.gateway}/fn/${cid('form.js')}/thanks`)
    } finally {
      await context.close()
    }
  })

  it('leaves /fn/ to the site on a root\'s own origin', async () => {
    const sitePage = await (await browser.newContext()).newPage()
    try {
      const origin = `http://${cid('www')}.ipfs.localhost:${new URL(launcher.info.gateway).port}`
      await openThroughServiceWorker(sitePage, `${origin}/`)
      expect(await fetchInPage(sitePage, '/fn/note.txt')).toMatchObject({ status: 200, text: 'a note in the site\n' })
    } finally {
      await sitePage.context().close()
    }
  })

  it('with where: "local", answers 503 when the browser\'s sandbox cannot start, and a call with a signal leaves a sandbox that never starts', async () => {
    // a page of its own, whose requests for the sandbox's worker script fail, then pass, then hang
    const context = await browser.newContext()
    let worker: 'fail' | 'hang' | 'pass' = 'fail'
    let hung = 0
    await context.route('**/sandbox-worker-*.js', async (route) => {
      if (worker === 'hang') hung++
      if (worker === 'fail') await route.abort('connectionrefused')
      else if (worker === 'pass') await route.continue()
      // 'hang': never answered
    })
    try {
      const own = await context.newPage()
      await own.goto(dapp.url)
      await own.waitForFunction(() => 'createEdgeClient' in window)
      const call = async (url: string, timeoutMs?: number): Promise<Answer> => own.evaluate(async ({ edges, url, timeoutMs }) => {
        // one client while the worker script fails, then passes; a new one when it hangs
        const page = window as unknown as { client?: { invoke(url: string, init: object): Promise<Response> }, createEdgeClient: (options: object) => unknown }
        if (timeoutMs != null || page.client == null) page.client = page.createEdgeClient({ edges, allowLocal: true, allowInsecure: true }) as typeof page.client
        try {
          const response = await page.client!.invoke(url, { where: 'local', signal: timeoutMs == null ? undefined : AbortSignal.timeout(timeoutMs) })
          return { status: response.status, text: await response.text(), fn: response.headers.get('x-edgeway-function'), verified: null }
        } catch (err: any) {
          return { status: 0, text: '', fn: null, verified: null, error: err.name }
        }
      }, { edges: [edge.info.http], url, timeoutMs })
      const url = `ipfs://${cid('hello.js')}/local`

      const failed = await call(url)
      expect(failed).toMatchObject({ status: 503, fn: cid('hello.js') })
      expect(failed.text).toContain('could not start')

      // the next call starts the sandbox afresh
      worker = 'pass'
      expect(await call(url)).toMatchObject({ status: 200, text: 'hello from /local' })

      worker = 'hang'
      const started = Date.now()
      expect(await call(url, 1_500)).toMatchObject({ status: 0, error: 'TimeoutError' })
      expect(Date.now() - started).toBeLessThan(5_000)
      // it waited for the Worker, not for the module
      expect(hung).toBe(1)
    } finally {
      await context.close()
    }
  })

  it('with where: "local", runs in a page whose CSP lets it reach only its own origin, the gateway and the edge', async () => {
    const gateway = new URL(launcher.info.gateway).origin
    const strict = await startDappServer(`${launcher.info.gateway}/sdk/edgeway.js`, {
      'Content-Security-Policy': `default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval' ${gateway}; worker-src blob: ${gateway}; connect-src 'self' ${gateway} ${edge.info.http}`
    })
    const context = await browser.newContext()
    try {
      const own = await context.newPage()
      await own.goto(strict.url)
      await own.waitForFunction(() => 'createEdgeClient' in window)
      const answer = await own.evaluate(async ({ edges, url }) => {
        const client = (window as unknown as { createEdgeClient: (options: object) => { invoke(url: string, init: object): Promise<Response> } }).createEdgeClient({ edges, allowLocal: true, allowInsecure: true })
        const response = await client.invoke(url, { where: 'local' })
        return { status: response.status, text: await response.text() }
      }, { edges: [edge.info.http], url: `ipfs://${cid('hello.js')}/strict` })
      expect(answer).toEqual({ status: 200, text: 'hello from /strict' })
    } finally {
      await context.close()
      strict.server.close()
    }
  })

  it('with where: "local", runs in the browser with every edge down', async () => {
    // the module is in the page's verified store once read; then the edge goes away
    await invoke([edge.info.http], `ipfs://${cid('hello.js')}/warm`, { where: 'local' })
    await edge.stop()
    const local = await invoke([edge.info.http], `ipfs://${cid('hello.js')}/offline`, { where: 'local' })
    expect(local).toMatchObject({ status: 200, text: 'hello from /offline', fn: cid('hello.js') })
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFunctionSandbox } from './function-sandbox.ts'
import { loadQuickJSWasm } from './quickjs-wasm-node.ts'
import type { FunctionSandbox } from './function-sandbox.ts'

/** URLs a function reads or builds, alone or against a base: each read in the sandbox as the host's own URL reads it */
const URLS: Array<[string, string?]> = [
  ['http://a.test/日本?q=東京#frag é'],
  ['http://a.test/a b?q=ä&r=\'x\'"<>`{}|'],
  ['http://a.test/files/..\\admin'],
  ['http://a.test/files/.\t./admin'],
  ['http://a.test/files/%2e%2E/admin'],
  ['http://a.test/files/.%2e/admin/.'],
  ['http://a.test/%7Efoo/a%2fb/%zz'],
  ['http://a.test/b?'],
  ['http://a.test/b#'],
  ['http://a.test/b?#'],
  ['HTTP://A.TEST:80/x'],
  ['https://a.test:443'],
  ['http://a.test:08080/x'],
  ['  http://a.test/x\n  '],
  ['http:a.test/x'],
  ['http:\\\\a.test\\x\\y'],
  ['http://[::1]:8080/x'],
  ['http://a.test/\ud800x'],
  ['?x=1', 'http://b.test/dir/page?old#h'],
  ['', 'http://b.test/dir/page?old#h'],
  ['#next', 'http://b.test/dir/page?old#h'],
  ['../up?a b', 'http://b.test/dir/sub/page'],
  ['//other.test/p', 'http://b.test/dir/page'],
  ['\\\\other.test\\p', 'http://b.test/dir/page'],
  ['http:rel', 'http://b.test/dir/page'],
  ['/abs/./x/../y', 'https://b.test:8443/dir/page'],
  ['http:/foo', 'http://a.test/dir/page'],
  ['http:\\foo', 'http://a.test/dir/page'],
  ['https:/foo', 'http://a.test/dir/page'],
  // the shape of the URL a function is called with, also in the forms a Host header may give it
  ['http://Edge.Test:80/orders/7?q=a%20b&r=1'],
  ['http://127.0.0.1:08080/a/./b/%2E%2e/c?x=\'y\''],
  ['https://[::1]:443/x/..?'],
  ['http://a.test/x/.']
]

/** Query strings as URLSearchParams reads them, and pairs as it writes them */
const QUERIES = ['a+b%25%zz=%FF&c', '?x=1&x=2&1=one', '==&&=a=b']
const PAIRS: Array<[string, string]> = [['!\'()~*', 'a b+c'], ['é', '\ud800'], ['x', '=&?#']]

describe('URL and URLSearchParams in the sandbox', () => {
  let sandbox: FunctionSandbox

  beforeAll(async () => {
    sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm() })
  })

  afterAll(async () => {
    await sandbox?.close()
  })

  /** Runs `body` (a function of URL and URLSearchParams returning JSON) in the sandbox and in this host */
  async function both (body: string, args: unknown): Promise<[unknown, unknown]> {
    const source = `const work = (URL, URLSearchParams, args) => { ${body} }
      export default async () => Response.json(work(URL, URLSearchParams, ${JSON.stringify(args)}))`
    const { response } = await sandbox.run(`bafyurl${body.length}${JSON.stringify(args).length}`, source, { method: 'GET', url: 'http://edge.test/', headers: [], body: new Uint8Array(0) })
    // eslint-disable-next-line no-new-func
    const here = new Function('URL', 'URLSearchParams', 'args', body) as (...a: unknown[]) => unknown
    return [JSON.parse(new TextDecoder().decode(response.body)), JSON.parse(JSON.stringify(here(URL, URLSearchParams, args)))]
  }

  it('parses, resolves and serializes URLs as the host does', async () => {
    const [sandboxed, host] = await both(`return args.map(([input, base]) => {
      try { const u = new URL(input, base); return [u.href, u.origin, u.host, u.pathname, u.search, u.hash] } catch (err) { return err.name }
    })`, URLS)
    expect(sandboxed).toEqual(host)
  })

  it('keeps a URL and its searchParams one, both ways', async () => {
    const [sandboxed, host] = await both(`const u = new URL('http://a.test/p?a=1&b=2#h')
      const params = u.searchParams
      const seen = [params === u.searchParams]
      params.set('a', '2 3'); seen.push(u.href)
      params.append('c', 'é'); seen.push(u.search)
      u.search = '?z=1'; seen.push(params.get('z'), params.has('a'))
      params.delete('z'); seen.push(u.href)
      u.pathname = 'x y/../z'; u.hash = 'a b'; seen.push(u.href)
      u.href = 'http://b.test/q?k=v'; seen.push(params.get('k'), u.host)
      return seen`, null)
    expect(sandboxed).toEqual(host)
  })

  it('reads and writes form-encoded pairs as the host does', async () => {
    const [sandboxed, host] = await both(`return [
      ...args.queries.map(q => { const p = new URLSearchParams(q); return [[...p], p.get(1), p.toString()] }),
      new URLSearchParams(args.pairs).toString(),
      (() => { const p = new URLSearchParams('b=2&a=1&b=1&a=0'); p.sort(); return p.toString() })()
    ]`, { queries: QUERIES, pairs: PAIRS })
    expect(sandboxed).toEqual(host)
  })
})

import { request } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CID_V0, CID_V1, CID_V1_BASE36 } from '../../src/lib/cid-examples.ts'
import { DEFAULT_CONFIG } from '../../src/lib/config.ts'
import { startGateway } from '../gateway/start-gateway.ts'
import type { Gateway } from '../gateway/start-gateway.ts'

const SW = '/* the service worker */'

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/** A GET with the Host header a browser sends for `host` (fetch() does not let a test set Host). */
async function get (gateway: Gateway, host: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { port } = new URL(gateway.url)
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { ...headers, Host: `${host}:${port}` } }, res => {
      let body = ''
      res.on('data', chunk => { body += String(chunk) })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }) })
    }).on('error', reject).end()
  })
}

describe('gateway server', () => {
  let dist: string
  let plain: Gateway
  let subdomains: Gateway

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'edgeway-dist-'))
    await writeFile(join(dist, 'sw.js'), SW)
    await writeFile(join(dist, 'index.html'), '<title>gateway page</title>')
    plain = await startGateway({ config: DEFAULT_CONFIG, distDir: dist })
    subdomains = await startGateway({ config: { ...DEFAULT_CONFIG, subdomains: true }, distDir: dist })
  })

  afterAll(async () => {
    await plain?.stop()
    await subdomains?.stop()
    await rm(dist, { recursive: true, force: true })
  })

  it('keeps /sw.js, /edgeway.json and the bootstrap page for path URLs on its own host', async () => {
    expect((await get(plain, 'localhost', '/sw.js')).body).toBe(SW)
    expect(JSON.parse((await get(plain, 'localhost', '/edgeway.json')).body)).toMatchObject({ subdomains: false })
    const page = await get(plain, 'localhost', `/ipfs/${CID_V0}/x`)
    expect(page.status).toBe(200)
    expect(page.body).toContain('register("/sw.js"')
  })

  it('on a subdomain origin, serves the SW and its config under /_edgeway/ and the bootstrap page for every other path', async () => {
    const host = `${CID_V1}.ipfs.localhost`
    const sw = await get(plain, host, '/_edgeway/sw.js')
    expect(sw.body).toBe(SW)
    expect(sw.headers['service-worker-allowed']).toBe('/')
    expect(JSON.parse((await get(plain, host, '/_edgeway/edgeway.json')).body)).toMatchObject({ edges: [] })
    for (const path of ['/', '/sw.js', '/edgeway.json', '/index.html', '/a/b?c=d']) {
      const page = await get(plain, host, path)
      expect(page.status, path).toBe(200)
      expect(page.body, path).toContain('register("/_edgeway/sw.js"')
    }
    expect((await get(plain, host, '/_edgeway/nothing')).status).toBe(404)
  })

  it('answers a subdomain label that names no content with the 400 error page', async () => {
    for (const host of ['not-a-cid.ipfs.localhost', `${CID_V0.toLowerCase()}.ipfs.localhost`, 'localhost.ipns.localhost']) {
      const page = await get(plain, host, '/')
      expect(page.status, host).toBe(400)
      expect(page.body, host).toContain('data-testid="error"')
    }
    const json = await get(plain, 'not-a-cid.ipfs.localhost', '/', { Accept: 'application/json' })
    expect(JSON.parse(json.body)).toMatchObject({ status: 400, error: 'InvalidRequestError' })
  })

  it('in subdomain mode, moves path URLs to their root\'s origin, CIDv0 as CIDv1 base32', async () => {
    const moved = await get(subdomains, 'localhost', `/ipfs/${CID_V0}/x?y=1`)
    const { port } = new URL(subdomains.url)
    expect(moved.status).toBe(301)
    expect(moved.headers.location).toBe(`http://${CID_V1}.ipfs.localhost:${port}/x?y=1`)
    expect((await get(subdomains, 'localhost', '/ipns/en.wikipedia-on-ipfs.org/')).headers.location).toBe(`http://en-wikipedia--on--ipfs-org.ipns.localhost:${port}/`)
    expect((await get(subdomains, 'localhost', '/ipfs/not-a-cid/')).status).toBe(400)
    // an IP address has no subdomains: the path URL is served as before
    expect((await get(subdomains, '127.0.0.1', `/ipfs/${CID_V1}/`)).body).toContain('register("/sw.js"')
  })

  it('answers every path that is neither content nor its own with the readable 404 page, JSON when asked, linking back to the gateway page', async () => {
    for (const path of ['/nothing-here', '/foo/bar', '/ipfsx/abc']) {
      const page = await get(plain, 'localhost', path, { Accept: 'text/html' })
      expect(page.status, path).toBe(404)
      expect(page.headers['content-type'], path).toContain('text/html')
      expect(page.body, path).toContain('data-testid="error"')
      expect(page.body, path).toContain('data-error="UnknownPathError"')
      expect(page.body, path).toContain('<a href="/">Edgeway gateway</a>')
    }
    const json = await get(plain, 'localhost', '/nothing-here', { Accept: 'application/json' })
    expect(json.status).toBe(404)
    expect(JSON.parse(json.body)).toMatchObject({ status: 404, error: 'UnknownPathError', message: expect.stringContaining('/nothing-here') })
    // on a content root's origin, "/" is the content: the link goes to the gateway's own origin
    const { port } = new URL(plain.url)
    const reserved = await get(plain, `${CID_V1}.ipfs.localhost`, '/_edgeway/nothing')
    expect(reserved.status).toBe(404)
    expect(reserved.body).toContain(`<a href="http://localhost:${port}/">Edgeway gateway</a>`)
  })

  it('lets a page on any origin read /edgeway.json', async () => {
    for (const [host, path] of [['localhost', '/edgeway.json'], ['localhost', '/_edgeway/edgeway.json'], [`${CID_V1}.ipfs.localhost`, '/_edgeway/edgeway.json']]) {
      const config = await get(plain, host, path, { Origin: 'https://dapp.example' })
      expect(config.status, path).toBe(200)
      expect(config.headers['access-control-allow-origin'], path).toBe('*')
    }
  })

  it('in subdomain mode, moves a CIDv1 in any base or case to its base32 subdomain', async () => {
    const { port } = new URL(subdomains.url)
    for (const root of [CID_V1.toUpperCase(), CID_V1_BASE36]) {
      const moved = await get(subdomains, 'localhost', `/ipfs/${root}/x?y=1`)
      expect(moved.status, root).toBe(301)
      expect(moved.headers.location, root).toBe(`http://${CID_V1}.ipfs.localhost:${port}/x?y=1`)
    }
  })
})

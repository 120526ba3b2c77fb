import { createServer } from 'node:http'
import { resolve } from 'node:path'
import { logger } from '@libp2p/logger'
import { bootstrapPage } from './bootstrap-page.ts'
import { serveStatic } from './static-files.ts'
import type { EdgewayConfig } from '../../src/lib/config.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const log = logger('edgeway:gateway')

export interface GatewayOptions {
  /** What `/edgeway.json` says: the edges the browser fetches from */
  config: EdgewayConfig
  /**
   * Port to listen on; 0 picks a free one
   *
   * @default 0
   */
  port?: number
  /**
   * @default '127.0.0.1'
   */
  host?: string
  /**
   * The built page, SW and SDK
   *
   * @default '<project>/dist'
   */
  distDir?: string
  signal?: AbortSignal
}

export interface Gateway {
  /** `http://localhost:<port>`: a secure context, so service workers run */
  url: string
  stop(): Promise<void>
}

/**
 * The gateway server: the page, `/sw.js`, the SDK and `/edgeway.json`. Any
 * /ipfs/ or /ipns/ URL gets the bootstrap page, which installs the SW; content
 * bytes only ever come from edges, through the SW.
 */
export async function startGateway (options: GatewayOptions): Promise<Gateway> {
  options.signal?.throwIfAborted()
  const distDir = resolve(options.distDir ?? resolve(import.meta.dirname, '../../dist'))
  const configJson = JSON.stringify(options.config)

  const server = createServer((req, res) => {
    handle(req, res).catch(err => {
      log.error('request %s failed - %e', req.url, err)
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
      }
      res.end('Gateway server error')
    })
  })

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed')
      return
    }
    if (url.pathname === '/edgeway.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }).end(configJson)
      return
    }
    if (/^\/ip[fn]s(\/|$)/.test(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(bootstrapPage())
      return
    }
    if (url.pathname === '/sw.js') {
      if (await serveStatic(distDir, '/sw.js', res, { 'Service-Worker-Allowed': '/' })) {
        return
      }
    } else if (url.pathname.startsWith('/sdk/')) {
      // dApps on other origins import the SDK from here
      if (await serveStatic(distDir, url.pathname, res, { 'Access-Control-Allow-Origin': '*' })) {
        return
      }
    } else if (await serveStatic(distDir, url.pathname, res)) {
      return
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found')
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => { resolve() })
  })
  const { port } = server.address() as AddressInfo
  const url = `http://localhost:${port}`
  log('gateway at %s', url)
  return {
    url,
    async stop () {
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  }
}

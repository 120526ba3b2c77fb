import { createServer } from 'node:http'
import { resolve } from 'node:path'
import { logger } from '@libp2p/logger'
import { errorToResponse, statusOf } from '../../src/lib/error-to-response.ts'
import { InvalidRequestError, UnknownPathError } from '../../src/lib/errors.ts'
import { RESERVED_PREFIX, SUBDOMAIN_CONFIG_PATH, SUBDOMAIN_SW_PATH, contentPathFor, splitSubdomainHost, toSubdomainUrl } from '../../src/lib/subdomain-gateway.ts'
import { HTTP_SERVER_OPTIONS, limitConnections } from '../node/connection-limits.ts'
import { HTTP_LISTEN_BACKLOG } from '../node/defaults.ts'
import { bootstrapPage } from './bootstrap-page.ts'
import { serveStatic } from './static-files.ts'
import type { EdgewayConfig } from '../../src/lib/config.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const log = logger('edgeway:gateway')

/**
 * The page build's assets under the gateway's reserved prefix:
 * `/_edgeway/assets/<file>` is `dist/assets/<file>`, a plain file name
 * (no escapes, no `..`), so nothing else of dist/ is reached this way
 */
const PAGE_ASSET = /^\/_edgeway\/assets\/[\w-]+(\.[\w-]+)+$/

/** The URL the browser asked for: its Host header (a subdomain origin, or the gateway's own) and path. */
function requestUrl (req: IncomingMessage): URL {
  const host = req.headers.host ?? 'localhost'
  try {
    return new URL(`http://${host}${req.url?.startsWith('/') === true ? req.url : '/'}`)
  } catch {
    throw new InvalidRequestError(`Not a host name: ${host.slice(0, 80)}`)
  }
}

function sendBootstrapPage (res: ServerResponse, scriptUrl: string): void {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(bootstrapPage(scriptUrl))
}

/** Any path that is neither content nor the gateway's own: the same readable 404 page (or JSON) the SW answers errors with. */
function notFound (url: URL): UnknownPathError {
  const path = url.pathname.length > 200 ? `${url.pathname.slice(0, 200)}…` : url.pathname
  return new UnknownPathError(`Nothing is at ${path} on this gateway`)
}

/** The gateway page an error page links back to: on a content root's own origin, `/` is the content's. */
function gatewayPageFor (host: string | undefined): string {
  const subdomain = splitSubdomainHost(host ?? '')
  return subdomain == null ? '/' : `http://${subdomain.gatewayHost}/`
}

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
 * /ipfs/, /ipns/ or /fn/ URL gets the bootstrap page, which installs the SW (or, in
 * subdomain mode, a redirect to its root's own origin); so does any path on a
 * `<root>.ipfs.` / `<root>.ipns.` subdomain of the Host, whose SW and
 * configuration live under `/_edgeway/`. Content bytes only ever come from
 * edges, through the SW. Idle and unfinished requests time out, and each
 * client holds a bounded number of connections (`connection-limits.ts`).
 */
export async function startGateway (options: GatewayOptions): Promise<Gateway> {
  options.signal?.throwIfAborted()
  const distDir = resolve(options.distDir ?? resolve(import.meta.dirname, '../../dist'))
  // this server's origin runs no script but the gateway page and the SW (content is redirected to its own
  // origin or sandboxed without scripts), so its SW may keep whole verified files
  const configJson = JSON.stringify({ ...options.config, verifiedFiles: true })

  const server = createServer(HTTP_SERVER_OPTIONS, (req, res) => {
    handle(req, res).catch(async err => {
      if (statusOf(err) >= 500) {
        log.error('request %s failed - %e', req.url, err)
      }
      if (res.headersSent) {
        res.destroy()
        return
      }
      // the same readable page (or JSON) the SW answers errors with
      const response = errorToResponse(err, { accept: req.headers.accept, gatewayUrl: gatewayPageFor(req.headers.host) })
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()))
    })
  })

  // its own caps, apart from the edge's: a flood of one server leaves the other its connections
  limitConnections(server)

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed')
      return
    }
    const url = requestUrl(req)
    const subdomain = splitSubdomainHost(url.host)
    if (subdomain != null) {
      await handleSubdomain(res, url, subdomain.gatewayHost)
      return
    }
    if (url.pathname === '/edgeway.json' || url.pathname === SUBDOMAIN_CONFIG_PATH) {
      sendConfig(res)
      return
    }
    if (/^\/ip[fn]s(\/|$)/.test(url.pathname)) {
      // in subdomain mode the server moves a path URL to its root's own origin before any SW exists
      const target = options.config.subdomains ? toSubdomainUrl(url, url.host) : null
      if (target != null) {
        res.writeHead(301, { Location: target, 'Cache-Control': 'no-store' }).end()
      } else {
        sendBootstrapPage(res, '/sw.js')
      }
      return
    }
    if (url.pathname.startsWith('/fn/')) {
      // a function call on the gateway's origin goes through its SW to the edges; a first visit installs it
      sendBootstrapPage(res, '/sw.js')
      return
    }
    if (await servePageAsset(res, url)) {
      return
    }
    if (url.pathname === '/sw.js' || url.pathname === SUBDOMAIN_SW_PATH) {
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
    throw notFound(url)
  }

  /**
   * A `<root>.ipfs.<host>` origin: every path is content, so everything but
   * the reserved `/_edgeway/` paths gets the bootstrap page, which installs
   * the SW from `/_edgeway/sw.js`. A label that names no content is a 400
   * (`contentPathFor` throws).
   */
  async function handleSubdomain (res: ServerResponse, url: URL, gatewayHost: string): Promise<void> {
    if (contentPathFor(url, gatewayHost) != null) {
      sendBootstrapPage(res, SUBDOMAIN_SW_PATH)
    } else if (url.pathname === SUBDOMAIN_CONFIG_PATH) {
      sendConfig(res)
    } else if (await servePageAsset(res, url)) {
      // the loader page's script, which the SW names when it answers a link only other browsers hold
    } else if (url.pathname !== SUBDOMAIN_SW_PATH || !await serveStatic(distDir, '/sw.js', res, { 'Service-Worker-Allowed': '/' })) {
      throw notFound(url)
    }
  }

  /**
   * `/_edgeway/assets/<file>`: the page build's hashed assets on any origin,
   * a root's own included (where every other path is content), for the
   * loader page the SW answers there. Static code of the gateway's own: a
   * content origin gains nothing it could not already load from the gateway.
   */
  async function servePageAsset (res: ServerResponse, url: URL): Promise<boolean> {
    return PAGE_ASSET.test(url.pathname) && serveStatic(distDir, url.pathname.slice(RESERVED_PREFIX.length - 1), res)
  }

  /**
   * `/edgeway.json` is readable from any origin, so a dApp elsewhere can use
   * the same edges: it holds only what every browser of this gateway is given
   * anyway (public endpoints and flags), and no request carries credentials.
   */
  function sendConfig (res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' }).end(configJson)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', backlog: HTTP_LISTEN_BACKLOG }, () => { resolve() })
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

import { createServer } from 'node:http'
import { logger } from '@libp2p/logger'
import { HTTP_SERVER_OPTIONS, limitConnections } from './connection-limits.ts'
import { EXPOSED_HEADERS, HTTP_CLOSE_GRACE_MS, HTTP_LISTEN_BACKLOG } from './defaults.ts'
import { MethodNotAllowedError, NotFoundError } from './errors.ts'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const log = logger('edgeway:edge:http')

export interface RouteRequest {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** HEAD: answer with the headers a GET would get, and no body */
  head: boolean
  /** Aborts when the client goes away */
  signal: AbortSignal
}

/** One entry of the edge's HTTP pipeline */
export interface HttpRoute {
  id: string
  canHandle(url: URL): boolean
  /**
   * Methods it answers
   *
   * @default ['GET', 'HEAD']
   */
  methods?: string[]
  handle(request: RouteRequest): Promise<void>
  /** Headers of the route's own that its answer to a method it does not take (a 405, before `handle`) carries too */
  refusalHeaders?(url: URL): Record<string, string>
}

export interface EdgeHttpServer {
  port: number
  /** Stops accepting, ends idle keep-alive sockets at once and busy ones after a short grace */
  close(): Promise<void>
}

export interface HttpServerOptions {
  host: string
  port: number
}

/**
 * A plain `node:http` server running `routes` in order; the first whose
 * `canHandle` accepts the URL answers. Every response allows any origin, since
 * what it serves is public and verified by its reader anyway. A thrown error
 * becomes a status by its `.name`; once a body has started, the socket is cut
 * instead, so a client never mistakes a truncated CAR for a complete one.
 * Idle and unfinished requests time out, and each client holds a bounded
 * number of connections (`connection-limits.ts`).
 */
export async function startHttpServer (routes: HttpRoute[], { host, port }: HttpServerOptions): Promise<EdgeHttpServer> {
  const server = createServer(HTTP_SERVER_OPTIONS, (req, res) => {
    void handleRequest(routes, req, res)
  })
  limitConnections(server)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port, host, backlog: HTTP_LISTEN_BACKLOG }, () => {
      server.off('error', reject)
      resolve()
    })
  })

  server.on('error', (err) => { log.error('server error - %e', err) })

  return {
    port: (server.address() as AddressInfo).port,
    close: async () => { await closeServer(server) }
  }
}

async function handleRequest (routes: HttpRoute[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) {
      controller.abort()
    }
  })

  try {
    setCorsHeaders(req, res)

    if (req.method === 'OPTIONS') {
      res.writeHead(204).end()
      return
    }

    const url = new URL(req.url ?? '/', 'http://edge.invalid')
    const route = routes.find(r => r.canHandle(url))
    const methods = route?.methods ?? ['GET', 'HEAD']

    if (!methods.includes(req.method ?? '')) {
      // a 405 says what the resource allows (RFC 9110, 15.5.6)
      res.setHeader('Allow', methods.join(', '))
      for (const [name, value] of Object.entries(route?.refusalHeaders?.(url) ?? {})) res.setHeader(name, value)
      throw new MethodNotAllowedError(`${req.method} is not supported here; use ${methods.join(' or ')}`)
    }

    if (route == null) {
      throw new NotFoundError(`${url.pathname} is not served here (try /ipfs/<cid>?format=raw|car, /ipns/<name>?format=ipns-record, /routing/v1/providers/<cid>, /routing/v1/ipns/<name>, /dns-query or /info)`)
    }

    await route.handle({ req, res, url, head: req.method === 'HEAD', signal: controller.signal })
  } catch (err: any) {
    if (controller.signal.aborted) {
      // the connection is gone (the client left, or a stream failed mid-body): no one to answer
      log('response to %s ended early - %s', req.url, err.message)
      res.destroy()
      return
    }
    sendError(res, err)
  }
}

function setCorsHeaders (req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '))

  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, PUT, POST, OPTIONS')
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*')
    res.setHeader('Access-Control-Max-Age', '86400')
    if (req.headers['access-control-request-private-network'] === 'true') {
      // Chromium asks before a public page may reach a loopback/private edge
      res.setHeader('Access-Control-Allow-Private-Network', 'true')
    }
  }
}

const STATUS_BY_ERROR: Record<string, number> = {
  BadRequestError: 400,
  NotFoundError: 404,
  MethodNotAllowedError: 405,
  NotAcceptableError: 406,
  PayloadTooLargeError: 413,
  NotImplementedError: 501,
  ServiceUnavailableError: 503
}

function sendError (res: ServerResponse, err: Error): void {
  const status = STATUS_BY_ERROR[err.name] ?? 500

  if (status === 500) {
    log.error('request failed - %e', err)
  } else {
    log('%d %s', status, err.message)
  }

  if (res.headersSent) {
    res.destroy(err)
    return
  }

  const body = `${status === 500 ? 'Internal error' : err.message}\n`
  res.removeHeader('Content-Disposition')
  res.removeHeader('Etag')
  res.removeHeader('Cache-Control')
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store'
  })
  res.end(res.req?.method === 'HEAD' ? undefined : body)
}

async function closeServer (server: Server): Promise<void> {
  const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
  server.closeIdleConnections()
  const timer = setTimeout(() => { server.closeAllConnections() }, HTTP_CLOSE_GRACE_MS)
  try {
    await closed
  } finally {
    clearTimeout(timer)
  }
}

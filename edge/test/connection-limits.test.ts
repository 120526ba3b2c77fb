import { createServer } from 'node:http'
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { clientKey } from '../node/client-key.ts'
import { ConnectionCounts, limitConnections } from '../node/connection-limits.ts'
import type { Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

describe('ConnectionCounts', () => {
  it('admits a client up to its cap, then refuses it and only it', () => {
    const counts = new ConnectionCounts(2)
    expect([counts.admit('a'), counts.admit('a'), counts.admit('a')]).toEqual([true, true, false])
    expect(counts.admit('b')).toBe(true)
    expect(counts.of('a')).toBe(2)
  })

  it('admits again after a release, and forgets a client with no connection left', () => {
    const counts = new ConnectionCounts(1)
    counts.admit('a')
    counts.admit('b')
    counts.release('a')
    expect(counts.clients).toBe(1)
    expect(counts.admit('a')).toBe(true)
    counts.release('a')
    counts.release('b')
    expect(counts.clients).toBe(0)
  })
})

describe('clientKey', () => {
  it('is the address for IPv4, also when IPv4-mapped', () => {
    expect(clientKey('127.0.0.2')).toBe('127.0.0.2')
    expect(clientKey('::ffff:127.0.0.2')).toBe('127.0.0.2')
    expect(clientKey('::FFFF:7f00:2')).toBe('127.0.0.2')
  })

  it('is the /64 for IPv6, however the address is written', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64')
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(clientKey('::1')).toBe('0:0:0:0::/64')
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'))
  })
})

describe('limitConnections on a real server', () => {
  let server: Server | undefined
  const sockets: Socket[] = []

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy()
    server?.closeAllConnections()
    await new Promise(resolve => server?.close(resolve))
  })

  async function listen (limits: { perAddress: number, total: number }): Promise<number> {
    server = createServer((req, res) => { res.end('ok') })
    limitConnections(server, limits)
    await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve))
    return (server.address() as AddressInfo).port
  }

  /** Opens `count` connections from `localAddress`; resolves with how many the server still holds 200 ms later */
  async function held (port: number, count: number, localAddress: string): Promise<number> {
    const mine = Array.from({ length: count }, () => connect({ port, host: '127.0.0.1', localAddress }).on('error', () => {}))
    sockets.push(...mine)
    await new Promise(resolve => setTimeout(resolve, 200))
    return mine.filter(socket => !socket.closed).length
  }

  it('holds `perAddress` connections of one address and closes the rest at once; another address is not affected', async () => {
    const port = await listen({ perAddress: 3, total: 100 })
    expect(await held(port, 10, '127.0.0.1')).toBe(3)
    expect(await held(port, 2, '127.0.0.2')).toBe(2)
  })

  it('holds `total` connections of all addresses together', async () => {
    const port = await listen({ perAddress: 3, total: 5 })
    const kept = [await held(port, 3, '127.0.0.1'), await held(port, 3, '127.0.0.2'), await held(port, 3, '127.0.0.3')]
    expect(kept).toEqual([3, 2, 0])
  })

  it('lets an address connect again once its connections close', async () => {
    const port = await listen({ perAddress: 2, total: 100 })
    expect(await held(port, 2, '127.0.0.1')).toBe(2)
    for (const socket of sockets.splice(0)) socket.destroy()
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(await held(port, 2, '127.0.0.1')).toBe(2)
  })
})

import { RecordType } from '@multiformats/dns'
import { dnsJsonOverHttps } from '@multiformats/dns/resolvers'
import { describe, expect, it } from 'vitest'
import { dohJsonResolver } from './doh-json.ts'

const ANSWER = {
  Status: 0,
  TC: false,
  RD: true,
  RA: true,
  AD: false,
  CD: false,
  Question: [{ name: '_dnslink.example.com.', type: 16 }],
  Answer: [{ name: '_dnslink.example.com.', type: 16, TTL: 300, data: '"dnslink=/ipfs/bafkqaaa"' }, { name: '_dnslink.example.com.', type: 16, data: 'x' }]
}

describe('dohJsonResolver', () => {
  it('asks by name and type name, and answers as @multiformats/dns\'s JSON resolver does', async () => {
    const asked: string[] = []
    const fake = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      asked.push(String(url))
      expect(new Headers(init?.headers).get('accept')).toBe('application/dns-json')
      return Response.json(ANSWER)
    }
    const ours = await dohJsonResolver('https://doh.test/dns-query', fake as typeof fetch)('_dnslink.example.com', { types: [RecordType.TXT] })
    expect(asked).toEqual(['https://doh.test/dns-query?name=_dnslink.example.com&type=TXT'])
    const original = globalThis.fetch
    globalThis.fetch = fake as typeof fetch
    try {
      const theirs = await dnsJsonOverHttps('https://doh.test/dns-query')('_dnslink.example.com', { types: [RecordType.TXT] })
      expect(ours).toEqual(theirs)
    } finally {
      globalThis.fetch = original
    }
  })

  it('fails on a status other than 200', async () => {
    const fake = async (): Promise<Response> => new Response('no', { status: 503 })
    await expect(dohJsonResolver('https://doh.test/dns-query', fake as typeof fetch)('example.com')).rejects.toThrow(/503/)
  })
})

import { readCapped } from './read-capped.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * The most of a delegated routing answer a browser reads. An edge caps its
 * own answers at 64 KiB (100 records); a little more leaves room for another
 * router's formatting. Anything larger is an attack on the reader's memory
 * (a 207 MB answer was seen before answers were capped), not an answer.
 */
export const MAX_ROUTING_ANSWER_BYTES = 96 * 1024

/** A routing answer larger than `MAX_ROUTING_ANSWER_BYTES`: given up, its body cancelled, never buffered whole. */
export class RoutingAnswerTooLargeError extends Error {
  static name = 'RoutingAnswerTooLargeError'
  name = 'RoutingAnswerTooLargeError'
}

/** A provider record of a delegated routing v1 answer, as far as it is read here. */
export interface RoutingRecord {
  ID: string
  Addrs: string[]
  Protocols?: string[]
}

/**
 * The provider records of a `GET /routing/v1/providers/<cid>` answer, read
 * with a byte cap (`MAX_ROUTING_ANSWER_BYTES`). Records that are not
 * `{ ID: string, Addrs: string[] }` are left out; a body that is not JSON
 * throws.
 */
export async function readRoutingAnswer (response: Response, options: AbortOptions = {}): Promise<RoutingRecord[]> {
  const bytes = await readCapped(response, MAX_ROUTING_ANSWER_BYTES, () => new RoutingAnswerTooLargeError(`a routing answer is over ${MAX_ROUTING_ANSWER_BYTES} bytes`), options)
  const body = JSON.parse(new TextDecoder().decode(bytes)) as { Providers?: unknown } | null
  return Array.isArray(body?.Providers) ? body.Providers.filter(isRoutingRecord) : []
}

function isRoutingRecord (value: unknown): value is RoutingRecord {
  const record = value as Partial<RoutingRecord> | null
  return record != null && typeof record.ID === 'string' && Array.isArray(record.Addrs) && record.Addrs.every(a => typeof a === 'string') &&
    (record.Protocols === undefined || (Array.isArray(record.Protocols) && record.Protocols.every(p => typeof p === 'string')))
}

import * as dagJson from '@ipld/dag-json'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { base64 } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { InvalidRequestError } from './errors.ts'

/**
 * Provider announcements: how a browser peer tells an edge's delegated routing
 * which blocks it can serve, in the `announcement` schema of the delegated
 * routing write API (IPIP-378, a draft: `PUT /routing/v1/providers`). The
 * payload is signed by the announcing peer's key, so nobody can announce for
 * a peer id they do not hold.
 */
export interface AnnouncementPayload {
  /** The blocks announced, as CIDv1 strings; a reader matches them by multihash */
  CID: string[]
  /** Each CID stands for its own block only */
  Scope: 'block'
  /** When it was signed (RFC 3339); an edge refuses stale ones, so a captured announcement cannot be replayed later */
  Timestamp: string
  /** How long the edge should keep the records, in milliseconds; 1 withdraws them */
  TTL: number
  /**
   * A positive safe integer, higher in every announcement of this peer than in
   * the one before (withdrawals included): an edge refuses one that is not, so
   * a captured announcement cannot re-list a peer that has since withdrawn
   */
  Seq: number
  /** The announcing peer, an Ed25519 peer id whose key is inlined in it */
  ID: string
  /** Where the peer can be dialled, without `/p2p/<ID>` (for a browser: its relay addresses) */
  Addrs: string[]
  Protocols: string[]
}

export interface AnnouncementRecord {
  Schema: 'announcement'
  Payload: AnnouncementPayload
  /** Multibase (base64) signature of the signing bytes */
  Signature: string
}

/** The body of `PUT /routing/v1/providers` */
export interface AnnouncementRequest {
  Providers: AnnouncementRecord[]
}

/** Prefixed to the payload before signing, so the signature cannot be reused for anything else (as IPNS does) */
const SIGNING_PREFIX = fromString('PUT /routing/v1 announcement:')

/** A TTL that withdraws what it names: the records expire as they are stored. */
export const WITHDRAW_TTL_MS = 1

/** How far an announcement's timestamp may be from the edge's clock */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000

/** The bytes a signature covers: the prefix, then the payload as DAG-JSON (which sorts keys, so both sides agree). */
export function announcementSigningBytes (payload: AnnouncementPayload): Uint8Array {
  return concat([SIGNING_PREFIX, dagJson.encode(payload)])
}

export interface AnnouncementSigner {
  sign(data: Uint8Array): Uint8Array | Promise<Uint8Array>
}

export async function signAnnouncement (signer: AnnouncementSigner, payload: AnnouncementPayload): Promise<AnnouncementRecord> {
  const signature = await signer.sign(announcementSigningBytes(payload))
  return { Schema: 'announcement', Payload: payload, Signature: base64.encode(signature) }
}

/** An announcement that passed every check, with its CIDs parsed. */
export interface VerifiedAnnouncement {
  peerId: string
  cids: CID[]
  addrs: string[]
  protocols: string[]
  ttlMs: number
  seq: number
}

/** How large one announcement may be; the reader chooses (the edge: `ANNOUNCEMENT_LIMITS`) */
export interface AnnouncementRecordLimits {
  /** CIDs in one announcement */
  maxCids: number
  /** Entries of `Addrs` */
  maxAddrs: number
  /** Characters of one address */
  maxAddrChars: number
  /** Entries of `Protocols` */
  maxProtocols: number
  /** Characters of one protocol name */
  maxProtocolChars: number
}

export interface VerifyAnnouncementOptions {
  /** @default Date.now() */
  now?: number
  limits: AnnouncementRecordLimits
}

/**
 * Checks an untrusted announcement: its shape, its sizes against `limits`,
 * its Seq, its age and its signature by the key inlined in its peer id.
 * Throws `InvalidRequestError` saying why. (Whether the Seq is above the
 * peer's last one is for the reader to check: only it knows the last one.)
 */
export async function verifyAnnouncement (input: unknown, { now = Date.now(), limits }: VerifyAnnouncementOptions): Promise<VerifiedAnnouncement> {
  const record = input as Partial<AnnouncementRecord> | null
  if (record == null || typeof record !== 'object' || record.Schema !== 'announcement') {
    throw new InvalidRequestError('only records with "Schema": "announcement" can be written')
  }
  const payload = record.Payload as Partial<AnnouncementPayload> | undefined
  if (payload == null || typeof payload !== 'object' || typeof record.Signature !== 'string') {
    throw new InvalidRequestError('an announcement needs a "Payload" and a "Signature"')
  }
  if (payload.Scope !== undefined && payload.Scope !== 'block') {
    throw new InvalidRequestError('only "Scope": "block" is supported')
  }
  const cidStrings = stringList(payload.CID, 'CID')
  if (cidStrings.length > limits.maxCids) {
    throw new InvalidRequestError(`at most ${limits.maxCids} CIDs per announcement`)
  }
  const cids = cidStrings.map(text => {
    try {
      return CID.parse(text)
    } catch {
      throw new InvalidRequestError(`invalid CID "${text.slice(0, 100)}"`)
    }
  })
  // sizes first: they are cheap to check, and they bound what a listing of this peer costs every reader
  const addrs = boundedList(payload.Addrs, 'Addrs', limits.maxAddrs, limits.maxAddrChars)
  for (const addr of addrs) {
    try {
      multiaddr(addr)
    } catch {
      throw new InvalidRequestError(`invalid multiaddr "${addr.slice(0, 200)}"`)
    }
  }
  const protocols = boundedList(payload.Protocols ?? [], 'Protocols', limits.maxProtocols, limits.maxProtocolChars)
  const ttlMs = payload.TTL ?? 0
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 0) {
    throw new InvalidRequestError('"TTL" must be a whole number of milliseconds')
  }
  const seq = payload.Seq
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new InvalidRequestError('"Seq" must be a positive whole number, higher than in this peer\'s previous announcement')
  }
  const signedAt = typeof payload.Timestamp === 'string' ? Date.parse(payload.Timestamp) : NaN
  if (Number.isNaN(signedAt) || Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
    throw new InvalidRequestError('"Timestamp" is missing or too far from the current time')
  }
  let publicKey
  try {
    publicKey = peerIdFromString(String(payload.ID)).publicKey
  } catch {
    throw new InvalidRequestError(`invalid peer id "${String(payload.ID).slice(0, 100)}"`)
  }
  if (publicKey == null) {
    throw new InvalidRequestError('the peer id must inline its public key (Ed25519 or secp256k1)')
  }
  let signature: Uint8Array
  try {
    signature = base64.decode(record.Signature)
  } catch {
    throw new InvalidRequestError('"Signature" must be multibase base64')
  }
  if (!await publicKey.verify(announcementSigningBytes(payload as AnnouncementPayload), signature)) {
    throw new InvalidRequestError('the signature does not match the payload and the peer id')
  }
  return { peerId: String(payload.ID), cids, addrs, protocols, ttlMs, seq }
}

function boundedList (value: unknown, field: string, maxEntries: number, maxChars: number): string[] {
  const list = stringList(value, field)
  if (list.length > maxEntries) {
    throw new InvalidRequestError(`"${field}" may list at most ${maxEntries} entries`)
  }
  if (list.some(entry => entry.length > maxChars)) {
    throw new InvalidRequestError(`each of "${field}" may be at most ${maxChars} characters`)
  }
  return list
}

function stringList (value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every(item => typeof item === 'string')) {
    throw new InvalidRequestError(`"${field}" must be a list of strings`)
  }
  return value
}

import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

/**
 * Bad requests for the gateway, made from a seed so a failing run can be
 * repeated exactly. Every request names content (it stays under `/ipfs/` or
 * `/ipns/` once the browser has normalised the URL, so the service worker
 * answers it) and is wrong in a way the gateway must refuse: each one must be
 * answered with a 4xx/5xx error, quickly, and leave the SW working.
 */
export interface BadRequest {
  kind: BadRequestKind
  /** A path on the gateway's origin, with its query */
  url: string
  headers?: Record<string, string>
}

export type BadRequestKind = 'invalid-cid' | 'unsupported-hash' | 'unsupported-codec' | 'traversal' | 'long-path' | 'bad-percent' |
  'bad-range' | 'bad-accept' | 'bad-query' | 'bad-ipns-name'

/** Real content the requests are aimed at, so headers and queries are wrong about something that exists. */
export interface FuzzTarget {
  /** A directory's root CID */
  root: string
  /** A file in it, as a path relative to the root */
  file: string
  /** The file's size in bytes */
  fileSize: number
}

/** mulberry32: small, fast and the same in every runtime for a given seed. */
export function seededRandom (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed to use: `EDGEWAY_FUZZ_SEED` when set (to repeat a run), else a new one. */
export function fuzzSeed (): number {
  const given = process.env.EDGEWAY_FUZZ_SEED
  return given != null && given !== '' ? Number(given) >>> 0 : (Date.now() ^ (Math.random() * 2 ** 32)) >>> 0
}

/** Codecs the gateway decodes (raw, dag-pb, dag-cbor, dag-json, json, cbor) and hashes it verifies (sha2-256, identity). */
const PRESENTABLE_CODECS = new Set([0x55, 0x70, 0x71, 0x0129, 0x0200, 0x51])
const VERIFIABLE_HASHES = new Set([0x12, 0x00])
const KNOWN_FORMATS = new Set(['raw', 'car', 'tar', 'dag-json', 'dag-cbor', 'json', 'cbor', 'ipns-record'])
/** Characters a URL path segment may carry unescaped, without '/', '?', '#' or '%' */
const SEGMENT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@"
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
const HEADER_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-_.;=, "\'()<>@:[]{}?|'

export function badRequests (seed: number, count: number, target: FuzzTarget): BadRequest[] {
  const random = seededRandom(seed)
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]
  const text = (length: number, chars: string): string => Array.from({ length }, () => chars[int(0, chars.length - 1)]).join('')
  const percentBytes = (length: number): string => Array.from({ length }, () => `%${int(0, 255).toString(16).padStart(2, '0').toUpperCase()}`).join('')
  const word = (): string => text(int(1, 12), 'abcdefghijklmnopqrstuvwxyz')
  const fileUrl = `/ipfs/${target.root}/${target.file}`
  const maybePath = (): string => random() < 0.5 ? '' : `/${text(int(1, 20), SEGMENT_CHARS)}`

  const invalidCid = (): string => {
    for (;;) {
      const label = pick<() => string>([
        () => text(int(1, 80), SEGMENT_CHARS),
        () => `b${text(int(1, 70), BASE32)}`,
        () => target.root.slice(0, int(1, target.root.length - 1)),
        () => { const at = int(1, target.root.length - 1); return `${target.root.slice(0, at)}${pick(['0', '1', '8', '9', 'A', '_', '~', '!'])}${target.root.slice(at)}` },
        () => `${pick(['!', 'x', 'Z', '9', 'Q'])}${target.root.slice(1)}`,
        () => `Qm${text(int(1, 50), '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl')}`,
        () => percentBytes(int(1, 24)),
        () => `${target.root}${percentBytes(int(1, 3))}`
      ])()
      if (!isCid(label) && !/^(\.|%2e)+$/i.test(label)) {
        return label
      }
    }
  }

  const makers: Record<BadRequestKind, () => BadRequest> = {
    'invalid-cid': () => ({ kind: 'invalid-cid', url: `/ipfs/${invalidCid()}${maybePath()}` }),
    'unsupported-hash': () => {
      let code = int(0x01, 0xb3ff)
      while (VERIFIABLE_HASHES.has(code)) code = int(0x01, 0xb3ff)
      const digest = Digest.create(code, new Uint8Array(Array.from({ length: int(1, 64) }, () => int(0, 255))))
      return { kind: 'unsupported-hash', url: `/ipfs/${CID.createV1(pick([...PRESENTABLE_CODECS]), digest).toString()}${maybePath()}` }
    },
    'unsupported-codec': () => {
      let code = int(0x01, 0xffff)
      while (PRESENTABLE_CODECS.has(code)) code = int(0x01, 0xffff)
      const digest = Digest.create(0x12, new Uint8Array(Array.from({ length: 32 }, () => int(0, 255))))
      return { kind: 'unsupported-codec', url: `/ipfs/${CID.createV1(code, digest).toString()}${maybePath()}` }
    },
    traversal: () => {
      const climb = pick(['..%2F', '%2e%2e%2f', '%2E%2E%2F', '.%2e%2F', '%2F', '..%2f..%2f..%2fetc%2fpasswd', '%00', 'a%2Fb', '%2e%2e%5c%2F', '..%00'])
      const before = Array.from({ length: int(0, 3) }, word).map(s => `${s}/`).join('')
      return { kind: 'traversal', url: `/ipfs/${target.root}/${before}${climb}${random() < 0.5 ? word() : ''}` }
    },
    'long-path': () => random() < 0.7
      ? { kind: 'long-path', url: `/ipfs/${target.root}/${Array.from({ length: int(40, 200) }, () => text(int(20, 120), SEGMENT_CHARS)).join('/').padEnd(4200, 'x')}` }
      : { kind: 'long-path', url: `/ipfs/${target.root}${text(int(4200, 12_000), BASE32)}` },
    'bad-percent': () => ({ kind: 'bad-percent', url: `/ipfs/${target.root}/${word()}${pick(['%', '%Z', '%ZZ', '%G0', '%E0%A4%A', '%C3%28', '%FF%FE', '%80'])}${random() < 0.5 ? word() : ''}` }),
    'bad-range': () => ({ kind: 'bad-range', url: fileUrl, headers: { Range: pick<() => string>([
      () => { const a = int(1, target.fileSize - 1); return `bytes=${a}-${int(0, a - 1)}` },
      () => `bytes=${int(target.fileSize, target.fileSize * 4)}-`,
      () => `bytes=${int(target.fileSize, target.fileSize * 4)}-${int(target.fileSize * 4 + 1, target.fileSize * 8)}`,
      () => `${pick(['lines', 'items', 'byte', 'Bytes!', word()])}=0-${int(0, 100)}`,
      () => `bytes=${text(int(1, 20), 'abcdefghijklmnopqrstuvwxyz!.,;')}`,
      () => 'bytes=-0',
      () => 'bytes=',
      () => `bytes=-${int(1, 100)}-${int(1, 100)}`
    ])() } }),
    'bad-accept': () => ({ kind: 'bad-accept', url: fileUrl, headers: { Accept: pick<() => string>([
      () => `application/x-${word()}`,
      () => `${word()}/${word()}${random() < 0.5 ? `; ${word()}=${word()}` : ''}`,
      () => `application/vnd.ipld.${pick(['foo', 'dag-jose', 'rawr', 'cars', word()])}`,
      () => text(int(1, 6), ';,'),
      () => `${word()}, ${word()}/${word()};q=0.${int(1, 9)}`
    ])() } }),
    'bad-query': () => {
      // a random value that is not one the parameter allows (a one-letter word can be "n", a valid car-dups)
      const invalid = (valid: RegExp): string => {
        for (;;) {
          const value = random() < 0.5 ? word() : text(int(1, 30), HEADER_CHARS)
          if (!valid.test(value)) return value
        }
      }
      let format = word()
      while (KNOWN_FORMATS.has(format)) format = word()
      const query = pick<() => string>([
        () => `format=${encodeURIComponent(format)}`,
        () => `format=car&dag-scope=${encodeURIComponent(pick(['blocks', 'entities', 'any', invalid(/^(block|entity|all)$/)]))}`,
        () => `format=car&entity-bytes=${encodeURIComponent(pick([`${int(0, 99)}`, `${int(0, 9)}-${int(0, 9)}`, `:${int(0, 9)}`, invalid(/^-?\d+:(-?\d+|\*)$/)]))}`,
        () => `format=car&car-version=${encodeURIComponent(pick(['0', '2', '3', '-1', '1.0', invalid(/^1$/)]))}`,
        () => `format=car&car-order=${encodeURIComponent(pick(['bfs', 'random', invalid(/^(dfs|unk)$/)]))}`,
        () => `format=car&car-dups=${encodeURIComponent(pick(['yes', 'no', 'Y', invalid(/^(y|n)$/)]))}`
      ])()
      return { kind: 'bad-query', url: `${fileUrl}?${query}${random() < 0.3 ? `&${word()}=${word()}` : ''}` }
    },
    'bad-ipns-name': () => ({ kind: 'bad-ipns-name', url: `/ipns/${word()}${pick(['_', '~', '!', '..', '*', "'", '(x)'])}${random() < 0.5 ? word() : ''}${maybePath()}` })
  }

  const kinds = Object.keys(makers) as BadRequestKind[]
  return Array.from({ length: count }, (_, i) => {
    let request = makers[kinds[i % kinds.length]]()
    // the browser resolves dot segments before the SW sees a URL: keep only what still names content
    while (!/^\/ip[fn]s\//.test(new URL(request.url, 'http://gateway.invalid').pathname)) {
      request = makers[kinds[i % kinds.length]]()
    }
    // a header now and then on a request that is already bad: two faults at once
    if (request.headers == null && random() < 0.2) {
      request.headers = random() < 0.5 ? { Accept: 'application/json' } : { Range: `bytes=${int(0, 10)}-${int(11, 99)}` }
    }
    return request
  })
}

export interface BadAnswers {
  /** How many answers had each status ("deadline" or the fetch error when there was none) */
  statuses: Record<string, number>
  /** Each request not answered with an error page (4xx/5xx) in time, described for a report */
  failures: string[]
  worstMs: number
}

/** Judges the answers to bad requests: each must be an error page with a 4xx/5xx status, within the deadline. */
export function judgeBadAnswers (requests: BadRequest[], answers: Array<{ status: number, ms: number, error?: string, errorPage: boolean }>): BadAnswers {
  const statuses: Record<string, number> = {}
  const failures: string[] = []
  answers.forEach((answer, i) => {
    const status = answer.error ?? String(answer.status)
    statuses[status] = (statuses[status] ?? 0) + 1
    if (answer.status < 400 || answer.status > 599 || !answer.errorPage) {
      failures.push(`${requests[i].kind} ${status} in ${answer.ms} ms: ${requests[i].url.slice(0, 160)} ${JSON.stringify(requests[i].headers ?? {})}`)
    }
  })
  return { statuses, failures, worstMs: Math.max(0, ...answers.map(answer => answer.ms)) }
}

function isCid (text: string): boolean {
  try {
    CID.parse(decodeURIComponent(text))
    return true
  } catch {
    return false
  }
}

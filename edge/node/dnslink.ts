import { domainToASCII } from 'node:url'
import { CID } from 'multiformats/cid'
import { InvalidDnslinkError } from './errors.ts'
import { parseIpnsName } from './ipns-name.ts'

const DNSLINK_PREFIX = '_dnslink.'
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/
const MAX_NAME_LENGTH = 253

/** What the DNS-over-HTTPS endpoint asks of the table */
export interface DnslinkLookup {
  /**
   * The DNSLink value (`/ipfs/…` or `/ipns/…`) for a DNS question name: the
   * domain itself or `_dnslink.<domain>`, in any case, with or without the
   * final dot
   */
  lookup(questionName: string): string | undefined
}

/**
 * The edge's DNSLink records, domain → value, checked when built so a typo
 * fails at start-up instead of as an odd DNS answer later. Throws
 * `InvalidDnslinkError` for a bad domain, a bad value or a domain given twice.
 */
export class DnslinkTable implements DnslinkLookup {
  private readonly links = new Map<string, string>()

  constructor (entries: Record<string, string> | Array<[string, string]> = {}) {
    for (const [domain, value] of Array.isArray(entries) ? entries : Object.entries(entries)) {
      const name = normaliseDnslinkDomain(domain)
      if (this.links.has(name)) {
        throw new InvalidDnslinkError(`DNSLink for ${name} is given twice`)
      }
      this.links.set(name, parseDnslinkValue(value))
    }
  }

  lookup (questionName: string): string | undefined {
    const name = questionName.toLowerCase().replace(/\.$/, '')
    return this.links.get(name) ?? (name.startsWith(DNSLINK_PREFIX) ? this.links.get(name.slice(DNSLINK_PREFIX.length)) : undefined)
  }

  /** Every domain and its value */
  entries (): Array<[string, string]> {
    return [...this.links]
  }
}

/**
 * A domain name as DNS compares it: lower case, punycode for non-ASCII
 * labels, no final dot, and without a leading `_dnslink.` (the table answers
 * for both forms). Throws `InvalidDnslinkError` for anything that is not a
 * domain name.
 */
export function normaliseDnslinkDomain (domain: string): string {
  // only non-ASCII text goes through IDNA: domainToASCII quietly drops what follows a / or ?
  const ascii = /[^\x20-\x7e]/.test(domain) ? domainToASCII(domain) : domain.toLowerCase()
  const name = ascii.replace(/\.$/, '').replace(/^_dnslink\./, '')
  const labels = name.split('.')

  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !labels.every(label => LABEL.test(label))) {
    throw new InvalidDnslinkError(`"${domain}" is not a domain name`)
  }
  return name
}

/**
 * A DNSLink value: `/ipfs/<cid>[/path]`, `/ipns/<name or domain>[/path]`, or
 * a bare CID, which means `/ipfs/<cid>`. The CID or name is checked, the path
 * only for what a TXT string cannot hold. Returns the value to publish.
 */
export function parseDnslinkValue (value: string): string {
  if (!/^[\x21-\x7e]+$/.test(value) || /["\\]/.test(value)) {
    throw new InvalidDnslinkError(`DNSLink value "${value}" may only hold printable ASCII without spaces, quotes or backslashes`)
  }

  if (!value.includes('/') && isCid(value)) {
    return `/ipfs/${value}`
  }

  const [empty, namespace, id = ''] = value.split('/')
  if (empty === '' && namespace === 'ipfs' && isCid(id)) {
    return value
  }
  // a content CID after /ipns/ is a common slip, so it is not taken for a domain
  if (empty === '' && namespace === 'ipns' && (isIpnsName(id) || (!isCid(id) && isDomain(id)))) {
    return value
  }

  throw new InvalidDnslinkError(`DNSLink value "${value}" must be /ipfs/<cid>[/path], /ipns/<name>[/path] or a CID`)
}

function isCid (text: string): boolean {
  return succeeds(() => CID.parse(text))
}

function isIpnsName (text: string): boolean {
  return succeeds(() => parseIpnsName(text))
}

function isDomain (text: string): boolean {
  return succeeds(() => normaliseDnslinkDomain(text))
}

function succeeds (fn: () => unknown): boolean {
  try {
    fn()
    return true
  } catch {
    return false
  }
}

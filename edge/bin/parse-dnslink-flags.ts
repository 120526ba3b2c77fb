import { DnslinkTable } from '../node/dnslink.ts'
import { UsageError } from '../node/errors.ts'

/**
 * `--dnslink <domain>=<value>` values (the edge's and the launcher's) as the
 * `dnslink` option of `startEdge()`, checked and normalised as the edge would
 * (lower-case domain, a bare CID as `/ipfs/<cid>`), so a mistake is a usage
 * error before anything starts. Throws `UsageError`.
 */
export function parseDnslinkFlags (values: string[] = []): Record<string, string> {
  const entries: Array<[string, string]> = values.map(text => {
    const split = text.indexOf('=')
    if (split <= 0) {
      throw new UsageError(`--dnslink takes <domain>=<value>, e.g. example.org=/ipfs/bafy…, not "${text}"`)
    }
    return [text.slice(0, split), text.slice(split + 1)]
  })

  try {
    // built from the list, not an object, so the same domain given twice is caught
    return Object.fromEntries(new DnslinkTable(entries).entries())
  } catch (err: any) {
    throw new UsageError(`--dnslink: ${err.message}`)
  }
}

export interface DnslinkEntry {
  /** the entry's key in the file, e.g. `dnslink-with-subpath` */
  key: string
  /** the DNS name, e.g. `dnslink-subpath.example.org` (entries that give a `subdomain` instead have none) */
  domain?: string
  subdomain?: string
  /** what the name points to: `/ipfs/<cid>[/path]` or `/ipns/<name>` */
  path: string
}

/**
 * Reads the corpus' `dnslink.yml` files: a top-level `dnslinks:` map of entries, each a
 * map of plain scalars (`domain`, `subdomain`, `path`), with `#` comments. Only that shape
 * (the fixture schema's) is understood; anything else throws, so a change in the corpus
 * is noticed rather than half-read.
 */
export function parseDnslinkYml (text: string): DnslinkEntry[] {
  const entries: DnslinkEntry[] = []
  let current: Partial<DnslinkEntry> & { key: string } | undefined
  const finish = (): void => {
    if (current == null) return
    if (current.path == null || (current.domain == null && current.subdomain == null)) {
      throw new Error(`dnslink.yml: entry ${current.key} needs a path and a domain or subdomain`)
    }
    entries.push(current as DnslinkEntry)
    current = undefined
  }

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trimEnd()
    if (line.trim() === '') return
    const match = /^( *)([\w.-]+):(?: +(.*))?$/.exec(line)
    const indent = match?.[1].length
    if (match == null) {
      throw new Error(`dnslink.yml line ${index + 1}: not understood: ${raw}`)
    } else if (indent === 0 && match[2] === 'dnslinks' && match[3] == null) {
      // the top-level map
    } else if (indent === 2 && match[3] == null) {
      finish()
      current = { key: match[2] }
    } else if (indent === 4 && current != null && ['domain', 'subdomain', 'path'].includes(match[2]) && match[3] != null) {
      current[match[2] as 'domain' | 'subdomain' | 'path'] = unquote(match[3])
    } else {
      throw new Error(`dnslink.yml line ${index + 1}: not understood: ${raw}`)
    }
  })
  finish()
  return entries
}

function unquote (value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value.trim())
  return quoted != null ? quoted[2] : value.trim()
}

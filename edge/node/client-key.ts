/**
 * Who a remote address counts as. IPv4 (also IPv4-mapped IPv6, as a
 * dual-stack listener reports it) is one client per address. IPv6 counts per
 * /64: one host is routinely given a whole /64 and can use any address in it,
 * so a per-address cap on IPv6 would cap nothing.
 */
export function clientKey (remoteAddress: string): string {
  const address = remoteAddress.split('%')[0].toLowerCase()
  if (!address.includes(':')) {
    return address
  }
  const groups = ipv6Groups(address)
  if (groups.slice(0, 5).every(group => group === 0) && groups[5] === 0xffff) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`
  }
  return `${groups.slice(0, 4).map(group => group.toString(16)).join(':')}::/64`
}

/** The eight 16-bit groups of an IPv6 address, `::` expanded and a dotted IPv4 tail read as two groups */
function ipv6Groups (address: string): number[] {
  const parse = (part: string): number[] => part === '' ? [] : part.split(':').flatMap(group => {
    if (!group.includes('.')) {
      return [parseInt(group, 16)]
    }
    const [a, b, c, d] = group.split('.').map(Number)
    return [(a << 8) | b, (c << 8) | d]
  })
  const [head, tail] = address.split('::')
  const first = parse(head)
  const last = tail == null ? [] : parse(tail)
  return [...first, ...new Array<number>(Math.max(0, 8 - first.length - last.length)).fill(0), ...last]
}

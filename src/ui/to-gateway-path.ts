import { parseContentUrl } from '../lib/parse-gateway-url.ts'

/**
 * What the user typed (a bare CID, `/ipfs/<cid>/<path>` or `ipfs://<cid>/<path>`)
 * as the gateway path to open. Throws `InvalidRequestError` for anything else.
 */
export function toGatewayPath (input: string): string {
  const text = input.trim()
  const resource = /^[a-zA-Z0-9]+$/.test(text) ? `/ipfs/${text}/` : text
  const address = parseContentUrl(resource)
  return `/ipfs/${address.cid.toString()}${address.path === '' ? '/' : address.path}${address.search}`
}

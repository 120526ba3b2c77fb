import { parseContentUrl, toGatewayPath as gatewayPathOf } from '../lib/parse-gateway-url.ts'

/**
 * What the user typed (a bare CID, `/ipfs/<cid>/<path>`, `ipfs://<cid>/<path>`
 * or the `/ipns/` and `ipns://` forms) as the gateway path to open. Throws
 * `InvalidRequestError` for anything else.
 */
export function toGatewayPath (input: string): string {
  const text = input.trim()
  const resource = /^[a-zA-Z0-9]+$/.test(text) ? `/ipfs/${text}/` : text
  const address = parseContentUrl(resource)
  return gatewayPathOf(address.path === '' ? { ...address, path: '/' } : address)
}

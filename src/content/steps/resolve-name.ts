import { nameResponse } from '../gateway/name-response.ts'
import { resolveName } from '../resolve-name.ts'
import type { ContentStep } from './index.ts'

/**
 * `/ipns/<name>`: a peer-id name's canonical form and a record asked for as
 * itself are answered here; any other name is resolved (and its records
 * verified) to the `/ipfs/` address the later steps fetch. `/ipfs/` passes.
 */
export const resolveNameStep: ContentStep = {
  name: 'resolve-name',
  async run (request) {
    const { requested, components } = request
    if (requested.protocol !== 'ipns') {
      return undefined
    }
    const early = await nameResponse(components, requested, request.init)
    if (early != null) {
      request.finish()
      return early
    }
    try {
      request.name = await resolveName(components.names, requested, { signal: request.init.signal ?? AbortSignal.timeout(components.config.timeoutMs) })
    } catch (err) {
      request.init.signal?.throwIfAborted()
      return request.refuse(err)
    }
    request.address = request.name.address
    return undefined
  }
}

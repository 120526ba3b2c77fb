import { ConfigError } from '../lib/errors.ts'
import type { UserBlockstore } from './types.ts'
import type { Blockstore } from 'interface-blockstore'

/** What an `interface-blockstore` Blockstore offers, and the engine calls */
const METHODS = ['has', 'put', 'putMany', 'get', 'getMany', 'getAll', 'delete', 'deleteMany'] as const

function missingMethods (store: object): string[] {
  return METHODS.filter(method => typeof Reflect.get(store, method) !== 'function')
}

function isBlockstore (store: object): store is Blockstore {
  return missingMethods(store).length === 0
}

/**
 * A dApp's own block store, checked at the SDK's edge: the public types name
 * it by a few methods (so they import no package), the engine needs all of a
 * Blockstore's. Throws ConfigError, naming what is missing, for anything else.
 */
export function asBlockstore (store: UserBlockstore): Blockstore {
  if (isBlockstore(store)) {
    return store
  }
  throw new ConfigError(`blockstore is not an interface-blockstore Blockstore: it has no ${missingMethods(store).join(', ')}`)
}

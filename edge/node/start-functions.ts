import { FUNCTION_LIMITS } from '../../src/functions/defaults.ts'
import { FUNCTION_POOL } from './defaults.ts'
import { FunctionModules } from './function-modules.ts'
import { FunctionPool } from './function-pool.ts'
import { functionRoute, functionsOffRoute } from './function-route.ts'
import type { FunctionPoolInit } from './function-pool.ts'
import type { HttpRoute } from './http-server.ts'
import type { FunctionRunner } from '../../src/functions/types.ts'
import type { Blockstore } from 'interface-blockstore'

export interface EdgeFunctions {
  /** `/fn/`: runs functions, or says the edge does not */
  route: HttpRoute
  /** The worker pool, when functions are on: the edge closes it when it stops */
  runner?: FunctionRunner
}

export interface EdgeFunctionsInit extends FunctionPoolInit {
  /**
   * Bytes of request bodies held at once, all calls together
   *
   * @default FUNCTION_POOL.heldBodyBytes
   */
  heldBodyBytes?: number
  /**
   * Bytes of request bodies one client (see `clientKey`) may have held at once
   *
   * @default FUNCTION_POOL.heldBodyBytesPerClient
   */
  heldBodyBytesPerClient?: number
  /**
   * Bytes of answers not yet taken by their sockets, all calls together
   *
   * @default FUNCTION_POOL.heldAnswerBytes
   */
  heldAnswerBytes?: number
  /**
   * Bytes of answers not yet taken by their sockets that one client may have held at once
   *
   * @default FUNCTION_POOL.heldAnswerBytesPerClient
   */
  heldAnswerBytesPerClient?: number
  /**
   * How long an answer's socket may take nothing before the answer is cut
   *
   * @default FUNCTION_POOL.answerStallMs
   */
  answerStallMs?: number
}

/**
 * The edge's functions, as the `functions` option asks: a worker pool and
 * the module reader over the edge's own blocks, or a route that answers 501.
 */
export function startFunctions (functions: boolean | EdgeFunctionsInit, blockstore: Blockstore): EdgeFunctions {
  if (functions === false) {
    return { route: functionsOffRoute() }
  }
  const init = functions === true ? {} : functions
  const limits = { ...FUNCTION_LIMITS, ...init.limits }
  const runner = new FunctionPool({ ...init, limits })
  const modules = new FunctionModules(blockstore, { maxModuleBytes: limits.maxModuleBytes, cacheBytes: FUNCTION_POOL.sourceCacheBytes })
  const heldBodies = { total: init.heldBodyBytes ?? FUNCTION_POOL.heldBodyBytes, perClient: init.heldBodyBytesPerClient ?? FUNCTION_POOL.heldBodyBytesPerClient }
  const heldAnswers = { total: init.heldAnswerBytes ?? FUNCTION_POOL.heldAnswerBytes, perClient: init.heldAnswerBytesPerClient ?? FUNCTION_POOL.heldAnswerBytesPerClient }
  const answerStallMs = init.answerStallMs ?? FUNCTION_POOL.answerStallMs
  return { route: functionRoute({ modules, runner, limits, heldBodies, heldAnswers, answerStallMs }), runner }
}

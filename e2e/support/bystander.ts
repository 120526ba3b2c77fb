import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import type { TimedAnswer } from './timed-get.ts'

export interface BystanderRequest {
  urls: string[]
  everyMs: number
  localAddress: string
  giveUpMs: number
}

export interface Bystander {
  /** Stops sampling; resolves with the answers per URL, in the order given */
  stop(): Promise<TimedAnswer[][]>
}

/**
 * A client that GETs each URL every `everyMs` (see `sampleGets`) from its own
 * process, so the times it sees are the servers', not the event loop of a test
 * that is busy opening thousands of sockets itself.
 */
export async function startBystander (request: BystanderRequest): Promise<Bystander> {
  const child = spawn(process.execPath, [resolve(import.meta.dirname, 'bystander-process.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = once(child, 'exit')
  child.send(request)
  const [ready] = await Promise.race([once(child, 'message'), exited.then(([code]) => { throw new Error(`the bystander process exited with ${code}`) })])
  if (ready !== 'sampling') throw new Error(`the bystander process said ${String(ready)}`)
  return {
    stop: async () => {
      const answers = once(child, 'message')
      child.send('stop')
      const [result] = await answers
      await exited
      return result as TimedAnswer[][]
    }
  }
}

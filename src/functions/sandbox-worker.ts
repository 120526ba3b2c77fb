/**
 * A browser Worker holding one function sandbox, for the SDK's local and
 * recomputed runs (`worker-runner.ts`): a function that computes blocks this
 * worker, never the page.
 */
import { createFunctionSandbox } from './function-sandbox.ts'
import { answerCall } from './worker-protocol.ts'
import type { FunctionCallMessage, FunctionReplyMessage } from './worker-protocol.ts'

const scope = globalThis as unknown as {
  postMessage(message: FunctionReplyMessage, transfer: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<FunctionCallMessage>) => void): void
  close(): void
}
const sandbox = await createFunctionSandbox()

scope.addEventListener('message', (event) => {
  void answerCall(sandbox, event.data).then(({ reply, transfer }) => {
    scope.postMessage(reply, transfer)
    if (!sandbox.healthy) {
      // the reply said so (`healthy: false`): the host starts another worker for its next call
      scope.close()
    }
  })
})
scope.postMessage({ ready: true }, [])

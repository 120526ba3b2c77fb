import type { Browser, CDPSession } from 'playwright-core'

export interface HeapUsage { usedSize: number, totalSize: number, backingStorageSize: number }

/**
 * A DevTools Protocol session on a service worker target. Playwright opens CDP
 * sessions on pages only, so this attaches through the browser session and
 * relays messages to the worker target (Target.sendMessageToTarget).
 */
export class WorkerSession {
  private readonly browserSession: CDPSession
  private readonly sessionId: string
  private nextId = 1
  private readonly pending = new Map<number, { resolve(value: unknown): void, reject(err: Error): void }>()
  /** Protocol events from the worker (after e.g. `Runtime.enable`) */
  onEvent?: (method: string, params: unknown) => void

  private constructor (browserSession: CDPSession, sessionId: string) {
    this.browserSession = browserSession
    this.sessionId = sessionId
    browserSession.on('Target.receivedMessageFromTarget', event => {
      if (event.sessionId !== this.sessionId) {
        return
      }
      const message = JSON.parse(event.message) as { id?: number, method?: string, params?: unknown, result?: unknown, error?: { message: string } }
      if (message.method != null) {
        this.onEvent?.(message.method, message.params)
      }
      const waiter = message.id == null ? undefined : this.pending.get(message.id)
      if (waiter == null) {
        return
      }
      this.pending.delete(message.id!)
      message.error == null ? waiter.resolve(message.result) : waiter.reject(new Error(message.error.message))
    })
  }

  /** Attaches to the service worker whose script URL starts with `scriptPrefix`. */
  static async attach (browser: Browser, scriptPrefix: string): Promise<WorkerSession> {
    const browserSession = await browser.newBrowserCDPSession()
    const { targetInfos } = await browserSession.send('Target.getTargets')
    const target = targetInfos.find(info => info.type === 'service_worker' && info.url.startsWith(scriptPrefix))
    if (target == null) {
      await browserSession.detach()
      throw new Error(`no service worker target for ${scriptPrefix} (targets: ${targetInfos.map(info => `${info.type} ${info.url}`).join(', ')})`)
    }
    const { sessionId } = await browserSession.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })
    return new WorkerSession(browserSession, sessionId)
  }

  async send<T> (method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++
    const result = new Promise<unknown>((resolve, reject) => { this.pending.set(id, { resolve, reject }) })
    await this.browserSession.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
    return await result as T
  }

  async heapUsage (): Promise<HeapUsage> {
    return this.send<HeapUsage>('Runtime.getHeapUsage')
  }

  async detach (): Promise<void> {
    for (const waiter of this.pending.values()) {
      waiter.reject(new Error('detached'))
    }
    await this.browserSession.detach().catch(() => {})
  }
}

/**
 * `debug` for the SW build: only the ZIP sniffing verified-fetch's content
 * type detection pulls in logs through it, and nothing in the SW turns those
 * logs on, so a logger that says nothing spares a first visit its parse.
 */
interface Debugger {
  (...args: unknown[]): void
  enabled: boolean
  extend(namespace: string): Debugger
}

export default function createDebug (_namespace: string): Debugger {
  const log: Debugger = Object.assign((..._args: unknown[]): void => {}, {
    enabled: false,
    extend: (_child: string): Debugger => log
  })
  return log
}

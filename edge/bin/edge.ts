/**
 * `npm run edge -- [options]`: runs one edge node until SIGINT/SIGTERM.
 * With `--json`, stdout carries exactly one line: the EdgeInfo JSON.
 */
import { EDGE_USAGE, parseEdgeArgs } from './parse-edge-args.ts'
import type { EdgeCliOptions } from './parse-edge-args.ts'
import type { Edge, EdgeInfo } from '../node/types.ts'

/** If a clean stop hangs, leave anyway: the process is ending */
const STOP_TIMEOUT_MS = 5_000

async function main (): Promise<number> {
  let options: EdgeCliOptions
  try {
    options = parseEdgeArgs(process.argv.slice(2))
  } catch (err: any) {
    if (err.name !== 'UsageError') throw err
    process.stderr.write(`edge: ${err.message}\n\n${EDGE_USAGE}`)
    return 2
  }

  if (options.help) {
    process.stdout.write(EDGE_USAGE)
    return 0
  }

  const controller = new AbortController()
  let edge: Edge | undefined
  const stopped = new Promise<void>(resolve => {
    let stopping = false
    const onSignal = (): void => {
      // a signal and the closing stdin may both come: stop once
      if (stopping) return
      stopping = true
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      // a second signal ends the process at once
      process.once('SIGINT', () => process.exit(130))
      process.once('SIGTERM', () => process.exit(143))
      controller.abort()
      resolve()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    if (options.exitWithStdin) {
      // the parent holds the other end: it closes when the parent ends, however it ends
      process.stdin.once('close', onSignal)
      process.stdin.on('error', onSignal)
      process.stdin.resume()
    }
  })

  try {
    // loaded after the signal handlers are in place: Helia takes a second or two to load
    const { startEdge } = await import('../node/start-edge.ts')
    edge = await startEdge({ ...options, signal: controller.signal })
  } catch (err: any) {
    if (controller.signal.aborted) {
      return 0
    }
    process.stderr.write(`edge: could not start - ${err.message}\n`)
    return 1
  }

  process.stdout.write(options.json ? `${JSON.stringify(edge.info)}\n` : summary(edge.info, options))

  await stopped
  const timer = setTimeout(() => {
    process.stderr.write('edge: stop timed out\n')
    process.exit(1)
  }, STOP_TIMEOUT_MS)
  timer.unref()
  await edge.stop()
  return 0
}

function summary (info: EdgeInfo, options: EdgeCliOptions): string {
  const lines = [
    `Edgeway edge ${info.peerId}`,
    `  http       ${info.http}   (/ipfs/<cid>?format=raw|car, /routing/v1, /dns-query, /info)`,
    ...(info.functions ? [`  functions  ${info.http}/fn/<cid>/<path>`] : []),
    ...info.multiaddrs.map(addr => `  libp2p     ${addr}`),
    ...Object.entries(info.roots).map(([path, root]) => `  serving    ${path} → /ipfs/${root}`),
    ...Object.entries(info.ipns).map(([path, name]) => `  serving    ${path} → /ipns/${name}`),
    ...Object.entries(options.dnslink ?? {}).map(([domain, value]) => `  dnslink    ${domain} → ${value}`),
    'Press Ctrl+C to stop.'
  ]
  return `${lines.join('\n')}\n`
}

// a stray rejection deep in a dependency must not take a running edge down
process.on('unhandledRejection', (err: any) => {
  process.stderr.write(`edge: unhandled rejection - ${err?.stack ?? err}\n`)
})

main().then(
  (code) => { process.exit(code) },
  (err) => {
    process.stderr.write(`edge: ${err?.stack ?? err}\n`)
    process.exit(1)
  }
)

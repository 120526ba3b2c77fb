import { spawnEdgeProcess } from './edge-process.ts'
import { resolveEdges } from './resolve-edges.ts'
import type { StartArgs } from './parse-start-args.ts'
import type { EdgeEndpoint } from '../../src/lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface LauncherEdges {
  /** What the gateway is configured with and `--json` prints: the embedded edge's `EdgeInfo`, or the external edges */
  edges: EdgeEndpoint[]
  /** The embedded edge's content roots by `--serve` path; none with external edges */
  roots: Record<string, string>
  /** The embedded edge's IPNS names by `--serve` path; none with external edges */
  ipns: Record<string, string>
  /**
   * Where the gateway resolves DNSLink: the embedded edge's `/dns-query`, or
   * the first external edge's `/info` `dns` when it has one
   */
  dohResolver?: string
  /** The embedded edge's process id; none with external edges */
  pid?: number
  /** Stops the embedded edge's process and waits for its exit; nothing to stop for external ones */
  stop(): Promise<void>
}

export interface StartEdgesOptions extends AbortOptions {
  /** What the embedded edge serves when `serve` is empty */
  demoDir: string
  log?(line: string): void
  /**
   * Told when the embedded edge's process ends without being stopped (a
   * crash): the gateway keeps answering, but without that edge
   *
   * @default a line on stderr
   */
  warn?(line: string): void
}

/**
 * The edges the gateway uses: none with `--no-edge`, those given with
 * `--edge`, asked for their `/info`, or else one embedded edge serving `serve` (or the demo site) and
 * answering `dnslink`. The embedded edge runs in a process of its own (see
 * `spawnEdgeProcess`), so whatever exhausts it leaves the gateway's process
 * answering.
 */
export async function startEdges (args: Pick<StartArgs, 'serve' | 'edges' | 'dnslink' | 'hash'> & Partial<Pick<StartArgs, 'noEdge' | 'functions'>>, options: StartEdgesOptions): Promise<LauncherEdges> {
  if (args.noEdge === true) {
    return { edges: [], roots: {}, ipns: {}, stop: async () => {} }
  }
  if (args.edges.length > 0) {
    const edges = await resolveEdges(args.edges, options)
    return { edges, roots: {}, ipns: {}, dohResolver: edges[0]?.dns, stop: async () => {} }
  }

  const serve = args.serve.length > 0 ? args.serve : [options.demoDir]
  options.log?.(`importing ${serve.join(', ')} into the embedded edge…`)
  // `--flag=value`, so a path that begins with "-" is still a value
  const edgeArgs = [
    ...serve.map(path => `--serve=${path}`),
    ...Object.entries(args.dnslink).map(([domain, value]) => `--dnslink=${domain}=${value}`),
    ...(args.hash == null ? [] : [`--hash=${args.hash}`]),
    ...(args.functions === true ? ['--functions'] : [])
  ]
  const edge = await spawnEdgeProcess(edgeArgs, { signal: options.signal })
  let stopped = false
  const warn = options.warn ?? ((line: string) => { process.stderr.write(`${line}\n`) })
  void edge.exited.then(code => { if (!stopped) warn(`edgeway: the embedded edge exited (${code}); the gateway keeps running without it`) })
  return {
    edges: [edge.info],
    roots: edge.info.roots,
    ipns: edge.info.ipns,
    dohResolver: edge.info.dns,
    pid: edge.pid,
    stop: async () => {
      stopped = true
      await edge.stop()
    }
  }
}

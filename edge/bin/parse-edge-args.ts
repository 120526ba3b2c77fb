import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { UsageError } from '../node/errors.ts'
import { IMPORT_HASHES, isImportHash } from '../node/import-hash.ts'
import { parseDnslinkFlags } from './parse-dnslink-flags.ts'
import type { ImportHash } from '../node/import-hash.ts'
import type { FunctionPoolInit } from '../node/function-pool.ts'
import type { EdgeOptions } from '../node/types.ts'

export interface EdgeCliOptions extends EdgeOptions {
  /** Print exactly one line of JSON (the EdgeInfo) when ready */
  json: boolean
  /**
   * Stop, as on SIGTERM, when stdin closes: a parent that keeps the edge's
   * stdin as a pipe takes the edge with it when it ends, SIGKILL included
   */
  exitWithStdin: boolean
  help: boolean
}

export const EDGE_USAGE = `Usage: npm run edge -- [options]

Runs one Edgeway edge node: libp2p WebSockets + circuit relay v2 + bitswap,
and an HTTP trustless gateway + delegated routing v1 + DNS-over-HTTPS + /info
(+ edge functions at /fn/ with --functions).

Options:
  --serve <dir|file.car|file>  content to hold (repeatable); a directory becomes
                               one UnixFS directory, a .car is imported block by
                               block (incomplete DAGs too), any other file becomes
                               a UnixFS file
  --serve <name>[_…].ipns-record
                               a signed IPNS record, served as it is (signature
                               unchecked) at /routing/v1/ipns/<name> and
                               /ipns/<name>?format=ipns-record; <name> is
                               k51…, 12D3Koo… or Qm…
  --dnslink <domain>=<value>   a DNSLink record (repeatable), answered for <domain>
                               and _dnslink.<domain> at /dns-query (DNS-over-HTTPS,
                               JSON API); <value> is /ipfs/<cid>[/path],
                               /ipns/<name>[/path] or a bare CID
  --hash <name>                the hash directories and files are imported with:
                               sha2-256 (default), blake3 or sha2-512 (CIDv1, raw
                               leaves); a .car keeps its own hashes
  --host <address>             interface to listen on (default 127.0.0.1)
  --ws-port <n>                libp2p WebSocket port (default 0: any free port)
  --http-port <n>              HTTP port (default 0: any free port)
  --repo <dir>                 keep blocks and the peer id on disk in <dir>
                               (default: in memory)
  --functions                  run edge functions: GET|POST /fn/<cid>/<path> runs
                               the ES module <cid> (one the edge holds) in a
                               QuickJS sandbox, with no file system or network
                               (default off: /fn/ answers 501)
  --functions-fetch <origin>   let functions fetch this origin (repeatable), e.g.
                               https://api.example; no other, no redirects
  --json                       print one line of JSON when ready, nothing else
  --exit-with-stdin            stop (as on SIGTERM) when stdin closes: a program
                               that starts the edge with stdin as a pipe takes it
                               down when it ends, even when it is killed
  --help                       show this help
`

/**
 * Reads the edge's command line. Throws `UsageError` for an unknown flag, a
 * missing value, a bad port or a bad DNSLink entry.
 */
export function parseEdgeArgs (args: string[]): EdgeCliOptions {
  let values
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        serve: { type: 'string', multiple: true },
        dnslink: { type: 'string', multiple: true },
        hash: { type: 'string' },
        host: { type: 'string' },
        'ws-port': { type: 'string' },
        'http-port': { type: 'string' },
        repo: { type: 'string' },
        functions: { type: 'boolean' },
        'functions-fetch': { type: 'string', multiple: true },
        json: { type: 'boolean' },
        'exit-with-stdin': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err: any) {
    throw new UsageError(err.message)
  }

  if (values.host != null && values.host !== 'localhost' && isIP(values.host.replace(/^\[(.*)\]$/, '$1')) === 0) {
    throw new UsageError(`--host must be an IPv4 or IPv6 address, not "${values.host}"`)
  }

  return {
    serve: values.serve ?? [],
    dnslink: parseDnslinkFlags(values.dnslink),
    hash: parseHash(values.hash),
    host: values.host,
    wsPort: parsePort('--ws-port', values['ws-port']),
    httpPort: parsePort('--http-port', values['http-port']),
    repo: values.repo,
    functions: parseFunctions(values.functions ?? false, values['functions-fetch']),
    json: values.json ?? false,
    exitWithStdin: values['exit-with-stdin'] ?? false,
    help: values.help ?? false
  }
}

/** `--functions` and its grants: `true`, or the pool's options when functions may fetch */
function parseFunctions (on: boolean, fetchOrigins: string[] | undefined): boolean | FunctionPoolInit {
  if (fetchOrigins == null) {
    return on
  }
  if (!on) {
    throw new UsageError('--functions-fetch grants functions an origin: it needs --functions')
  }
  for (const origin of fetchOrigins) {
    if (!URL.canParse(origin) || !/^https?:$/.test(new URL(origin).protocol) || new URL(origin).origin !== origin.replace(/\/$/, '')) {
      throw new UsageError(`--functions-fetch takes an origin such as https://api.example, not "${origin}"`)
    }
  }
  return { grants: { fetchOrigins } }
}

/** A `--hash` name; undefined when the flag is absent (the edge's default applies). */
export function parseHash (value: string | undefined): ImportHash | undefined {
  if (value == null) {
    return undefined
  }
  if (!isImportHash(value)) {
    throw new UsageError(`--hash must be one of ${Object.keys(IMPORT_HASHES).join(', ')}, not "${value}"`)
  }
  return value
}

function parsePort (flag: string, value: string | undefined): number | undefined {
  if (value == null) {
    return undefined
  }
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535, not "${value}"`)
  }
  return port
}

import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseDnslinkYml } from './dnslink-yml.ts'
import type { DnslinkEntry } from './dnslink-yml.ts'
import type { ConformanceCase, ConformanceCorpus } from './types.ts'

export const CORPUS_FORMAT = 'gateway-conformance-cases/1'

export interface LocatedCorpus {
  dir: string
  corpus: ConformanceCorpus
  /** absolute path of the folder every case's `fixtures` entry is relative to */
  fixturesDir: string
}

/**
 * The corpus from $EDGEWAY_CONFORMANCE_DIR, else `../shared/conformance` next to the
 * project. Returns why not when there is none, so a clone without it can skip the run.
 */
export function locateCorpus (projectRoot: string, env = process.env): LocatedCorpus | { missing: string } {
  const fromEnv = env.EDGEWAY_CONFORMANCE_DIR
  const dir = resolve(projectRoot, fromEnv != null && fromEnv !== '' ? fromEnv : '../shared/conformance')
  const casesFile = join(dir, 'cases.json')
  if (!existsSync(casesFile)) {
    const where = fromEnv != null && fromEnv !== '' ? `EDGEWAY_CONFORMANCE_DIR=${fromEnv}` : `the default ${dir}`
    return { missing: `no conformance corpus: ${where} has no cases.json (set EDGEWAY_CONFORMANCE_DIR to the folder holding cases.json and fixtures/)` }
  }
  const corpus = JSON.parse(readFileSync(casesFile, 'utf8')) as ConformanceCorpus
  if (corpus.format !== CORPUS_FORMAT) {
    throw new Error(`${casesFile}: format ${JSON.stringify(corpus.format)}, this harness reads ${CORPUS_FORMAT}`)
  }
  return { dir, corpus, fixturesDir: resolve(dir, corpus.fixtures_root) }
}

/** Every `dnslink.yml` under the fixtures, read. */
export function dnslinkEntries (fixturesDir: string): DnslinkEntry[] {
  return readdirSync(fixturesDir, { recursive: true, encoding: 'utf8' })
    .filter(path => path.endsWith('dnslink.yml'))
    .sort()
    .flatMap(path => parseDnslinkYml(readFileSync(join(fixturesDir, path), 'utf8')))
}

/**
 * The launcher's arguments: `--serve` for each fixture a case names (CARs and IPNS
 * records), and `--dnslink <domain>=<path>` for each DNSLink entry of the fixtures.
 */
export function launcherArgs (located: LocatedCorpus): string[] {
  const fixtures = new Set(located.corpus.cases.flatMap(testCase => testCase.fixtures))
  const serve = [...fixtures]
    .filter(path => path.endsWith('.car') || path.endsWith('.ipns-record'))
    .sort()
    .flatMap(path => ['--serve', join(located.fixturesDir, path)])
  const dnslink = dnslinkEntries(located.fixturesDir)
    .filter(entry => entry.domain != null)
    .flatMap(entry => ['--dnslink', `${entry.domain}=${entry.path}`])
  return [...serve, ...dnslink]
}

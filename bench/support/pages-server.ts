/**
 * The bench pages (bench/.build) served on loopback as a process of its own,
 * for the peer measures' browser, which lives in a network of its own: it
 * prints `{"url": …}` once listening and serves until stopped.
 */
import { startStaticServer } from './static-server.ts'

const [pagesDir] = process.argv.slice(2)
if (pagesDir == null) {
  process.stderr.write('usage: pages-server.ts <pages dir>\n')
  process.exit(2)
}
const { url, stop } = await startStaticServer(pagesDir, pagesDir)
process.stdout.write(`${JSON.stringify({ url })}\n`)
process.once('SIGTERM', () => { void stop().then(() => process.exit(0)) })

import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

export class ChromiumMissingError extends Error {
  static name = 'ChromiumMissingError'
  name = 'ChromiumMissingError'
}

/**
 * The Chromium the e2e tests drive: $EDGEWAY_CHROMIUM, else the system's. On a
 * fresh Debian machine where we are root, Debian's package is installed (never
 * a browser download); anywhere else the error says what to do.
 */
export function ensureChromium (): string {
  const fromEnv = process.env.EDGEWAY_CHROMIUM
  if (fromEnv != null && fromEnv !== '') {
    if (!existsSync(fromEnv)) {
      throw new ChromiumMissingError(`EDGEWAY_CHROMIUM points to ${fromEnv}, which does not exist`)
    }
    return fromEnv
  }
  const found = CANDIDATES.find(path => existsSync(path))
  if (found != null) {
    return found
  }
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')
  if (!canInstall) {
    throw new ChromiumMissingError('No Chromium found. Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set EDGEWAY_CHROMIUM=/path/to/chrome.')
  }
  process.stderr.write('e2e: installing Debian\'s chromium package (first run on this machine)…\n')
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  })
  const installed = CANDIDATES.find(path => existsSync(path))
  if (installed == null) {
    throw new ChromiumMissingError('apt-get installed chromium but no binary was found in /usr/bin')
  }
  return installed
}

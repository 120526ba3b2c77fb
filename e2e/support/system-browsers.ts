import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export class BrowserMissingError extends Error {
  static name = 'BrowserMissingError'
  name = 'BrowserMissingError'
}

/** A browser the e2e tests drive, as a Debian machine has it */
interface SystemBrowser {
  name: string
  /** The variable that names another binary */
  env: string
  /** Where the binary is looked for, in order */
  candidates: string[]
  /** Debian's package */
  debianPackage: string
}

const CHROMIUM: SystemBrowser = {
  name: 'Chromium',
  env: 'EDGEWAY_CHROMIUM',
  candidates: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'],
  debianPackage: 'chromium'
}

/** Firefox ESR's own binary: /usr/bin/firefox-esr is a wrapper script that WebDriver BiDi launches cannot use */
const FIREFOX: SystemBrowser = {
  name: 'Firefox',
  env: 'EDGEWAY_FIREFOX',
  candidates: ['/usr/lib/firefox-esr/firefox-esr', '/usr/lib/firefox/firefox'],
  debianPackage: 'firefox-esr'
}

/** The Chromium the e2e tests drive (Playwright): $EDGEWAY_CHROMIUM, else the system's, installed if need be. */
export function ensureChromium (): string {
  return ensureBrowser(CHROMIUM)
}

/** The Firefox the e2e tests drive (puppeteer-core over WebDriver BiDi): $EDGEWAY_FIREFOX, else Debian's ESR, installed if need be. */
export function ensureFirefox (): string {
  return ensureBrowser(FIREFOX)
}

/**
 * The browser's binary: its variable, else the system's. On a fresh Debian
 * machine where we are root, Debian's package is installed (never a browser
 * download); anywhere else the error says what to do.
 */
function ensureBrowser (browser: SystemBrowser): string {
  const fromEnv = process.env[browser.env]
  if (fromEnv != null && fromEnv !== '') {
    if (!existsSync(fromEnv)) {
      throw new BrowserMissingError(`${browser.env} points to ${fromEnv}, which does not exist`)
    }
    return fromEnv
  }
  const found = browser.candidates.find(path => existsSync(path))
  if (found != null) {
    return found
  }
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')
  if (!canInstall) {
    throw new BrowserMissingError(`No ${browser.name} found. Install one (Debian/Ubuntu: \`sudo apt-get install -y ${browser.debianPackage}\`) or set ${browser.env}=/path/to/it.`)
  }
  process.stderr.write(`e2e: installing Debian's ${browser.debianPackage} package (first run on this machine)…\n`)
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', browser.debianPackage], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  })
  const installed = browser.candidates.find(path => existsSync(path))
  if (installed == null) {
    throw new BrowserMissingError(`apt-get installed ${browser.debianPackage} but no binary was found at ${browser.candidates.join(', ')}`)
  }
  return installed
}

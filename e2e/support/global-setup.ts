import { ensureChromium } from './chromium.ts'

/** Find (or, on a fresh Debian machine, install) Chromium once, before any spec runs. */
export default function setup (): void {
  ensureChromium()
}

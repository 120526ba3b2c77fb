import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startExampleDapp } from './support/example-dapp.ts'
import { spawnLauncher } from './support/processes.ts'
import type { ExampleDapp } from './support/example-dapp.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser, Page } from 'playwright-core'

interface Fetched { status: number, bytes: number, sha256: string, source: string | null, progress: number[], progressAtEnd: number }

/** What the dApp's `window.edgeway.fetch` returns for `url`, read whole and hashed in the page */
async function fetchInPage (page: Page, url: string): Promise<Fetched> {
  return page.evaluate(async (url) => {
    const { edgeway } = window as unknown as { edgeway: { fetch(url: string, init?: { onProgress?(p: { bytes: number }): void }): Promise<Response> } }
    const progress: number[] = []
    const response = await edgeway.fetch(url, { onProgress: ({ bytes }) => { progress.push(bytes) } })
    const body = new Uint8Array(await response.arrayBuffer())
    // what onProgress had said when the body ended: all of it, in either mode
    const progressAtEnd = progress.at(-1) ?? 0
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
    return {
      status: response.status,
      bytes: body.byteLength,
      sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join(''),
      source: response.headers.get('x-edgeway-source'),
      progress,
      progressAtEnd
    }
  }, url)
}

describe('the SDK as a package, in examples/dapp (installed from npm pack, its own origin and SW)', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let dapp: ExampleDapp
  let site: Awaited<ReturnType<typeof makeSite>>
  const file = randomFile(2 * 1024 * 1024 + 5)

  beforeAll(async () => {
    site = await makeSite({ 'app/data.bin': file, 'index.html': '<p>dapp assets</p>' })
    ;[launcher, dapp] = await Promise.all([spawnLauncher(['--serve', site.dir]), startExampleDapp()])
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await dapp?.stop()
    await launcher?.stop()
    await site?.remove()
  })

  it('the dApp\'s own SW answers /ipfs/ with the exact bytes, configured from the gateway\'s edgeway.json', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${dapp.url}/?gateway=${encodeURIComponent(launcher.info.gateway)}`)
    await page.getByTestId('mode').filter({ hasText: 'service-worker' }).waitFor()
    expect(await page.getByTestId('sdk-notice').isHidden()).toBe(true)
    const root = launcher.info.roots[site.dir]

    const viaSdk = await fetchInPage(page, `ipfs://${root}/app/data.bin`)
    expect(viaSdk.status).toBe(200)
    expect(viaSdk.sha256).toBe(sha256(file))
    // the SW answered (the dApp's static server has no /ipfs/ and sends no such header)
    expect(viaSdk.source).toMatch(/^cache=\d+, edge=\d+, peer=0$/)
    expectProgress(viaSdk, file.byteLength)

    // any /ipfs/ URL of the origin works, not only through the SDK
    const plain = await page.evaluate(async (path) => {
      const response = await fetch(path)
      return { status: response.status, bytes: (await response.arrayBuffer()).byteLength }
    }, `/ipfs/${root}/app/data.bin`)
    expect(plain).toEqual({ status: 200, bytes: file.byteLength })
    await context.close()
  })

  it('its types check in the dApp with skipLibCheck: false and nothing installed but the package', async () => {
    // the declarations name no package a dApp may lack (build/sdk-package.ts refuses to pack them otherwise)
    expect(await dapp.typecheck()).toBe('')
  })

  it('where service workers are blocked, the page fetches and verifies itself and shows a notice', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' })
    const page = await context.newPage()
    await page.goto(`${dapp.url}/?gateway=${encodeURIComponent(launcher.info.gateway)}`)
    await page.getByTestId('mode').filter({ hasText: 'in-page' }).waitFor()
    await expectText(page, 'sdk-notice', /fetched and verified in this page: service workers are blocked here/)
    const root = launcher.info.roots[site.dir]

    const fetched = await fetchInPage(page, `ipfs://${root}/app/data.bin`)
    expect(fetched.status).toBe(200)
    expect(fetched.sha256).toBe(sha256(file))
    expect(fetched.source).toMatch(/^cache=0, edge=[1-9]\d*, peer=0$/)
    expectProgress(fetched, file.byteLength)

    // what a person sees: the form's result line
    await page.getByTestId('address').fill(`ipfs://${root}/app/data.bin`)
    await page.getByRole('button', { name: 'Fetch' }).click()
    await expectText(page, 'result', new RegExp(`^200: ${file.byteLength} bytes, sha256 ${sha256(file)}$`))
    await context.close()
  })
})

/** onProgress: verified bytes, growing, up to the file and its few DAG nodes by the time the body ended */
function expectProgress (fetched: Fetched, size: number): void {
  expect(new Set(fetched.progress).size).toBeGreaterThan(1)
  expect(fetched.progress).toEqual([...fetched.progress].sort((a, b) => a - b))
  expect(fetched.progressAtEnd).toBeGreaterThanOrEqual(size)
  expect(fetched.progressAtEnd).toBeLessThan(size + 64 * 1024)
}

async function expectText (page: Page, testId: string, pattern: RegExp): Promise<void> {
  await page.waitForFunction(({ testId, source, flags }) => new RegExp(source, flags).test(document.querySelector(`[data-testid="${testId}"]`)?.textContent ?? ''), { testId, source: pattern.source, flags: pattern.flags }, { timeout: 30_000 })
}

import type { Page } from 'playwright-core'

export interface VideoState {
  currentTime: number
  duration: number
  paused: boolean
  /** `MediaError.message`, or its code when it has no message */
  error?: string
  /** The element's events so far, `name@currentTime` */
  events: string[]
}

/** What `startVideo` leaves in the page for the later steps. */
interface VideoHarness {
  state(): VideoState
  /** Resolves once `done()` holds, checked on each `name` event; rejects on a media error or after the timeout */
  until(name: string, done: () => boolean): Promise<void>
  video: HTMLVideoElement
}

interface VideoOptions {
  /** How far the time must move on to count as playing @default 1 */
  playSeconds?: number
  /** Bounds each wait, so a broken video fails with what it did; never a timing assertion @default 60000 */
  timeoutMs?: number
}

/**
 * Puts one muted `<video src>` in the page, waits for its metadata, starts it
 * and waits until its time has moved on by `playSeconds`: playback started.
 */
export async function startVideo (page: Page, src: string, { playSeconds = 1, timeoutMs = 60_000 }: VideoOptions = {}): Promise<VideoState> {
  return page.evaluate(async ({ src, playSeconds, timeoutMs }) => {
    const video = document.createElement('video')
    video.muted = true
    const events: string[] = []
    for (const name of ['loadedmetadata', 'canplay', 'playing', 'waiting', 'seeking', 'seeked', 'stalled', 'error', 'ended']) {
      video.addEventListener(name, () => { events.push(`${name}@${video.currentTime.toFixed(2)}`) })
    }
    const state = (): VideoState => ({
      currentTime: video.currentTime,
      duration: video.duration,
      paused: video.paused,
      error: video.error == null ? undefined : video.error.message || `code ${video.error.code}`,
      events: [...events]
    })
    const until = async (name: string, done: () => boolean): Promise<void> => new Promise((resolve, reject) => {
      const stop = (): void => {
        clearTimeout(timer)
        video.removeEventListener(name, check)
        video.removeEventListener('error', check)
      }
      const timer = setTimeout(() => { stop(); reject(new Error(`no ${name} within ${timeoutMs} ms: ${JSON.stringify(state())}`)) }, timeoutMs)
      const check = (): void => {
        if (video.error != null) {
          stop()
          reject(new Error(`the video failed: ${JSON.stringify(state())}`))
        } else if (done()) {
          stop()
          resolve()
        }
      }
      video.addEventListener(name, check)
      video.addEventListener('error', check)
    })
    const harness: VideoHarness = { state, until, video }
    ;(window as unknown as { videoHarness: VideoHarness }).videoHarness = harness
    const metadata = until('loadedmetadata', () => true)
    video.src = src
    document.body.append(video)
    await metadata
    await video.play()
    const from = video.currentTime
    await until('timeupdate', () => video.currentTime >= from + playSeconds)
    return state()
  }, { src, playSeconds, timeoutMs })
}

/**
 * Seeks the video `startVideo` made to `time`, waits for `seeked`, plays on
 * (it may have been paused) and waits for a `timeupdate` at least
 * `playSeconds` past `time`: playback started there.
 */
export async function seekVideo (page: Page, time: number, { playSeconds = 1 }: VideoOptions = {}): Promise<VideoState> {
  return page.evaluate(async ({ time, playSeconds }) => {
    const { state, until, video } = (window as unknown as { videoHarness: VideoHarness }).videoHarness
    const seeked = until('seeked', () => true)
    video.currentTime = time
    await seeked
    await video.play()
    await until('timeupdate', () => !video.paused && video.currentTime >= time + playSeconds)
    return state()
  }, { time, playSeconds })
}

/** Pauses the video `startVideo` made. */
export async function pauseVideo (page: Page): Promise<VideoState> {
  return page.evaluate(() => {
    const { state, video } = (window as unknown as { videoHarness: VideoHarness }).videoHarness
    video.pause()
    return state()
  })
}

import { createHash } from 'node:crypto'
import { readFile, readdir, readlink } from 'node:fs/promises'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBystander } from '../support/bystander.ts'
import { makeSite, randomFile } from '../support/content.ts'
import { idleLifetime, openIdleSockets } from '../support/idle-sockets.ts'
import { spawnLauncher } from '../support/processes.ts'
import { HTTP_CONNECTION_LIMITS } from '../../edge/node/defaults.ts'
import type { IdleSockets } from '../support/idle-sockets.ts'
import type { LauncherInfo, Running } from '../support/processes.ts'
import type { TimedAnswer } from '../support/timed-get.ts'

/** Each address below is its own client to the servers: loopback is 127.0.0.0/8, and nothing here leaves it. */
const ATTACKER = '127.0.0.1'
const BYSTANDER = '127.0.0.2'
const PROBE = '127.0.0.3'
const READER = '127.0.0.4'
/**
 * The fd-exhaustion attacker: an address of its own, so the ports the floods above left in TIME_WAIT on 127.0.0.1
 * (a bind to an address and port 0 skips ports that address still holds) cannot make this flood fall short
 */
const FD_ATTACKER = '127.0.0.5'
/** Many clients together, each under its own cap: 127.0.1.1, 127.0.1.2, … */
const CROWD = Array.from({ length: 7 }, (_, i) => `127.0.1.${i + 1}`)

/** Idle connections the attacker opens to each server (12,000 in all: the test's and the server's fd limit is 20,000) */
const FLOOD = 6_000
/** What the issue allows one address to keep: "about a thousand" */
const KEPT_PER_ADDRESS = 1_000
/** The bystander's request must be answered within this, every time */
const ANSWER_WITHIN_MS = 1_000
const SAMPLE_EVERY_MS = 250
/** An idle or unfinished connection must be closed within this (on 48ca512: Node's 60 s header timeout, checked every 30 s) */
const IDLE_CLOSED_WITHIN_MS = 15_000
/** The slow reader pauses longer than every idle limit of the servers */
const READER_PAUSE_MS = 11_000
const FILE_BYTES = 16 * 1024 * 1024
/**
 * The fd limit the launcher (and so its edge) runs under in the fd-exhaustion case: the same attack as at the
 * machine's 20,000, filled by ~4,000 sockets instead of ~20,000, which the test's own limit could not open
 */
const FD_LIMIT = 4_096
/** The flooded process counts as out of descriptors with at most this many free (libuv keeps one in reserve) */
const FD_FREE_AT_MOST = 16
/** The flood opens this many sockets at a time, then looks at the process's fd count again */
const FD_FLOOD_BATCH = 256
/** How long the full process is held full while the bystander keeps asking */
const HOLD_FULL_MS = 3_000
/** An edge whose launcher was SIGKILLed must be gone within this: its own clean stop is allowed 5 s */
const ORPHAN_GONE_WITHIN_MS = 8_000

interface Target { name: string, host: string, port: number, probeUrl: string }

function targets (info: LauncherInfo): Target[] {
  const gateway = new URL(info.gateway)
  const edge = new URL(info.edges[0].http ?? '')
  return [
    { name: 'gateway', host: '127.0.0.1', port: Number(gateway.port), probeUrl: `${info.gateway}/edgeway.json` },
    { name: 'edge', host: edge.hostname, port: Number(edge.port), probeUrl: `${edge.origin}/info` }
  ]
}

/** Median and max of the answers' times; every answer must be a 200 within ANSWER_WITHIN_MS */
function checkAnswers (name: string, answers: TimedAnswer[], floodStarted: number): void {
  const ms = answers.map(answer => answer.ms).sort((a, b) => a - b)
  const slowest = answers.reduce((a, b) => b.ms > a.ms ? b : a)
  console.log(`${name}: ${answers.length} requests from ${BYSTANDER}, median ${ms[ms.length >> 1].toFixed(1)} ms, max ${slowest.ms.toFixed(1)} ms (sent ${slowest.at - floodStarted} ms after the flood began)`)
  const late = answers.filter(answer => answer.status !== 200 || answer.ms > ANSWER_WITHIN_MS)
  expect(late.slice(0, 5), `${name}: ${late.length} of ${answers.length} not answered 200 within ${ANSWER_WITHIN_MS} ms`).toEqual([])
}

const pause = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Requests `url` from `localAddress`, reads the first chunk, stops reading for `pauseMs`, then reads the rest. */
async function readWithPause (url: string, { localAddress, pauseMs }: { localAddress: string, pauseMs: number }): Promise<{ status: number, bytes: number, sha256: string }> {
  return new Promise((resolve, reject) => {
    request(url, { localAddress, agent: false }, res => {
      const hash = createHash('sha256')
      let bytes = 0
      let paused = pauseMs === 0
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk)
        bytes += chunk.byteLength
        if (!paused) {
          paused = true
          res.pause()
          setTimeout(() => { res.resume() }, pauseMs)
        }
      })
      res.once('end', () => { resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }) })
      res.once('error', reject)
    }).once('error', reject).end()
  })
}

describe('slowloris: servers that hold', () => {
  let launcher: Running<LauncherInfo>
  let site: Awaited<ReturnType<typeof makeSite>>
  let carUrl: string
  const floods: IdleSockets[] = []

  beforeAll(async () => {
    site = await makeSite({ 'big.bin': randomFile(FILE_BYTES) })
    launcher = await spawnLauncher(['--serve', site.dir])
    carUrl = `${launcher.info.edges[0].http}/ipfs/${launcher.info.roots[site.dir]}/big.bin?format=car`
  })

  afterAll(async () => {
    for (const flood of floods) flood.destroy()
    await launcher?.stop()
    await site?.remove()
  })

  it(`one address opening ${FLOOD} idle connections to each server keeps at most ${KEPT_PER_ADDRESS} per server, and another address is answered within 1 s throughout`, async () => {
    const servers = targets(launcher.info)
    const bystander = await startBystander({ urls: servers.map(({ probeUrl }) => probeUrl), everyMs: SAMPLE_EVERY_MS, localAddress: BYSTANDER, giveUpMs: 5_000 })
    let answers: TimedAnswer[][]

    const started = Date.now()
    try {
      // counted half a second after each server's flood, while what it kept is younger than the idle limit
      const kept: number[] = []
      for (const server of servers) {
        const flood = await openIdleSockets(server, FLOOD, { localAddress: ATTACKER })
        floods.push(flood)
        await pause(500)
        kept.push(flood.open())
      }
      const floodOpenMs = Date.now() - started
      console.log(`flood of ${FLOOD} per server open in ${floodOpenMs} ms; still open 0.5 s after each server's flood: gateway ${kept[0]}, edge ${kept[1]}`)
      for (const count of kept) {
        expect(count).toBeGreaterThan(0)
        expect(count).toBeLessThanOrEqual(KEPT_PER_ADDRESS)
      }

      // the connections it kept are idle ones too: the idle limit closes them, while the bystander is still answered
      while (floods.some(flood => flood.open() > 0) && Date.now() - started < IDLE_CLOSED_WITHIN_MS + floodOpenMs) {
        await pause(250)
      }
      console.log(`flood sockets still open ${Date.now() - started} ms after the flood began: gateway ${floods[0].open()}, edge ${floods[1].open()}`)
      expect(floods.map(flood => flood.open())).toEqual([0, 0])
    } finally {
      answers = await bystander.stop()
      for (const flood of floods.splice(0)) flood.destroy()
    }
    servers.forEach(({ name }, i) => { checkAnswers(name, answers[i], started) })
  }, 60_000)

  it(`${CROWD.length} addresses, each under its cap, fill one server to its total cap; the other server is still answered within 1 s`, async () => {
    const [gateway, edge] = targets(launcher.info)
    for (const [flooded, other] of [[edge, gateway], [gateway, edge]]) {
      const bystander = await startBystander({ urls: [other.probeUrl], everyMs: SAMPLE_EVERY_MS, localAddress: BYSTANDER, giveUpMs: 5_000 })
      let answers: TimedAnswer[][]
      const started = Date.now()
      try {
        for (const localAddress of CROWD) {
          floods.push(await openIdleSockets(flooded, KEPT_PER_ADDRESS, { localAddress }))
        }
        await pause(500)
        const held = floods.reduce((sum, flood) => sum + flood.open(), 0)
        console.log(`${flooded.name}: ${CROWD.length} × ${KEPT_PER_ADDRESS} connections opened, ${held} held`)
        expect(held).toBeLessThanOrEqual(HTTP_CONNECTION_LIMITS.total)
      } finally {
        answers = await bystander.stop()
        for (const flood of floods.splice(0)) flood.destroy()
      }
      checkAnswers(`${other.name} while the ${flooded.name} is full`, answers[0], started)
    }
  }, 60_000)

  it.concurrent('a connection that sends nothing, trickles headers, or idles after a response is closed by the server', async () => {
    const cases = targets(launcher.info).flatMap(server => [
      { what: `${server.name}: nothing sent`, server, options: {} },
      { what: `${server.name}: a header line every second, never the end`, server, options: { send: 'GET / HTTP/1.1\r\nHost: localhost\r\n', trickleEveryMs: 1_000 } },
      { what: `${server.name}: idle after one answered request`, server, options: { send: `GET ${new URL(server.probeUrl).pathname} HTTP/1.1\r\nHost: localhost\r\n\r\n` } }
    ])
    const lifetimes = await Promise.all(cases.map(async ({ server, options }) => idleLifetime(server, { localAddress: PROBE, giveUpMs: IDLE_CLOSED_WITHIN_MS, ...options })))
    const report = Object.fromEntries(cases.map(({ what }, i) => [what, lifetimes[i]]))
    console.log('ms until the server closed:', report)
    for (const [what, ms] of Object.entries(report)) {
      expect(ms, what).not.toBeNull()
    }
  }, 30_000)

  it.concurrent(`a reader that stops reading a ${FILE_BYTES >> 20} MiB CAR for ${READER_PAUSE_MS / 1000} s still gets all of it`, async () => {
    const whole = await readWithPause(carUrl, { localAddress: READER, pauseMs: 0 })
    expect(whole.status).toBe(200)
    expect(whole.bytes).toBeGreaterThan(FILE_BYTES)
    const paused = await readWithPause(carUrl, { localAddress: READER, pauseMs: READER_PAUSE_MS })
    expect(paused).toEqual(whole)
  }, 30_000)
})

/** Pids of the children of `pid`, from every thread's list (a spawn may come from any thread) */
async function childrenOf (pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [])
  const lists = await Promise.all(tasks.map(async task => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')))
  return lists.join(' ').split(/\s+/).filter(Boolean).map(Number)
}

/** Open file descriptors of `pid` */
async function fdCount (pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`).catch(() => [])).length
}

/** Whether `pid` still runs: gone or a zombie (exited, not reaped by whoever adopted it) count as ended */
async function running (pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  return stat != null && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
}

/** Which of `pids` holds the IPv4 socket listening on `port` (/proc/net/tcp: state 0A is LISTEN) */
async function listenerOf (port: number, pids: number[]): Promise<number | undefined> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const row = (await readFile('/proc/net/tcp', 'utf8')).split('\n').map(line => line.trim().split(/\s+/))
    .find(cols => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
  const socket = `socket:[${row?.[9]}]`
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [])
    const links = await Promise.all(fds.map(async fd => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')))
    if (links.includes(socket)) return pid
  }
  return undefined
}

describe('slowloris: the embedded edge in a process of its own', () => {
  let site: Awaited<ReturnType<typeof makeSite>>

  beforeAll(async () => {
    site = await makeSite({ 'index.html': '<p>a small site</p>' })
  })

  afterAll(async () => {
    await site?.remove()
  })

  it(`idle sockets holding every file descriptor of the edge (libp2p WebSocket port, limit ${FD_LIMIT}) leave the gateway answering within 1 s`, async () => {
    const launcher = await spawnLauncher(['--serve', site.dir], { prefix: ['sh', '-c', `ulimit -n ${FD_LIMIT} && exec "$@"`, 'sh'] })
    const floods: IdleSockets[] = []
    let answers: TimedAnswer[][] = []
    try {
      const ws = /^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)\/ws\//.exec(launcher.info.edges[0].multiaddrs[0] ?? '')
      expect(ws, 'the edge listens for libp2p WebSockets on 127.0.0.1').not.toBeNull()
      const wsPort = Number(ws?.[1])
      const launcherPid = launcher.process.pid ?? 0
      const edgePid = await listenerOf(wsPort, [launcherPid, ...await childrenOf(launcherPid)])
      expect(edgePid, 'a process of the launcher holds the WebSocket port').toBeDefined()

      const gateway = launcher.info.gateway
      const bystander = await startBystander({ urls: [`${gateway}/`, `${gateway}/edgeway.json`], everyMs: SAMPLE_EVERY_MS, localAddress: BYSTANDER, giveUpMs: 5_000 })
      const started = Date.now()
      let full = 0
      try {
        // bounded: never more than twice the limit in all, sockets the edge closed replaced as the flood goes on
        for (let opened = 0; opened < 2 * FD_LIMIT && full === 0; opened += FD_FLOOD_BATCH) {
          floods.push(await openIdleSockets({ host: '127.0.0.1', port: wsPort }, FD_FLOOD_BATCH, { localAddress: FD_ATTACKER }))
          const fds = await fdCount(edgePid ?? 0)
          if (fds >= FD_LIMIT - FD_FREE_AT_MOST) full = fds
        }
        await pause(HOLD_FULL_MS)
        console.log(`edge process (pid ${edgePid}${edgePid === launcherPid ? ', the launcher itself' : ''}): ${full} of ${FD_LIMIT} fds after ${Date.now() - started} ms; flood sockets open: ${floods.reduce((sum, flood) => sum + flood.open(), 0)}; launcher fds: ${await fdCount(launcherPid)}`)
      } finally {
        answers = await bystander.stop()
      }
      const errors: Record<string, number> = {}
      for (const flood of floods) for (const [code, n] of Object.entries(flood.errors())) errors[code] = (errors[code] ?? 0) + n
      expect(full, `the flood filled the edge process's descriptors (now ${await fdCount(edgePid ?? 0)}; flood sockets open ${floods.reduce((sum, flood) => sum + flood.open(), 0)}; errors ${JSON.stringify(errors)})`).toBeGreaterThanOrEqual(FD_LIMIT - FD_FREE_AT_MOST)
      checkAnswers('gateway / while the edge has no descriptor left', answers[0], started)
      checkAnswers('gateway /edgeway.json while the edge has no descriptor left', answers[1], started)
    } finally {
      // the edge ends first, so its side closes the flood's connections: closed from here, each would keep one of
      // the machine's ~28,000 ephemeral ports in TIME_WAIT for a minute, and a later `--port 0` could find none free
      await launcher.stop()
      for (const flood of floods) flood.destroy()
    }
  }, 60_000)

  it('npm start stopped with SIGTERM leaves no edge process behind, and the edge of a SIGKILLed launcher exits too', async () => {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const launcher = await spawnLauncher(['--serve', site.dir])
      const launcherPid = launcher.process.pid ?? 0
      const children = await childrenOf(launcherPid)
      const exited = new Promise(resolve => { launcher.process.once('exit', resolve) })
      launcher.process.kill(signal)
      await exited
      expect(children, 'the launcher ran one child process, the edge').toHaveLength(1)
      const killed = Date.now()
      while (await running(children[0]) && Date.now() - killed < ORPHAN_GONE_WITHIN_MS) {
        await pause(100)
      }
      console.log(`launcher ended by ${signal}: edge still running ${Date.now() - killed} ms later: ${await running(children[0])}`)
      expect(await running(children[0]), `the edge after the launcher's ${signal}`).toBe(false)
    }
  }, 60_000)
})

import type { Measure } from '../support/environment.ts'

const NOT_YET = 'Needs the in-tab peer (WebRTC tab-to-tab delivery), which Edgeway does not have yet.'

/** P5 and P6 measure peer delivery; they report "skipped" until peers exist. */
export const p5PeerThroughput: Measure = {
  id: 'P5',
  title: 'Tab-to-tab throughput over WebRTC vs edge over WebSocket',
  async run () {
    return { id: 'P5', title: this.title, description: 'Goal ≥ 0.5×.', status: 'skipped', note: NOT_YET, series: [], checks: [] }
  }
}

export const p6PeerOffload: Measure = {
  id: 'P6',
  title: 'Offload: share of bytes served by peers',
  async run () {
    return { id: 'P6', title: this.title, description: '5 contexts open the same 20 MiB with the edge\'s egress limited. Goal ≥ 0.9·(N−1)/N.', status: 'skipped', note: NOT_YET, series: [], checks: [] }
  }
}

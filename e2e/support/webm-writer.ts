/**
 * A minimal WebM (Matroska) writer for one video track, enough for a browser
 * to play and seek a file: EBML header, then a Segment holding a SeekHead,
 * Info (TimestampScale, Duration), Tracks, Cues and one Cluster per keyframe.
 * The Cues come before the Clusters, so a player learns every seek point from
 * the start of the file and a seek reads only the bytes of the Cluster it
 * lands in. Written from the Matroska specification (RFC 9559) and RFC 8794.
 */

/** One encoded frame, in presentation order. */
export interface EncodedFrame {
  /** Milliseconds from the start */
  timestampMs: number
  key: boolean
  data: Uint8Array
}

export interface WebmVideo {
  /** Matroska codec id, e.g. `V_VP8` */
  codecId: string
  width: number
  height: number
  /** Milliseconds one frame is shown */
  frameDurationMs: number
  /** The first must be a keyframe; a Cluster starts at every keyframe */
  frames: EncodedFrame[]
}

const ID = {
  EBML: 0x1A45DFA3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42F7,
  EBMLMaxIDLength: 0x42F2,
  EBMLMaxSizeLength: 0x42F3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  SeekHead: 0x114D9B74,
  Seek: 0x4DBB,
  SeekID: 0x53AB,
  SeekPosition: 0x53AC,
  Info: 0x1549A966,
  TimestampScale: 0x2AD7B1,
  Duration: 0x4489,
  MuxingApp: 0x4D80,
  WritingApp: 0x5741,
  Tracks: 0x1654AE6B,
  TrackEntry: 0xAE,
  TrackNumber: 0xD7,
  TrackUID: 0x73C5,
  TrackType: 0x83,
  FlagLacing: 0x9C,
  CodecID: 0x86,
  DefaultDuration: 0x23E383,
  Video: 0xE0,
  PixelWidth: 0xB0,
  PixelHeight: 0xBA,
  Cues: 0x1C53BB6B,
  CuePoint: 0xBB,
  CueTime: 0xB3,
  CueTrackPositions: 0xB7,
  CueTrack: 0xF7,
  CueClusterPosition: 0xF1,
  Cluster: 0x1F43B675,
  Timestamp: 0xE7,
  SimpleBlock: 0xA3
} as const

const TRACK = 1
/** Segment positions are written 8 bytes wide, so their values cannot change the sizes they depend on. */
const POSITION_WIDTH = 8

type Part = Uint8Array

/** The file as a list of parts, in order (a 50 MiB file need not be copied into one buffer). */
export function writeWebm (video: WebmVideo): Part[] {
  if (video.frames.length === 0 || !video.frames[0].key) {
    throw new Error('a WebM video must start with a keyframe')
  }
  const clusters = groupClusters(video.frames).map(group => ({
    timestampMs: group[0].timestampMs,
    parts: cluster(group)
  }))
  const last = video.frames[video.frames.length - 1]
  const durationMs = last.timestampMs + video.frameDurationMs

  const header = element(ID.EBML, [
    uint(ID.EBMLVersion, 1), uint(ID.EBMLReadVersion, 1), uint(ID.EBMLMaxIDLength, 4), uint(ID.EBMLMaxSizeLength, 8),
    text(ID.DocType, 'webm'), uint(ID.DocTypeVersion, 4), uint(ID.DocTypeReadVersion, 2)
  ])
  const info = element(ID.Info, [
    uint(ID.TimestampScale, 1_000_000),
    float(ID.Duration, durationMs),
    text(ID.MuxingApp, 'edgeway-e2e'),
    text(ID.WritingApp, 'edgeway-e2e')
  ])
  const tracks = element(ID.Tracks, [element(ID.TrackEntry, [
    uint(ID.TrackNumber, TRACK), uint(ID.TrackUID, TRACK), uint(ID.TrackType, 1), uint(ID.FlagLacing, 0),
    text(ID.CodecID, video.codecId),
    uint(ID.DefaultDuration, Math.round(video.frameDurationMs * 1_000_000)),
    element(ID.Video, [uint(ID.PixelWidth, video.width), uint(ID.PixelHeight, video.height)])
  ])])

  // Positions count from the Segment's data; every size below is fixed before any position is known.
  const cues = (positions: number[]): Part => element(ID.Cues, clusters.map((c, i) => element(ID.CuePoint, [
    uint(ID.CueTime, c.timestampMs),
    element(ID.CueTrackPositions, [uint(ID.CueTrack, TRACK), uint(ID.CueClusterPosition, positions[i], POSITION_WIDTH)])
  ])))
  const seekHead = (positions: { info: number, tracks: number, cues: number }): Part => element(ID.SeekHead, [
    seek(ID.Info, positions.info), seek(ID.Tracks, positions.tracks), seek(ID.Cues, positions.cues)
  ])
  const seekHeadSize = seekHead({ info: 0, tracks: 0, cues: 0 }).byteLength
  const cuesSize = cues(clusters.map(() => 0)).byteLength
  const infoAt = seekHeadSize
  const tracksAt = infoAt + info.byteLength
  const cuesAt = tracksAt + tracks.byteLength
  const clusterPositions: number[] = []
  let at = cuesAt + cuesSize
  for (const c of clusters) {
    clusterPositions.push(at)
    at += byteLength(c.parts)
  }
  const body = [seekHead({ info: infoAt, tracks: tracksAt, cues: cuesAt }), info, tracks, cues(clusterPositions), ...clusters.flatMap(c => c.parts)]
  return [header, concat([id(ID.Segment), size(at)]), ...body]
}

function groupClusters (frames: EncodedFrame[]): EncodedFrame[][] {
  const groups: EncodedFrame[][] = []
  for (const frame of frames) {
    if (frame.key) {
      groups.push([])
    }
    groups[groups.length - 1].push(frame)
  }
  return groups
}

/** A Cluster as parts: its head, then each SimpleBlock's head and the frame's bytes uncopied. */
function cluster (frames: EncodedFrame[]): Part[] {
  const start = frames[0].timestampMs
  const blocks = frames.flatMap(frame => {
    const relative = frame.timestampMs - start
    if (relative > 0x7FFF) {
      throw new Error('a Cluster spans at most 32.767 s: add keyframes')
    }
    // track number (a 1-byte vint), the timestamp relative to the Cluster (int16), flags (0x80: keyframe)
    const blockHead = new Uint8Array([0x80 | TRACK, relative >> 8, relative & 0xFF, frame.key ? 0x80 : 0])
    return [concat([id(ID.SimpleBlock), size(blockHead.byteLength + frame.data.byteLength), blockHead]), frame.data]
  })
  const timestamp = uint(ID.Timestamp, start)
  return [concat([id(ID.Cluster), size(timestamp.byteLength + byteLength(blocks)), timestamp]), ...blocks]
}

function seek (target: number, position: number): Part {
  return element(ID.Seek, [bytesElement(ID.SeekID, id(target)), uint(ID.SeekPosition, position, POSITION_WIDTH)])
}

function element (elementId: number, children: Part[]): Part {
  const data = concat(children)
  return concat([id(elementId), size(data.byteLength), data])
}

function bytesElement (elementId: number, data: Uint8Array): Part {
  return concat([id(elementId), size(data.byteLength), data])
}

/** An unsigned integer element, big-endian in `width` bytes (the fewest that hold it by default). */
function uint (elementId: number, value: number, width = Math.max(1, Math.ceil(Math.log2(value + 1) / 8))): Part {
  return bytesElement(elementId, bigEndian(value, width))
}

function float (elementId: number, value: number): Part {
  const data = new Uint8Array(8)
  new DataView(data.buffer).setFloat64(0, value)
  return bytesElement(elementId, data)
}

function text (elementId: number, value: string): Part {
  return bytesElement(elementId, new TextEncoder().encode(value))
}

/** Element IDs are written as they are specified: their length marker is part of the value. */
function id (elementId: number): Uint8Array {
  const bytes: number[] = []
  for (let rest = elementId; rest > 0; rest = Math.floor(rest / 256)) {
    bytes.unshift(rest % 256)
  }
  return new Uint8Array(bytes)
}

/**
 * An element data size as a variable-length integer: the fewest bytes whose
 * 7n value bits hold it, never all ones (that pattern means "unknown size").
 */
function size (value: number): Uint8Array {
  let width = 1
  while (value >= 2 ** (7 * width) - 1) {
    width++
  }
  if (width > 8) {
    throw new Error(`an element of ${value} bytes is too large`)
  }
  const data = bigEndian(value, width)
  data[0] |= 0x80 >> (width - 1)
  return data
}

function bigEndian (value: number, width: number): Uint8Array {
  const data = new Uint8Array(width)
  let rest = BigInt(value)
  for (let i = width - 1; i >= 0; i--) {
    data[i] = Number(rest & 0xFFn)
    rest >>= 8n
  }
  return data
}

function byteLength (parts: Part[]): number {
  return parts.reduce((n, part) => n + part.byteLength, 0)
}

function concat (parts: Part[]): Uint8Array {
  const out = new Uint8Array(byteLength(parts))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

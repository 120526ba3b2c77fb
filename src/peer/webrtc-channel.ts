/**
 * The tab peer's WebRTC data channels (the benchmark's WebRTC limit uses the
 * same): messages of 256 KiB (what browsers accept; libp2p's
 * default is 16 KiB, for go- and rust-libp2p peers, which tabs never talk
 * WebRTC to), with up to 8 MiB waiting in a channel: measured between two
 * Chromium contexts on loopback here, one stream went from 14–21 to 14–28
 * MiB/s (median ~15 to ~25), a CAR of 64 MiB alike. Per stream, so bounded
 * by the CAR streams a peer may open.
 */
export const DATA_CHANNEL = { maxMessageSize: 256 * 1024, maxBufferedAmount: 8 * 1024 * 1024 }

/**
 * The in-tab peer: the browser as a peer. Used by the gateway page
 * (src/ui/peer-panel.ts) and by dApps through the SDK.
 */
export { createTabPeer } from './create-tab-peer.ts'
export { connectServiceWorkerBridge } from './sw-bridge-client.ts'
export { publishFiles } from './publish.ts'
export { listPublished } from './pin-marker.ts'
export type { TabPeer, TabPeerInit, TabPeerStatus, TabBlock } from './create-tab-peer.ts'
export type { PublishInput, PublishResult } from './publish.ts'
export type { PublishedRoot } from './pin-marker.ts'
export type { ServiceWorkerBridgeOptions } from './sw-bridge-client.ts'

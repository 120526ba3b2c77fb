/**
 * Content roots in every form the gateway meets them, for tests: one CID as
 * CIDv0 and CIDv1 (the subdomain gateway spec's own example), one IPNS key in
 * its four spellings, and a CID no DNS label can hold.
 */
export const CID_V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
export const CID_V0 = 'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR'
/** `CID_V1` in base36 */
export const CID_V1_BASE36 = 'k2jmtxw8rjh1z69c6not3wtdxb0u3urbzhyll1t9jg6ox26dhi5sfi1m'
/** A raw block, a different root from `CID_V1` */
export const OTHER_CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
/** An ed25519 libp2p-key: base36 fits a DNS label, base32 (65 characters) does not */
export const KEY_BASE36 = 'k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8'
export const KEY_BASE32 = 'bafzaajaiaejcbzdibmxyzdjbbehgvizh6g5tikvy47mshdy6gwbruvgwvd24seje'
export const KEY_PEER_ID = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
/** raw, sha2-512: longer than 63 characters in base32 and in base36 */
export const CID_SHA512 = 'bafkrgqfyergqfcmb22j2662fnl4o7jgk2y6sqlqz74kjilbenzinsni5ejyevabkohbvqc3dodpez2zjhqzevbbdgqsvpvhfyocdr4hdneio4'

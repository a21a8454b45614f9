// MRT (RFC 6396): streaming reader, decoder, bgpdump-compatible text, and writer.
export * from './types.js';
export * from './constants.js';
export { readMrt, mrtRecords, MrtError, MAX_RECORD_LENGTH, type ReadOptions, type ReadSummary } from './reader.js';
export { openMrt, detectCompression, type Compression } from './source.js';
export { decodeRecord, newDecodeState, type DecodeState, type DecodeOptions } from './decode.js';
export { BgpdumpFormatter, bgpdumpTime, type LineMode, type FormatOptions } from './bgpdump-format.js';
export {
  encodePeerIndexTable, encodeRib, encodeRibAttributes, encodeBgp4mpMessage, encodeStateChange,
  type PeerIndexPeer, type RibEntryInput, type RouteAttributes, type Bgp4mpPeers,
} from './writer.js';

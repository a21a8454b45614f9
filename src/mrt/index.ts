// MRT (RFC 6396): streaming reader, decoder, bgpdump-compatible text, and writer.

export { BgpdumpFormatter, bgpdumpTime, type FormatOptions, type LineMode } from './bgpdump-format.js';
export * from './constants.js';
export { type DecodeOptions, type DecodeState, decodeRecord, newDecodeState } from './decode.js';
export { MAX_RECORD_LENGTH, MrtError, mrtRecords, type ReadOptions, type ReadSummary, readMrt } from './reader.js';
export { type Compression, detectCompression, openMrt } from './source.js';
export * from './types.js';
export {
  type Bgp4mpPeers,
  encodeBgp4mpMessage,
  encodePeerIndexTable,
  encodeRib,
  encodeRibAttributes,
  encodeStateChange,
  type PeerIndexPeer,
  type RibEntryInput,
  type RouteAttributes,
} from './writer.js';

// The BGP wire codec: pure functions from Buffers to messages and back.

export * from './attributes/as-path.js';
export * from './attributes/communities.js';
export { decodeAttributes } from './attributes/decode.js';
export { encodeAttributes } from './attributes/encode.js';
export * from './attributes/types.js';
export * from './capabilities.js';
export * from './constants.js';
export * from './errors.js';
export * from './header.js';
export * from './nlri.js';
export * from './notification.js';
export { notificationName } from './notification-names.js';
export * from './open.js';
export * from './route-refresh.js';
export * from './update.js';

// ROUTE-REFRESH messages (RFC 2918), with the enhanced route refresh subtypes of RFC 7313.
import { ErrorCode, MessageType } from './constants.js';
import { type BgpError, bgpError } from './errors.js';
import { encodeMessage } from './header.js';

/** 0 normal request, 1 beginning of route refresh, 2 end of route refresh; others are ignored (RFC 7313 §5) */
export interface RouteRefresh {
  afi: number;
  safi: number;
  subtype: number;
}

export function encodeRouteRefresh(r: RouteRefresh): Buffer {
  const body = Buffer.allocUnsafe(4);
  body.writeUInt16BE(r.afi, 0);
  body[2] = r.subtype;
  body[3] = r.safi;
  return encodeMessage(MessageType.ROUTE_REFRESH, body);
}

export function decodeRouteRefresh(body: Buffer): RouteRefresh | BgpError {
  // RFC 7313 §5: a wrong length is a ROUTE-REFRESH Message Error, Invalid Message Length.
  if (body.length !== 4) return bgpError(ErrorCode.ROUTE_REFRESH, 1, `ROUTE-REFRESH body of ${body.length} bytes`, body);
  return { afi: body.readUInt16BE(0), safi: body[3]!, subtype: body[2]! };
}

import { u8, u16 } from './bytes.js';
import type { NameText } from './text.js';

export const NOT_A_HELLO = 0;
/** A ClientHello starts the segment, but its server name is not within the captured bytes (or it has none). */
export const HELLO = 1;
/** A ClientHello whose server name was read (in `serverName`). */
export const HELLO_WITH_NAME = 2;

const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXTENSION_SERVER_NAME = 0;
const NAME_TYPE_HOST = 0;
/** A host name is at most 255 bytes (RFC 6066 allows 2^16−1; no real one comes close). */
const MAX_SERVER_NAME = 255;

/**
 * The server name (SNI) of a TLS ClientHello at the start of one TCP segment's payload. Nothing is reassembled: a
 * hello whose record starts in this segment counts, and its name is read only if it lies within the captured
 * bytes; a hello split over segments, or cut by the snap length before its name, is a hello without a name.
 */
export class ClientHelloReader {
  serverName = '';

  constructor(private readonly text: NameText) {}

  read(data: Uint8Array, at: number, end: number): number {
    // Record header: type, version 3.x (SSL 3.0 to TLS 1.3 put 0x0300–0x0304 here), length; then the message type.
    if (end - at < 6 || u8(data, at) !== CONTENT_HANDSHAKE || u8(data, at + 1) !== 3 || u8(data, at + 2) > 4) {
      return NOT_A_HELLO;
    }
    if (u8(data, at + 5) !== HANDSHAKE_CLIENT_HELLO) return NOT_A_HELLO;
    if (end - at < 9) return HELLO;
    const recordEnd = Math.min(end, at + 5 + u16(data, at + 3));
    const helloLength = (u8(data, at + 6) << 16) | u16(data, at + 7);
    const helloEnd = Math.min(recordEnd, at + 9 + helloLength);
    // client_version (2) and random (32), then session id, cipher suites, compression methods, extensions.
    let position = at + 9 + 34;
    if (helloEnd - position < 1) return HELLO;
    position += 1 + u8(data, position);
    if (helloEnd - position < 2) return HELLO;
    position += 2 + u16(data, position);
    if (helloEnd - position < 1) return HELLO;
    position += 1 + u8(data, position);
    if (helloEnd - position < 2) return HELLO;
    const extensionsEnd = Math.min(helloEnd, position + 2 + u16(data, position));
    position += 2;
    while (extensionsEnd - position >= 4) {
      const type = u16(data, position);
      const length = u16(data, position + 2);
      position += 4;
      if (type === EXTENSION_SERVER_NAME)
        return this.serverNameList(data, position, Math.min(extensionsEnd, position + length));
      position += length;
    }
    return HELLO;
  }

  private serverNameList(data: Uint8Array, at: number, end: number): number {
    if (end - at < 2) return HELLO;
    const listEnd = Math.min(end, at + 2 + u16(data, at));
    let position = at + 2;
    while (listEnd - position >= 3) {
      const type = u8(data, position);
      const length = u16(data, position + 1);
      position += 3;
      if (listEnd - position < length) return HELLO;
      if (type === NAME_TYPE_HOST) {
        if (length === 0 || length > MAX_SERVER_NAME) return HELLO;
        this.text.start();
        if (!this.text.append(data, position, length, false, false)) return HELLO;
        this.serverName = this.text.text();
        return HELLO_WITH_NAME;
      }
      position += length;
    }
    return HELLO;
  }
}

/*
 * Big- and little-endian reads from a packet's bytes, in place. Callers check bounds first; an index past the end
 * reads as 0 here rather than as `undefined` spreading NaN.
 */

export function u8(data: Uint8Array, at: number): number {
  return (data[at] as number) | 0;
}

export function u16(data: Uint8Array, at: number): number {
  return (u8(data, at) << 8) | u8(data, at + 1);
}

export function u32(data: Uint8Array, at: number): number {
  return ((u8(data, at) << 24) | (u8(data, at + 1) << 16) | (u8(data, at + 2) << 8) | u8(data, at + 3)) >>> 0;
}

export function u32le(data: Uint8Array, at: number): number {
  return (u8(data, at) | (u8(data, at + 1) << 8) | (u8(data, at + 2) << 16) | (u8(data, at + 3) << 24)) >>> 0;
}

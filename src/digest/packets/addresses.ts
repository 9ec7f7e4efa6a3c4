import { u16, u32 } from './bytes.js';

/**
 * IP addresses as map keys without a string per IPv4 packet: an IPv4 address is its 32-bit value (a number), an IPv6
 * address a string of 8 UTF-16 code units, one per 16-bit group (the two kinds never collide in a Map). Text forms
 * are made only for what the digest reports.
 */
export type AddressKey = number | string;

export function ipv4Key(data: Uint8Array, at: number): number {
  return u32(data, at);
}

export function ipv6Key(data: Uint8Array, at: number): string {
  return String.fromCharCode(
    u16(data, at),
    u16(data, at + 2),
    u16(data, at + 4),
    u16(data, at + 6),
    u16(data, at + 8),
    u16(data, at + 10),
    u16(data, at + 12),
    u16(data, at + 14),
  );
}

/**
 * An address key inside a composite string key (a connection, a DNS query): IPv4 as decimal digits, IPv6 as a
 * marker and its 8 code units. Both are prefix-free, so `a|port|b|port` cannot be read two ways.
 */
export function keyToken(key: AddressKey): string {
  return typeof key === 'number' ? String(key) : `\u0001${key}`;
}

export function isIpv6Key(key: AddressKey): key is string {
  return typeof key === 'string';
}

/** Dotted quad, or RFC 5952 text for IPv6 (lower case, the longest run of two or more zero groups as `::`). */
export function formatAddress(key: AddressKey): string {
  if (typeof key === 'number') return dotted(key);
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(key.charCodeAt(i) || 0);
  // IPv4-mapped addresses read best with the IPv4 part dotted (RFC 5952 section 5).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${dotted((((groups[6] as number) << 16) | (groups[7] as number)) >>> 0)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function dotted(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

import { u8, u16, u32, u32le } from './bytes.js';
import {
  DLT_RAW_BSD,
  DLT_RAW_OPENBSD,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_PKTAP,
  LINKTYPE_RAW,
  LINKTYPE_USER2_PKTAP,
} from './link-types.js';

export const PROTOCOL_ICMP = 1;
export const PROTOCOL_TCP = 6;
export const PROTOCOL_UDP = 17;
export const PROTOCOL_ICMPV6 = 58;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
/** The pre-802.1ad QinQ outer tag some switches still send. */
const ETHERTYPE_QINQ_OLD = 0x9100;
/** More tags than any real network stacks; the bound stops a packet of nothing but tags. */
const MAX_VLAN_TAGS = 8;
/** Bound on IPv6 extension headers walked (real packets carry one or two). */
const MAX_IPV6_EXTENSIONS = 8;
/** Values at or below it in an Ethernet type field are 802.3 lengths, not EtherTypes. */
const IEEE_802_3_MAX_LENGTH = 1500;

/** BSD address families in NULL/LOOP headers: IPv4 everywhere; IPv6 is 24 (Net/OpenBSD), 28 (FreeBSD), 30 (Darwin). */
const AF_INET = 2;
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/** Linux ARPHRD_NETLINK: the cooked header's protocol field is then a netlink family, not an EtherType. */
const ARPHRD_NETLINK = 824;
/** sizeof(struct pktap_header) on macOS; a shorter header length is bogus (tcpdump and Wireshark agree). */
const PKTAP_MIN_HEADER = 108;
/** pth_type_next for a packet record. */
const PKTAP_RECORD_PACKET = 1;

/**
 * Finds a packet's network layer and transport by the digest's counting rules (issue 12): the network layer is the
 * first IPv4/IPv6 header right after the link layer (and its VLAN tags); the transport is what follows it, after
 * IPv6 extension headers; a non-first fragment has none; nothing is reassembled. Results land in the fields (one
 * instance per tally, reused for every packet: nothing is allocated per packet).
 */
export class Dissector {
  /** 4, 6, or 0 when the packet has no IPv4/IPv6 header where the link layer says it starts. */
  version = 0;
  /** The IP header carries both addresses within the captured bytes. */
  hasAddresses = false;
  sourceAt = 0;
  destinationAt = 0;
  /** The transport's IP protocol number, or -1: none (non-first fragment, IP header cut short or bogus). */
  protocol = -1;
  transportAt = 0;
  /** Where the transport's bytes end: the captured bytes or the IP datagram, whichever ends first. */
  end = 0;

  dissect(linkType: number, data: Uint8Array, end: number): void {
    this.version = 0;
    this.hasAddresses = false;
    this.protocol = -1;
    this.linkLayer(linkType, data, 0, end, true);
  }

  private linkLayer(linkType: number, data: Uint8Array, at: number, end: number, outer: boolean): void {
    switch (linkType) {
      case LINKTYPE_ETHERNET:
        if (end - at >= 14) this.etherType(u16(data, at + 12), data, at + 14, end);
        return;
      case LINKTYPE_NULL:
        // The capturing host's byte order: little-endian unless the value only makes sense swapped.
        if (end - at >= 4) this.addressFamily(nullFamily(data, at), data, at + 4, end);
        return;
      case LINKTYPE_LOOP:
        if (end - at >= 4) this.addressFamily(u32(data, at), data, at + 4, end);
        return;
      case LINKTYPE_RAW:
      case DLT_RAW_BSD:
      case DLT_RAW_OPENBSD:
        this.ipByVersion(data, at, end);
        return;
      case LINKTYPE_IPV4:
        if (end > at && u8(data, at) >> 4 === 4) this.ipv4(data, at, end);
        return;
      case LINKTYPE_IPV6:
        if (end > at && u8(data, at) >> 4 === 6) this.ipv6(data, at, end);
        return;
      case LINKTYPE_LINUX_SLL:
        if (end - at >= 16 && u16(data, at + 2) !== ARPHRD_NETLINK) {
          this.etherType(u16(data, at + 14), data, at + 16, end);
        }
        return;
      case LINKTYPE_LINUX_SLL2:
        if (end - at >= 20 && u16(data, at + 8) !== ARPHRD_NETLINK) this.etherType(u16(data, at), data, at + 20, end);
        return;
      case LINKTYPE_PKTAP:
      case LINKTYPE_USER2_PKTAP: {
        // macOS's header: its own length, the record type and the inner DLT, little-endian (as the host wrote it).
        if (!outer || end - at < PKTAP_MIN_HEADER) return;
        const headerLength = u32le(data, at);
        if (headerLength < PKTAP_MIN_HEADER || headerLength > end - at) return;
        if (u32le(data, at + 4) !== PKTAP_RECORD_PACKET) return;
        this.linkLayer(u32le(data, at + 8), data, at + headerLength, end, false);
        return;
      }
    }
  }

  private etherType(type: number, data: Uint8Array, at: number, end: number): void {
    let tags = 0;
    while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
      if (++tags > MAX_VLAN_TAGS || end - at < 4) return;
      type = u16(data, at + 2);
      at += 4;
    }
    // 0x0800 goes by the version nibble, as Wireshark does (a few stacks send IPv6 under it).
    if (type === ETHERTYPE_IPV4) this.ipByVersion(data, at, end);
    else if (type === ETHERTYPE_IPV6 && end > at && u8(data, at) >> 4 === 6) this.ipv6(data, at, end);
  }

  private addressFamily(family: number, data: Uint8Array, at: number, end: number): void {
    if (family === AF_INET) this.ipByVersion(data, at, end);
    else if (family === AF_INET6_BSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN) {
      if (end > at && u8(data, at) >> 4 === 6) this.ipv6(data, at, end);
    } else if (family > IEEE_802_3_MAX_LENGTH) {
      // Some old Linux loopback captures put an EtherType there.
      this.etherType(family, data, at, end);
    }
  }

  private ipByVersion(data: Uint8Array, at: number, end: number): void {
    if (end <= at) return;
    const version = u8(data, at) >> 4;
    if (version === 4) this.ipv4(data, at, end);
    else if (version === 6) this.ipv6(data, at, end);
  }

  private ipv4(data: Uint8Array, at: number, end: number): void {
    this.version = 4;
    if (end - at < 20) return;
    this.hasAddresses = true;
    this.sourceAt = at + 12;
    this.destinationAt = at + 16;
    const headerLength = (u8(data, at) & 0x0f) * 4;
    if (headerLength < 20 || headerLength > end - at) return;
    const totalLength = u16(data, at + 2);
    // Zero is what TCP segmentation offload leaves there: the datagram is what was captured. A datagram that ends
    // with its header (or before) carries no transport.
    if (totalLength !== 0 && totalLength <= headerLength) return;
    if ((u16(data, at + 6) & 0x1fff) !== 0) return;
    this.protocol = u8(data, at + 9);
    this.transportAt = at + headerLength;
    this.end = totalLength === 0 ? end : Math.min(end, at + totalLength);
  }

  private ipv6(data: Uint8Array, at: number, end: number): void {
    this.version = 6;
    if (end - at < 40) return;
    this.hasAddresses = true;
    this.sourceAt = at + 8;
    this.destinationAt = at + 24;
    const payloadLength = u16(data, at + 4);
    let next = u8(data, at + 6);
    let position = at + 40;
    for (let headers = 0; ; headers++) {
      if (next === 0 || next === 43 || next === 60) {
        // Hop-by-hop, routing, destination options: length in 8-byte units, not counting the first 8.
        if (headers === MAX_IPV6_EXTENSIONS || end - position < 2) return;
        next = u8(data, position);
        position += (u8(data, position + 1) + 1) * 8;
      } else if (next === 44) {
        if (headers === MAX_IPV6_EXTENSIONS || end - position < 8) return;
        if ((u16(data, position + 2) & 0xfff8) !== 0) return;
        next = u8(data, position);
        position += 8;
      } else if (next === 51) {
        // Authentication header: length in 4-byte units, not counting the first 8.
        if (headers === MAX_IPV6_EXTENSIONS || end - position < 2) return;
        next = u8(data, position);
        position += (u8(data, position + 1) + 2) * 4;
      } else break;
    }
    if (position > end || (payloadLength !== 0 && at + 40 + payloadLength <= position)) return;
    this.protocol = next;
    this.transportAt = position;
    // Zero: segmentation offload (Linux BIG TCP) or a jumbogram; the datagram is what was captured.
    this.end = payloadLength === 0 ? end : Math.min(end, at + 40 + payloadLength);
  }
}

/**
 * A NULL header's family in the capturing host's byte order, which the file does not record: read little-endian
 * and swap when only the swapped value is plausible (as tcpdump and Wireshark do), including 16-bit families
 * written into the upper half.
 */
function nullFamily(data: Uint8Array, at: number): number {
  const value = u32le(data, at);
  if ((value & 0xffff0000) !== 0) {
    if ((value & 0xff000000) === 0 && (value & 0x00ff0000) < 0x00060000) return value >>> 16;
    return u32(data, at);
  }
  if ((value & 0xff) === 0 && (value & 0xff00) < 0x0600) return ((value & 0xff00) >>> 8) | ((value & 0xff) << 8);
  return value;
}

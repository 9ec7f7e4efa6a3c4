/**
 * Link-layer header types (LINKTYPE_* values of https://www.tcpdump.org/linktypes.html, IANA's pcap registry) that
 * the digest decodes, and names for the common ones it only counts. The names are the registry's, without the
 * `LINKTYPE_` prefix: codes, not prose (src/slack/ui says what they mean to people).
 */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW on most BSDs, written as-is into some files instead of LINKTYPE_RAW (101). */
export const DLT_RAW_BSD = 12;
/** DLT_RAW on OpenBSD (and BSD/OS), likewise. */
export const DLT_RAW_OPENBSD = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
/** DLT_PKTAP on macOS is DLT_USER2; files written there carry 149 (libpcap maps it to 258 only elsewhere). */
export const LINKTYPE_USER2_PKTAP = 149;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_PKTAP = 258;
export const LINKTYPE_LINUX_SLL2 = 276;

/** The link types whose headers the digest steps over to reach IPv4/IPv6. */
export const DECODED_LINK_TYPES: ReadonlySet<number> = new Set([
  LINKTYPE_NULL,
  LINKTYPE_ETHERNET,
  DLT_RAW_BSD,
  DLT_RAW_OPENBSD,
  LINKTYPE_RAW,
  LINKTYPE_LOOP,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_USER2_PKTAP,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_PKTAP,
  LINKTYPE_LINUX_SLL2,
]);

/** Kept short on purpose: the decoded types and the ones a capture from a laptop, a router or a switch may carry. */
const NAMES: ReadonlyMap<number, string> = new Map([
  [LINKTYPE_NULL, 'NULL'],
  [LINKTYPE_ETHERNET, 'ETHERNET'],
  [6, 'IEEE802_5'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [DLT_RAW_BSD, 'RAW'],
  [DLT_RAW_OPENBSD, 'RAW'],
  [50, 'PPP_HDLC'],
  [51, 'PPP_ETHER'],
  [100, 'ATM_RFC1483'],
  [LINKTYPE_RAW, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [107, 'FRELAY'],
  [LINKTYPE_LOOP, 'LOOP'],
  [109, 'ENC'],
  [LINKTYPE_LINUX_SLL, 'LINUX_SLL'],
  [117, 'PFLOG'],
  [119, 'IEEE802_11_PRISM'],
  [123, 'SUNATM'],
  [127, 'IEEE802_11_RADIOTAP'],
  [129, 'ARCNET_LINUX'],
  [LINKTYPE_USER2_PKTAP, 'USER2'],
  [163, 'IEEE802_11_AVS'],
  [178, 'JUNIPER_ETHER'],
  [189, 'USB_LINUX'],
  [192, 'PPI'],
  [195, 'IEEE802_15_4_WITHFCS'],
  [197, 'ERF'],
  [220, 'USB_LINUX_MMAPPED'],
  [227, 'CAN_SOCKETCAN'],
  [LINKTYPE_IPV4, 'IPV4'],
  [LINKTYPE_IPV6, 'IPV6'],
  [239, 'NFLOG'],
  [249, 'USBPCAP'],
  [252, 'WIRESHARK_UPPER_PDU'],
  [253, 'NETLINK'],
  [LINKTYPE_PKTAP, 'PKTAP'],
  [LINKTYPE_LINUX_SLL2, 'LINUX_SLL2'],
  [281, 'DSA_TAG_BRCM'],
  [284, 'DSA_TAG_DSA'],
  [285, 'DSA_TAG_EDSA'],
]);

/** The registry's name of a link type (e.g. `ETHERNET`), or null for one not in this short table. */
export function linkTypeName(linkType: number): string | null {
  return NAMES.get(linkType) ?? null;
}

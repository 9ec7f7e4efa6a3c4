/**
 * What the digest of an artifact finds, as facts (src/slack/ui words them for people). These shapes are the contract
 * between the parts of the digest: the zip tap (src/digest/zip-tap.ts) hands each entry's bytes to a reader; the
 * capture file reader (src/digest/capture-file.ts) turns a pcap/pcapng byte stream into packets; the packet analysis
 * (src/digest/packets/) tallies them; the WARP bundle reader (src/digest/warp/) reads the diagnostics' text files.
 * No part holds a whole file: every table is bounded.
 */

/** One packet as a capture file records it. */
export interface CapturedPacket {
  /** pcapng interface index (0 for classic pcap). */
  interfaceId: number;
  /** The link type (LINKTYPE_* number) of the packet's interface. */
  linkType: number;
  /** Microseconds since the Unix epoch (integer, UTC), converted from the interface's resolution; null if unknown. */
  timestampUs: number | null;
  /** Bytes stored in the file for this packet (what `data` holds, possibly fewer when the file is cut short). */
  capturedLength: number;
  /** The packet's length on the wire. */
  originalLength: number;
  /** The stored bytes; valid only during the call that hands it over (it may point into a reused buffer). */
  data: Uint8Array;
}

/** A pcapng interface description (classic pcap: one, from the file header). */
export interface CaptureInterface {
  id: number;
  linkType: number;
  snapLength: number;
  name: string | null;
  /** pcapng section (0-based) the interface belongs to: interface ids restart in each section. Absent for classic pcap. */
  section?: number;
}

/** A pcapng Interface Statistics Block: the capturing system's own counters (null where the block does not say). */
export interface CaptureInterfaceStatistics {
  interfaceId: number;
  /** pcapng section (0-based) of the interface. */
  section: number;
  /** Packets the interface received (isb_ifrecv). */
  received: number | null;
  /** Packets the interface dropped, e.g. for lack of buffers (isb_ifdrop). */
  droppedByInterface: number | null;
  /** Packets the operating system dropped before the capturing program read them (isb_osdrop). */
  droppedByOs: number | null;
  /** Packets accepted by the capture filter (isb_filteraccept). */
  acceptedByFilter: number | null;
  /** Packets the capturing program delivered to the file (isb_usrdeliv). */
  deliveredToUser: number | null;
}

/** Receives what a capture file reader finds, in file order. */
export interface CaptureSink {
  interface(description: CaptureInterface): void;
  packet(packet: CapturedPacket): void;
  /** Something the reader could not read, in plain words of its own (e.g. "file ends inside packet 1200"). */
  problem(text: string): void;
  /** A pcapng file's interface statistics (dropped packets), if the sink wants them. */
  statistics?(statistics: CaptureInterfaceStatistics): void;
}

/** The JSON digest of one capture file (`npm run digest -- --json`), field names fixed by the issue. */
export interface PacketDigest {
  file: string;
  format: 'pcap' | 'pcapng' | null;
  linkTypes: number[];
  packets: number;
  capturedBytes: number;
  originalBytes: number;
  truncatedPackets: number;
  /** ISO 8601 UTC with microseconds, e.g. `2026-12-03T06:04:44.123456Z`. */
  firstPacketAt: string | null;
  lastPacketAt: string | null;
  ipv4Packets: number;
  ipv6Packets: number;
  tcp: { packets: number; syn: number; synAck: number; rst: number };
  udp: { packets: number };
  icmp: { packets: number };
  /** ICMPv6 (IP protocol 58), apart from `icmp` as Wireshark's `icmp` and `icmpv6` filters are. */
  icmpv6?: { packets: number };
  dns: { queries: number; responses: number; rcodes: Record<string, number>; unanswered: number };
  tls: { clientHellos: number; serverNames: string[] };
  topPeers: { address: string; name?: string; packets: number; bytes: number }[];
  problems: string[];
}

/** Takes one zip entry's uncompressed bytes as they stream, in order. */
export interface ZipEntrySink {
  write(chunk: Uint8Array): void;
  /** The entry is complete (`complete: false` when the zip ended or broke inside it). */
  end(complete: boolean): void;
}

/** Asked for each entry as its local header streams past: a sink to read it, or null to let it pass unread. */
export type ZipEntryHandler = (name: string) => ZipEntrySink | null;

/** One interface of a packet capture, as its results.json reports it. */
export interface InterfaceResult {
  name: string;
  ok: boolean;
  /** The capture tool's own words, when it failed (data from the device, not markup). */
  error: string | null;
}

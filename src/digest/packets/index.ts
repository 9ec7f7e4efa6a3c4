export { formatAddress } from './addresses.js';
export { rcodeName, SLOW_ANSWER_US } from './dns.js';
export {
  BUSY_DEFAULT_PACKETS,
  type CaptureFileFacts,
  type FailedName,
  type LinkTypeCount,
  NEAR_EMPTY_TUNNEL_PACKETS,
  NEAR_EMPTY_TUNNEL_SHARE,
  type PacketFinding,
  type PacketFindingKind,
  type PcapZipFinding,
  pcapZipFindings,
  SIZE_LIMIT_SHARE,
  type SlowAnswer,
} from './findings.js';
export { DECODED_LINK_TYPES, linkTypeName } from './link-types.js';
export { PEER_CAPACITY } from './peers.js';
export { isoMicroseconds, PacketTally } from './tally.js';

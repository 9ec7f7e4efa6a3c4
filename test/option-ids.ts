import { pcap } from '../src/capture-types/pcap.js';
import { speedTest } from '../src/capture-types/speed-test.js';
import { warpDiag } from '../src/capture-types/warp-diag.js';
import { optionIds } from '../src/slack/ui/ids.js';

/** The modal's option fields, by the names the tests have always used (ids come from the capture-type registry). */
const time = optionIds(pcap, 'timeLimitMin');
const size = optionIds(pcap, 'maxFileSizeMb');
const packet = optionIds(pcap, 'packetSizeBytes');
const routes = optionIds(warpDiag, 'testAllRoutes');
const interfaces = optionIds(speedTest, 'interfaces');

export const PCAP_TIME_BLOCK = time.block;
export const PCAP_TIME_ACTION = time.action;
export const PCAP_SIZE_BLOCK = size.block;
export const PCAP_SIZE_ACTION = size.action;
export const PCAP_PACKET_BLOCK = packet.block;
export const PCAP_PACKET_ACTION = packet.action;
export const WARP_ROUTES_BLOCK = routes.block;
export const WARP_ROUTES_ACTION = routes.action;
export const SPEED_INTERFACES_BLOCK = interfaces.block;
export const SPEED_INTERFACES_ACTION = interfaces.action;
/** PCAP's options carry their limits: `PCAP_LIMITS.timeLimitMin.max`. */
export const PCAP_LIMITS = pcap.options;
export { FLAG_ON_VALUE as TEST_ALL_ROUTES_VALUE } from '../src/slack/ui/ids.js';

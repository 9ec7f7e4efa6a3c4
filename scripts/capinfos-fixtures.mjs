#!/usr/bin/env node
/**
 * Writes test/fixtures/corpus/capinfos.json: what Wireshark reads in each capture file of test/fixtures/corpus/pcap/,
 * for test/digest/capture-file.test.ts to check CaptureFileReader against. Run it by hand after the corpus changes:
 *
 *   node scripts/capinfos-fixtures.mjs
 *
 * Needs capinfos and tshark (Debian package tshark; the committed JSON was written with Wireshark 4.0.17) and python3
 * (ctypes, to ask Wireshark's libwiretap which LINKTYPE numbers it maps to which encapsulation). It runs one tshark
 * at a time (about half a minute for the whole corpus) and formats the JSON with the repository's biome.
 *
 * Per file it records:
 * - `readFully`: tshark read every record without an error; otherwise `wiresharkError` is what it said (the counts
 *   below are then of the packets before the damage).
 * - `format` ('pcap' for Wireshark's pcap, nsecpcap and modpcap file types, 'pcapng') and `wiresharkFileType`.
 * - `packets`, `capturedBytes` (sum of frame.cap_len), `originalBytes` (sum of frame.len), `firstPacketUs` and
 *   `lastPacketUs` (frame.time_epoch of the first and last packet in file order, floored to integer microseconds since
 *   the epoch; `firstPacketAt`/`lastPacketAt` are the same in ISO 8601 for people).
 * - `linkTypes`: LINKTYPE numbers. tshark names Wireshark *encapsulations* (frame.encap_type, WTAP_ENCAP_*), not
 *   LINKTYPE numbers, and several LINKTYPE values share one encapsulation (12, 14 and 101 are all raw IP). So each
 *   packet's number is the link type in the file's own header (classic pcap: the low 16 bits of the header's link-type
 *   field; pcapng: the packet's interface description in its section), kept only if libwiretap's
 *   wtap_pcap_encap_to_wtap_encap maps it to the encapsulation tshark reports for that packet; failing that, the one
 *   LINKTYPE Wireshark maps to that encapsulation, if only one does; otherwise null. `encapsulations` keeps
 *   Wireshark's names.
 * - Files whose link type Wireshark does not know (it refuses the whole file: "network type N unknown or
 *   unsupported") are read again from a temporary copy with the header's link type set to 147 (LINKTYPE_USER0, which
 *   Wireshark reads as opaque bytes): classic pcap framing does not depend on the link type. `linkTypes` is then the
 *   header's, and `wiresharkNote` says so.
 *
 * - `cut`: the same for the file's first two thirds (`length` bytes), as a file cut short: whether Wireshark reads
 *   it fully (only if the cut falls between two records), what it says, and the packets before the cut.
 *
 * `disagreements` (below, copied into the JSON) lists files where CaptureFileReader differs from Wireshark on
 * purpose, each with its reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SUNATM =
  'LINKTYPE_SUNATM (123): Wireshark takes the 4-byte SunATM pseudo-header off both frame.cap_len and frame.len; ' +
  'the reader hands over the record as stored, pseudo-header included (the packet analysis decides what it means)';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(root, 'test/fixtures/corpus/pcap');
const output = join(root, 'test/fixtures/corpus/capinfos.json');

/** Files where the reader differs from Wireshark on purpose: why, and the fields the test does not compare. */
const disagreements = {
  'atm-heapoverflow.pcap': {
    reason: SUNATM,
    fields: ['capturedBytes', 'originalBytes'],
  },
  'atm-oam-heapoverflow.pcap': {
    reason: SUNATM,
    fields: ['capturedBytes', 'originalBytes'],
  },
  'esis_snpa_asan-5.pcap': {
    reason:
      'cut short (66 bytes), the file ends 4 bytes into the second record header; Wireshark then takes the copy for ' +
      "Nokia's pcap variant (record headers 4 bytes longer) holding one packet, and reports no damage. The reader " +
      'reads the magic as standard pcap, as libpcap does, and reports the file ending inside packet 2',
    fields: ['cut.readFully'],
  },
  'pppoes.pcap': {
    reason:
      'cut short (82 bytes), the file ends 8 bytes into the second record header; Wireshark then takes the copy for ' +
      "RedHat 6.1's pcap variant (record headers 8 bytes longer) holding one packet, and reports no damage. The " +
      'reader reads the magic as standard pcap, as libpcap does, and reports the file ending inside packet 2',
    fields: ['cut.readFully'],
  },
};

/** A link type Wireshark reads as opaque bytes, for copies of files whose own link type it does not know. */
const OPAQUE_LINKTYPE = 147;

const wiretap = readWiretapMaps();
const names = readdirSync(corpus)
  .filter((name) => /\.(pcap|pcapng)$/.test(name))
  .sort();
const files = {};
const scratch = mkdtempSync(join(tmpdir(), 'capinfos-fixtures-'));
try {
  for (const name of names) files[name] = describe(name);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const fixture = {
  generatedBy: 'scripts/capinfos-fixtures.mjs (see its header for what each field means)',
  wireshark: firstLine(execFileSync('tshark', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
  disagreements,
  files,
};
writeFileSync(output, `${JSON.stringify(fixture, null, 2)}\n`);
execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', output], { stdio: 'inherit' });
const damaged = Object.values(files).filter((file) => !file.readFully).length;
console.log(`${names.length} files (${damaged} not read fully by Wireshark) -> ${output}`);

function describe(name) {
  const path = join(corpus, name);
  const bytes = readFileSync(path);
  const headers = readHeaders(bytes);
  let read = readWithTshark(path, name);
  let source = bytes;
  let wiresharkNote;
  const unknown = /network type (\d+) unknown or unsupported/.exec(read.error ?? '');
  if (read.packets.length === 0 && unknown && headers.classic) {
    const copy = join(scratch, name);
    const patched = Buffer.from(bytes);
    const littleEndian = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34].includes(patched.readUInt32LE(0));
    if (littleEndian) patched.writeUInt32LE(OPAQUE_LINKTYPE, 20);
    else patched.writeUInt32BE(OPAQUE_LINKTYPE, 20);
    writeFileSync(copy, patched);
    wiresharkNote =
      `Wireshark does not know network type ${unknown[1]}: read from a copy with link type ${OPAQUE_LINKTYPE}; ` +
      'linkTypes from the file header';
    read = readWithTshark(copy, name);
    read.patchedLinkType = true;
    source = patched;
  }
  const cutLength = Math.floor((bytes.length * 2) / 3);
  const cutPath = join(scratch, `cut-${name}`);
  writeFileSync(cutPath, source.subarray(0, cutLength));
  const cutRead = readWithTshark(cutPath, name);
  const linkTypes = new Set();
  const encapsulations = new Set();
  const linkTypeNotes = new Set();
  let capturedBytes = 0;
  let originalBytes = 0;
  let overSnapLength = 0;
  let overOriginalLength = 0;
  let withoutTime = 0;
  for (const packet of read.packets) {
    capturedBytes += packet.capturedLength;
    originalBytes += packet.originalLength;
    if (packet.capturedLength > packet.originalLength) overOriginalLength++;
    if (packet.timestampUs === null) withoutTime++;
    const description = headers.sections[packet.section]?.[packet.interfaceId];
    if (description && description.snapLength > 0 && packet.capturedLength > description.snapLength) overSnapLength++;
    const header = description?.linkType;
    if (read.patchedLinkType) {
      linkTypes.add(header ?? null);
      continue;
    }
    encapsulations.add(wiretap.encapNames[packet.encap] ?? String(packet.encap));
    if (header !== undefined && wiretap.linkTypeToEncap[header] === packet.encap) {
      linkTypes.add(header);
      continue;
    }
    const candidates = wiretap.encapToLinkTypes[packet.encap] ?? [];
    linkTypes.add(candidates.length === 1 ? candidates[0] : null);
    linkTypeNotes.add(`header link type ${header} is not Wireshark's encapsulation ${packet.encap}`);
  }
  const timed = read.packets.filter((packet) => packet.timestampUs !== null);
  const first = timed[0];
  const last = timed[timed.length - 1];
  return {
    readFully: read.error === null,
    ...(read.error === null ? {} : { wiresharkError: read.error }),
    ...(wiresharkNote ? { wiresharkNote } : {}),
    format: read.fileType === 'pcapng' ? 'pcapng' : read.fileType === null ? null : 'pcap',
    wiresharkFileType: read.fileType,
    packets: read.packets.length,
    linkTypes: [...linkTypes].sort((a, b) => (a ?? -1) - (b ?? -1)),
    encapsulations: [...encapsulations].sort(),
    ...(linkTypeNotes.size > 0 ? { linkTypeNotes: [...linkTypeNotes] } : {}),
    capturedBytes,
    originalBytes,
    packetsOverSnapLength: overSnapLength,
    packetsOverOriginalLength: overOriginalLength,
    packetsWithoutTime: withoutTime,
    firstPacketUs: first ? first.timestampUs : null,
    lastPacketUs: last ? last.timestampUs : null,
    firstPacketAt: first ? iso(first.timestampUs) : null,
    lastPacketAt: last ? iso(last.timestampUs) : null,
    cut: {
      length: cutLength,
      readFully: cutRead.error === null,
      ...(cutRead.error === null ? {} : { wiresharkError: cutRead.error }),
      packets: cutRead.packets.length,
      capturedBytes: cutRead.packets.reduce((sum, packet) => sum + packet.capturedLength, 0),
      originalBytes: cutRead.packets.reduce((sum, packet) => sum + packet.originalLength, 0),
    },
  };
}

/** Every packet tshark reads from the file, and whether it read the whole file. */
function readWithTshark(path, shownAs = path) {
  const fields = [
    'frame.time_epoch',
    'frame.time_invalid',
    'frame.len',
    'frame.cap_len',
    'frame.interface_id',
    'frame.section_number',
    'frame.encap_type',
  ];
  const run = spawnSync('tshark', ['-n', '-r', path, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  const complaints = run.stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes('could be dangerous'))
    .join(' ')
    .replaceAll(path, shownAs)
    .trim();
  let error = null;
  if (run.error) error = `tshark did not finish: ${run.error.message}`;
  else if (run.status !== 0 || complaints !== '') error = complaints || `tshark exited with ${run.status ?? run.signal}`;
  const packets = run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [time, invalid, len, capLen, interfaceId, section, encap] = line.split('\t');
      return {
        // A fraction of a second of a second or more: Wireshark flags it (frame.time_invalid) and prints nonsense.
        timestampUs: invalid === '' ? epochToMicroseconds(time) : null,
        originalLength: Number(len),
        capturedLength: Number(capLen),
        interfaceId: interfaceId === '' ? 0 : Number(interfaceId),
        section: section === '' ? 0 : Number(section) - 1,
        encap: Number(encap),
      };
    });
  const capinfos = spawnSync('capinfos', ['-T', '-r', '-t', '-K', path], { encoding: 'utf8' });
  const fileType = capinfos.status === 0 ? (capinfos.stdout.trim().split('\t')[1] ?? null) : null;
  return { packets, error, fileType };
}

/** "1354618524.028046000" (or negative) to integer microseconds, floored like the reader. */
function epochToMicroseconds(text) {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const nanoseconds = BigInt(whole) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
  const signed = negative ? -nanoseconds : nanoseconds;
  let us = signed / 1000n;
  if (signed < 0n && signed % 1000n !== 0n) us -= 1n;
  return Number(us);
}

function iso(us) {
  const ms = Math.floor(us / 1000);
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return null;
  const micros = String(us - ms * 1000).padStart(3, '0');
  return date.toISOString().replace('Z', `${micros}Z`);
}

/**
 * The link types and snap lengths the file's own headers give, by section and interface (tshark gives neither per
 * packet): classic pcap's file header (link type: the low 16 bits; the upper bits hold the FCS length), or the
 * Interface Description Blocks of each pcapng section.
 */
function readHeaders(bytes) {
  if (bytes.length < 24) return { classic: false, sections: [] };
  const magic = bytes.readUInt32BE(0);
  const classicBig = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34];
  const classicLittle = [0xd4c3b2a1, 0x4d3cb2a1, 0x34cdb2a1];
  if (classicBig.includes(magic)) {
    return { classic: true, sections: [[{ linkType: bytes.readUInt32BE(20) & 0xffff, snapLength: bytes.readUInt32BE(16) }]] };
  }
  if (classicLittle.includes(magic)) {
    return { classic: true, sections: [[{ linkType: bytes.readUInt32LE(20) & 0xffff, snapLength: bytes.readUInt32LE(16) }]] };
  }
  const sections = [];
  let littleEndian = true;
  let offset = 0;
  while (offset + 12 <= bytes.length) {
    if (bytes.readUInt32BE(offset) === 0x0a0d0d0a) {
      littleEndian = bytes.readUInt32LE(offset + 8) === 0x1a2b3c4d;
      sections.push([]);
    }
    const u32 = (at) => (littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
    const type = u32(offset);
    const length = u32(offset + 4);
    if (length < 12 || offset + length > bytes.length) break;
    if (type === 1 && sections.length > 0 && length >= 20) {
      sections[sections.length - 1].push({
        linkType: littleEndian ? bytes.readUInt16LE(offset + 8) : bytes.readUInt16BE(offset + 8),
        snapLength: u32(offset + 12),
      });
    }
    offset += length;
  }
  return { classic: false, sections };
}

/** libwiretap's own map of LINKTYPE numbers to its encapsulations, and the encapsulations' short names. */
function readWiretapMaps() {
  const program = `
import ctypes, ctypes.util, json
lib = ctypes.CDLL(ctypes.util.find_library('wiretap') or 'libwiretap.so')
lib.wtap_init.argtypes = [ctypes.c_bool]
lib.wtap_init(False)
to_encap = lib.wtap_pcap_encap_to_wtap_encap
to_encap.argtypes = [ctypes.c_int]
to_encap.restype = ctypes.c_int
name = lib.wtap_encap_name
name.argtypes = [ctypes.c_int]
name.restype = ctypes.c_char_p
link_types = {}
for link_type in range(65536):
    encap = to_encap(link_type)
    if encap > 0:
        link_types[link_type] = encap
names = {}
for encap in range(lib.wtap_get_num_encap_types()):
    value = name(encap)
    if value:
        names[encap] = value.decode()
print(json.dumps({'linkTypeToEncap': link_types, 'encapNames': names}))
`;
  const maps = JSON.parse(execFileSync('python3', ['-c', program], { encoding: 'utf8' }));
  const encapToLinkTypes = {};
  for (const [linkType, encap] of Object.entries(maps.linkTypeToEncap)) {
    (encapToLinkTypes[encap] ??= []).push(Number(linkType));
  }
  return { ...maps, encapToLinkTypes };
}

function firstLine(text) {
  return text.split('\n')[0] ?? '';
}

import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { pcap } from '../../src/capture-types/pcap.js';
import { DEFAULT_CAPTURE_OPTIONS } from '../../src/capture-types/registry.js';

/**
 * The PCAP zip's results.json, read as the zip streams past, from zips written by another writer than ours
 * (Python's zipfile): entries in any order, stored or deflated, and streamed with data descriptors.
 */

interface Entry {
  name: string;
  text: string;
  deflate: boolean;
}

/** A zip written by Python's zipfile; `streaming` writes to a pipe, so sizes go in data descriptors. */
function pythonZip(entries: Entry[], streaming: boolean): Buffer {
  const script = `
import io, json, sys, zipfile
spec = json.load(sys.stdin)
class Pipe(io.RawIOBase):
    def __init__(self): self.out = bytearray()
    def writable(self): return True
    def write(self, b): self.out += b; return len(b)
target = Pipe() if spec["streaming"] else io.BytesIO()
with zipfile.ZipFile(target, "w") as z:
    for e in spec["entries"]:
        method = zipfile.ZIP_DEFLATED if e["deflate"] else zipfile.ZIP_STORED
        if spec["streaming"]:
            with z.open(zipfile.ZipInfo(e["name"]), "w") as f: f.write(e["text"].encode())
        else:
            z.writestr(zipfile.ZipInfo(e["name"]), e["text"], compress_type=method)
sys.stdout.buffer.write(bytes(target.out) if spec["streaming"] else target.getvalue())
`;
  return execFileSync('python3', ['-c', script], { input: JSON.stringify({ entries, streaming }) });
}

const RESULTS = JSON.stringify({
  captures: [
    { interface: 'default', status: 'success' },
    { interface: 'tunnel', status: 'error', error: 'pktmon: no adapters matched' },
  ],
});
const EXPECTED = [
  { name: 'default', ok: true, error: null },
  { name: 'tunnel', ok: false, error: 'pktmon: no adapters matched' },
];
const capture = (name: string) => ({ name, text: 'x'.repeat(70_000), deflate: false });

/** Streams `zip` through the PCAP reader in chunks of `chunk` bytes; what came out, and what it learnt. */
async function read(zip: Buffer, chunk = 16_384) {
  const reader = pcap.artifact.reader?.({ fileName: 'pcap.zip', options: DEFAULT_CAPTURE_OPTIONS.pcap });
  if (!reader) throw new Error('PCAP has a reader');
  const parts: Buffer[] = [];
  for (let i = 0; i < zip.length; i += chunk) parts.push(zip.subarray(i, i + chunk));
  const out: Buffer[] = [];
  reader.stream.on('data', (data: Buffer) => out.push(data));
  await pipeline(Readable.from(parts), reader.stream);
  return { bytes: Buffer.concat(out), interfaces: reader.interfaces() };
}

describe('the PCAP results reader, on zips from another writer', () => {
  it('finds results.json first and deflated, passing every byte through unchanged', async () => {
    const zip = pythonZip(
      [{ name: 'results.json', text: RESULTS, deflate: true }, capture('capture-default.pcap')],
      false,
    );
    const { bytes, interfaces } = await read(zip);
    expect(bytes.equals(zip)).toBe(true);
    expect(interfaces).toEqual(EXPECTED);
  });

  it('finds results.json last, behind stored captures, however the bytes are cut', async () => {
    const zip = pythonZip(
      [
        capture('capture-tunnel.pcap'),
        capture('capture-default.pcap'),
        { name: 'results.json', text: RESULTS, deflate: false },
      ],
      false,
    );
    for (const chunk of [1, 7, 4096, zip.length]) expect((await read(zip, chunk)).interfaces).toEqual(EXPECTED);
  });

  it('finds it behind an entry whose size is in a data descriptor', async () => {
    const zip = pythonZip(
      [capture('capture-default.pcap'), { name: 'results.json', text: RESULTS, deflate: true }],
      true,
    );
    expect(zip.readUInt16LE(6) & 0x08).toBe(0x08); // the writer did stream
    const { bytes, interfaces } = await read(zip);
    expect(bytes.equals(zip)).toBe(true);
    expect(interfaces).toEqual(EXPECTED);
  });

  it('reads unreadable results.json as no result', async () => {
    const zip = pythonZip([{ name: 'results.json', text: '{"captures": [', deflate: true }], false);
    expect((await read(zip)).interfaces).toBeNull();
  });
});

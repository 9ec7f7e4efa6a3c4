import type { PcapZipDigest } from './artifact-digest.js';
import { CaptureFileReader } from './capture-file.js';
import type { CaptureSink, InterfaceResult, ZipEntrySink } from './model.js';
import { pcapZipFindings } from './packets/findings.js';
import { PacketTally } from './packets/tally.js';
import { interfaceResults, ResultsCollector } from './pcap-results.js';

type CaptureName = 'default' | 'tunnel';

/** `capture-default.pcap`, `capture-tunnel.pcapng`, … anywhere in the zip: which capture it is. */
const CAPTURE_ENTRY = /(?:^|\/)capture-(default|tunnel)\.pcap(?:ng)?$/i;

interface CaptureEntry {
  name: CaptureName;
  reader: CaptureFileReader;
  tally: PacketTally;
  fileBytes: number;
}

/**
 * Reads a DEX packet-capture zip as it streams past (give `entry` as the zip tap's handler): both captures through the
 * capture file reader into a packet tally each, and results.json for which interfaces were captured. Holds one
 * record per capture at most, whatever the size of the zip.
 */
export class PcapZipReader {
  readonly #results = new ResultsCollector();
  readonly #captures = new Map<CaptureName, CaptureEntry>();

  constructor(
    private readonly file: string,
    /** The size limit the capture was started with, to tell a capture that ended on it; null when not known. */
    private readonly maxFileSizeMb: number | null,
  ) {}

  entry(name: string): ZipEntrySink | null {
    const results = this.#results.claim(name);
    if (results) return results;
    const which = CAPTURE_ENTRY.exec(name)?.[1]?.toLowerCase() as CaptureName | undefined;
    if (!which || this.#captures.has(which)) return null;
    const tally = new PacketTally(`${this.file}/${name}`);
    const capture: CaptureEntry = { name: which, tally, reader: new CaptureFileReader(tally), fileBytes: 0 };
    this.#captures.set(which, capture);
    return {
      write: (chunk) => {
        capture.fileBytes += chunk.length;
        capture.reader.write(chunk);
      },
      end: (complete) => {
        if (!complete) capture.tally.problem('the zip ended or broke inside this capture; what came before is counted');
        capture.reader.end();
      },
    };
  }

  interfaces(): InterfaceResult[] | null {
    return interfaceResults(this.#results.results);
  }

  /** `zipProblems`: what the zip tap could not read. */
  digest(zipProblems: string[] = []): PcapZipDigest {
    const captures = (['default', 'tunnel'] as const).flatMap((name) => {
      const capture = this.#captures.get(name);
      return capture ? [captureDigest(capture.name, capture.tally, capture.reader, capture.fileBytes)] : [];
    });
    const facts = (name: CaptureName) => {
      const capture = captures.find((c) => c.capture === name);
      return capture ? { digest: capture.digest, fileBytes: capture.fileBytes } : null;
    };
    return {
      kind: 'pcap',
      file: this.file,
      captures,
      findings: pcapZipFindings({
        default: facts('default'),
        tunnel: facts('tunnel'),
        interfaces: this.interfaces(),
        maxFileSizeMb: this.maxFileSizeMb,
      }),
      problems: zipProblems,
    };
  }
}

/** One capture's digest and findings, once its bytes have all been read. */
export function captureDigest(
  capture: string,
  tally: PacketTally,
  reader: CaptureFileReader,
  fileBytes: number,
): PcapZipDigest['captures'][number] {
  return { capture, fileBytes, digest: tally.digest(reader.format), findings: tally.findings() };
}

/** A capture file on its own (`npm run digest -- capture.pcapng`): a reader and the sink it feeds. */
export function captureFileDigester(file: string): {
  sink: CaptureSink;
  write(chunk: Uint8Array): void;
  digest(): PcapZipDigest;
} {
  const tally = new PacketTally(file);
  const reader = new CaptureFileReader(tally);
  let fileBytes = 0;
  return {
    sink: tally,
    write(chunk) {
      fileBytes += chunk.length;
      reader.write(chunk);
    },
    digest() {
      reader.end();
      return {
        kind: 'pcap',
        file,
        captures: [captureDigest(file, tally, reader, fileBytes)],
        findings: [],
        problems: [],
      };
    },
  };
}

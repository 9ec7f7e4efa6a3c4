import type { CaptureInterfaceStatistics, CaptureSink } from './model.js';

/**
 * A push parser for capture files: classic pcap (µs and ns, either byte order, and Kuznetsov's "modified pcap") and
 * pcapng (any number of sections, each in its own byte order). Bytes arrive in chunks of any size; packets go to the
 * sink as soon as they are complete, in file order. The format comes from the magic number, never from the file name
 * (WARP on Windows writes pcapng into files named .pcap).
 *
 * Hostile input never makes it throw, hang or grow: it holds at most one record or block (MAX_BLOCK_BYTES), blocks it
 * does not read are skipped as they stream past, and what it cannot read goes to `sink.problem` (at most
 * `maxProblems`, then a count).
 *
 * pcapng interface ids restart in each section: `sink.interface` is told each section's interfaces as they come. The
 * drop counts of an Interface Statistics Block go to `sink.statistics` (facts about the capture, not problems reading
 * the file).
 *
 * Link types are handed over as the file gives them (the low 16 bits of classic pcap's link-type field, whose upper
 * bits carry the FCS length): legacy values such as 12 or 14 for raw IP are not renumbered.
 */
export class CaptureFileReader {
  private readonly sink: CaptureSink;
  private readonly problems: ProblemLog;
  private phase = DETECT;
  private detected: CaptureFileFormat | null = null;
  private ended = false;
  private littleEndian = true;
  /** Bytes of all earlier chunks: file offsets for problems. */
  private bytesBefore = 0;

  // Classic pcap.
  private recordHeaderBytes = 16;
  private nanoseconds = false;
  private pcapLinkType = 0;
  private pcapSnapLength = 0;

  // pcapng: the current section and its interfaces (ids restart in each section).
  private section = -1;
  private interfaces: PcapngInterface[] = [];
  private describedInterfaces = 0;
  /** The type of the block being read (for "the file ends inside …"). */
  private blockType = 0;
  /** File offset of the record or block being read (for problems). */
  private unitOffset = 0;

  /** Packet records met so far, read or not: "packet N" in problems counts them from 1. */
  private packetRecords = 0;

  // One record or block that spans chunks, reassembled here (reused; released after an unusually large one).
  private buffer: Uint8Array = EMPTY;
  private bufferView: DataView = new DataView(EMPTY.buffer);
  /** Bytes held in `buffer`. */
  private buffered = 0;
  /** Size of the buffered unit once its header is complete; 0 while the header is still arriving. */
  private unitBytes = 0;

  // A pcapng block skipped as it streams past: the body still to drop, then its trailing length to check.
  private skipBytes = 0;
  private trailerNeeded = 0;
  private trailerValue = 0;
  private trailerExpected = 0;
  private trailerOffset = 0;

  // Problems that repeat per packet are counted and reported once, at the end.
  private readonly overSnapLength = new PacketTally();
  private readonly overOriginalLength = new PacketTally();
  private readonly unknownInterface = new PacketTally();
  private readonly timestampOutOfRange = new PacketTally();
  private readonly fractionOverOneSecond = new PacketTally();

  private readonly names = new TextDecoder('utf-8');

  constructor(sink: CaptureSink, options: CaptureFileReaderOptions = {}) {
    this.sink = sink;
    this.problems = new ProblemLog(sink, options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  }

  /** The format found by the magic number; null until 4 bytes have arrived, or if it is neither. */
  get format(): CaptureFileFormat | null {
    return this.detected;
  }

  write(chunk: Uint8Array): void {
    if (this.ended || this.phase === STOPPED || chunk.length === 0) {
      this.bytesBefore += chunk.length;
      return;
    }
    try {
      this.consume(chunk);
    } catch (error) {
      this.crash(error);
    }
    this.bytesBefore += chunk.length;
  }

  /** The file is complete: reports a record cut short and the tallied problems. Later writes are ignored. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      if (this.phase !== STOPPED) this.reportCutShort();
      this.reportTallies();
      this.problems.finish();
    } catch (error) {
      this.crash(error);
    }
  }

  private consume(chunk: Uint8Array): void {
    const end = chunk.length;
    let view: DataView | null = null;
    let offset = 0;
    while (offset < end) {
      if (this.skipBytes > 0) {
        const take = Math.min(this.skipBytes, end - offset);
        this.skipBytes -= take;
        offset += take;
        continue;
      }
      if (this.trailerNeeded > 0) {
        offset = this.takeTrailer(chunk, offset, end);
        continue;
      }
      if (this.phase === STOPPED) return;
      if (this.phase === DETECT) {
        if (this.buffered + end - offset < 4) {
          this.append(chunk, offset, end - offset);
          return;
        }
        this.detect(chunk, offset);
        continue;
      }
      const header = this.headerBytes();
      if (this.buffered === 0) {
        // The fast path: whole units straight from the chunk.
        const available = end - offset;
        if (available < header) {
          this.append(chunk, offset, available);
          return;
        }
        view ??= new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const size = this.unitSize(view, offset, this.bytesBefore + offset, available);
        if (size === 0) {
          if (this.phase === STOPPED) return;
          offset += header; // a skipped block: its header is read, its body streams past
          continue;
        }
        if (size > available) {
          this.reserve(size);
          this.unitBytes = size;
          this.append(chunk, offset, available);
          return;
        }
        this.process(chunk, view, offset, size);
        offset += size;
        continue;
      }
      if (this.unitBytes === 0) {
        const take = Math.min(header - this.buffered, end - offset);
        this.append(chunk, offset, take);
        offset += take;
        if (this.buffered < header) return;
        const size = this.unitSize(this.bufferView, 0, this.bytesBefore + offset - this.buffered, this.buffered);
        if (size === 0) {
          this.buffered = 0;
          if (this.phase === STOPPED) return;
          continue;
        }
        this.reserve(size);
        this.unitBytes = size;
      }
      const take = Math.min(this.unitBytes - this.buffered, end - offset);
      this.append(chunk, offset, take);
      offset += take;
      if (this.buffered < this.unitBytes) return;
      const size = this.unitBytes;
      this.buffered = 0;
      this.unitBytes = 0;
      this.process(this.buffer, this.bufferView, 0, size);
      if (this.buffer.length > KEPT_BUFFER_BYTES) this.setBuffer(EMPTY);
    }
  }

  /** Reads the magic number from the buffered bytes and the chunk, without consuming them. */
  private detect(chunk: Uint8Array, offset: number): void {
    let magic = 0;
    for (let i = 0; i < 4; i++) {
      const byte = i < this.buffered ? (this.buffer[i] ?? 0) : (chunk[offset + i - this.buffered] ?? 0);
      magic = magic * 256 + byte;
    }
    if (magic === PCAPNG_MAGIC) {
      this.detected = 'pcapng';
      this.phase = PCAPNG_BLOCK;
      return;
    }
    const classic = CLASSIC_MAGICS.get(magic);
    if (classic === undefined) {
      this.stop(`not a pcap or pcapng file (it starts with ${hex(magic, 8).replace(/(..)(?!$)/g, '$1 ')})`);
      return;
    }
    this.detected = 'pcap';
    this.littleEndian = classic.littleEndian;
    this.nanoseconds = classic.nanoseconds;
    this.recordHeaderBytes = classic.recordHeaderBytes;
    this.phase = PCAP_HEADER;
  }

  private headerBytes(): number {
    if (this.phase === PCAP_RECORD) return this.recordHeaderBytes;
    if (this.phase === PCAP_HEADER) return PCAP_FILE_HEADER_BYTES;
    return PCAPNG_BLOCK_HEADER_BYTES;
  }

  /**
   * The size of the unit whose header starts at `at` (at least headerBytes() are there). 0 when reading stops, or
   * when a pcapng block not read is larger than the bytes at hand: then it is skipped as it streams past.
   */
  private unitSize(view: DataView, at: number, fileOffset: number, available: number): number {
    this.unitOffset = fileOffset;
    if (this.phase === PCAP_HEADER) return PCAP_FILE_HEADER_BYTES;
    if (this.phase === PCAP_RECORD) {
      const capturedLength = view.getUint32(at + 8, this.littleEndian);
      if (capturedLength > MAX_PACKET_BYTES) {
        // Like tcpdump and Wireshark, stop: a record header this wrong means the framing is lost, and whatever
        // follows would be read as packets from the middle of other packets.
        this.stop(
          `packet ${this.packetRecords + 1} claims ${capturedLength} bytes, more than the ${MAX_PACKET_BYTES} ` +
            `a packet can have: reading stops at byte ${fileOffset}`,
        );
        return 0;
      }
      return this.recordHeaderBytes + capturedLength;
    }
    // pcapng: the type is a palindrome in both byte orders for a Section Header Block, which sets the byte order.
    const type = view.getUint32(at, this.littleEndian);
    if (type === SHB) {
      const byteOrder = view.getUint32(at + 8, true);
      if (byteOrder === BYTE_ORDER_MAGIC) this.littleEndian = true;
      else if (byteOrder === BYTE_ORDER_MAGIC_SWAPPED) this.littleEndian = false;
      else {
        this.stop(`the pcapng section header at byte ${fileOffset} has no byte-order magic: reading stops`);
        return 0;
      }
    }
    this.blockType = type;
    const size = view.getUint32(at + 4, this.littleEndian);
    if (size < PCAPNG_BLOCK_HEADER_BYTES || size % 4 !== 0) {
      this.stop(`the pcapng block at byte ${fileOffset} has an impossible length (${size} bytes): reading stops`);
      return 0;
    }
    if (size > MAX_BLOCK_BYTES) {
      this.stop(
        `the pcapng block at byte ${fileOffset} claims ${size} bytes, more than the ${MAX_BLOCK_BYTES} read: reading stops`,
      );
      return 0;
    }
    if (size > available && size > PCAPNG_BLOCK_HEADER_BYTES && !READ_BLOCKS.has(type)) {
      this.skipBytes = size - PCAPNG_BLOCK_HEADER_BYTES - 4;
      this.trailerNeeded = 4;
      this.trailerValue = 0;
      this.trailerExpected = size;
      this.trailerOffset = fileOffset;
      return 0;
    }
    return size;
  }

  private process(bytes: Uint8Array, view: DataView, at: number, size: number): void {
    if (this.phase === PCAP_RECORD) this.pcapRecord(bytes, view, at);
    else if (this.phase === PCAPNG_BLOCK) this.pcapngBlock(bytes, view, at, size);
    else this.pcapFileHeader(view, at);
  }

  private pcapFileHeader(view: DataView, at: number): void {
    const le = this.littleEndian;
    const major = view.getUint16(at + 4, le);
    const minor = view.getUint16(at + 6, le);
    if (major !== 2) this.problems.report(`unexpected pcap version ${major}.${minor}`);
    this.pcapSnapLength = view.getUint32(at + 16, le);
    this.pcapLinkType = view.getUint32(at + 20, le) & 0xffff;
    this.phase = PCAP_RECORD;
    this.sink.interface({ id: 0, linkType: this.pcapLinkType, snapLength: this.pcapSnapLength, name: null });
  }

  private pcapRecord(bytes: Uint8Array, view: DataView, at: number): void {
    const le = this.littleEndian;
    const seconds = view.getUint32(at, le);
    const fraction = view.getUint32(at + 4, le);
    const capturedLength = view.getUint32(at + 8, le);
    const originalLength = view.getUint32(at + 12, le);
    const packet = ++this.packetRecords;
    let timestampUs: number | null = null;
    if (this.nanoseconds ? fraction < 1e9 : fraction < 1e6) {
      timestampUs = this.nanoseconds ? seconds * 1e6 + Math.floor(fraction / 1000) : seconds * 1e6 + fraction;
    } else {
      this.fractionOverOneSecond.note(packet); // a broken writer; Wireshark flags it as an invalid time too
    }
    // Longer than the snap length but not absurd: the framing still holds, so the packet is read as recorded (as
    // Wireshark does; libpcap cuts it to the snap length) and the count is reported.
    if (capturedLength > this.pcapSnapLength && this.pcapSnapLength > 0) this.overSnapLength.note(packet);
    if (capturedLength > originalLength) this.overOriginalLength.note(packet);
    const start = at + this.recordHeaderBytes;
    this.sink.packet({
      interfaceId: 0,
      linkType: this.pcapLinkType,
      timestampUs,
      capturedLength,
      originalLength,
      data: new Uint8Array(bytes.buffer, bytes.byteOffset + start, capturedLength),
    });
  }

  private pcapngBlock(bytes: Uint8Array, view: DataView, at: number, size: number): void {
    const le = this.littleEndian;
    const trailing = view.getUint32(at + size - 4, le);
    if (trailing !== size) {
      this.stop(
        `the pcapng block at byte ${this.unitOffset} ends with length ${trailing}, ` +
          `not the ${size} it starts with: reading stops`,
      );
      return;
    }
    switch (this.blockType) {
      case EPB:
        this.enhancedPacket(bytes, view, at, size);
        break;
      case SPB:
        this.simplePacket(bytes, view, at, size);
        break;
      case OBSOLETE_PB:
        this.obsoletePacket(bytes, view, at, size);
        break;
      case IDB:
        this.interfaceDescription(view, at, size);
        break;
      case ISB:
        this.interfaceStatistics(view, at, size);
        break;
      case SHB:
        this.sectionHeader(view, at, size);
        break;
      default:
        // Name resolution, decryption secrets, custom and unknown blocks: nothing the digest reads.
        break;
    }
  }

  private sectionHeader(view: DataView, at: number, size: number): void {
    if (size < 28) {
      this.stop(`the pcapng section header at byte ${this.unitOffset} is too short: reading stops`);
      return;
    }
    const major = view.getUint16(at + 12, this.littleEndian);
    const minor = view.getUint16(at + 14, this.littleEndian);
    if (major !== 1) {
      this.stop(`pcapng version ${major}.${minor} is not supported: reading stops`);
      return;
    }
    this.section++;
    this.interfaces = [];
    this.describedInterfaces = 0;
  }

  private interfaceDescription(view: DataView, at: number, size: number): void {
    const le = this.littleEndian;
    const id = this.describedInterfaces++;
    if (size < 20) {
      this.problems.report(`interface ${id} has a description block too short to read`);
      return;
    }
    if (id >= MAX_INTERFACES_PER_SECTION) {
      this.problems.report(`more than ${MAX_INTERFACES_PER_SECTION} interfaces in a section: interface ${id} ignored`);
      return;
    }
    const linkType = view.getUint16(at + 8, le);
    const snapLength = view.getUint32(at + 12, le);
    let name: string | null = null;
    let resolution = 6;
    let offsetSeconds = 0n;
    const ok = forEachOption(view, at + 16, at + size - 4, le, (code, start, length) => {
      if (code === IF_NAME && length > 0) {
        const bytes = new Uint8Array(view.buffer, view.byteOffset + start, Math.min(length, MAX_INTERFACE_NAME_BYTES));
        const nul = bytes.indexOf(0);
        name = this.names.decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
      } else if (code === IF_TSRESOL && length >= 1) {
        resolution = view.getUint8(start);
      } else if (code === IF_TSOFFSET && length >= 8) {
        offsetSeconds = view.getBigInt64(start, le);
      }
    });
    if (!ok) this.problems.report(`interface ${id} has options that run past its block: the rest were ignored`);
    const clock = interfaceClock(resolution, offsetSeconds);
    if (clock.kind === CLOCK_UNKNOWN) {
      this.problems.report(`interface ${id} has a time resolution or offset out of range: its packets have no time`);
    }
    this.interfaces[id] = { linkType, snapLength, ...clock };
    this.sink.interface({ id, linkType, snapLength, name, section: this.section });
  }

  private enhancedPacket(bytes: Uint8Array, view: DataView, at: number, size: number): void {
    const le = this.littleEndian;
    const packet = ++this.packetRecords;
    if (size < 32) {
      this.problems.report(`packet ${packet} has a block too short to hold a packet`);
      return;
    }
    const interfaceId = view.getUint32(at + 8, le);
    const capturedLength = view.getUint32(at + 20, le);
    const originalLength = view.getUint32(at + 24, le);
    this.blockPacket(bytes, view, at, size, packet, interfaceId, capturedLength, originalLength);
  }

  /** The Packet Block (type 2) that the Enhanced Packet Block replaced: a 16-bit interface id and a drop count. */
  private obsoletePacket(bytes: Uint8Array, view: DataView, at: number, size: number): void {
    const le = this.littleEndian;
    const packet = ++this.packetRecords;
    if (size < 32) {
      this.problems.report(`packet ${packet} has a block too short to hold a packet`);
      return;
    }
    const interfaceId = view.getUint16(at + 8, le);
    const capturedLength = view.getUint32(at + 20, le);
    const originalLength = view.getUint32(at + 24, le);
    this.blockPacket(bytes, view, at, size, packet, interfaceId, capturedLength, originalLength);
  }

  /** EPB and PB share their layout after the interface id: timestamp high, low, captured length, original length. */
  private blockPacket(
    bytes: Uint8Array,
    view: DataView,
    at: number,
    size: number,
    packet: number,
    interfaceId: number,
    capturedLength: number,
    originalLength: number,
  ): void {
    if (capturedLength > size - 32) {
      this.problems.report(`packet ${packet} claims ${capturedLength} bytes, more than its block holds: skipped`);
      return;
    }
    const description = this.interfaces[interfaceId];
    if (description === undefined) {
      this.unknownInterface.note(packet);
      return;
    }
    if (capturedLength > description.snapLength && description.snapLength > 0) this.overSnapLength.note(packet);
    if (capturedLength > originalLength) this.overOriginalLength.note(packet);
    const le = this.littleEndian;
    const timestampUs = this.timestamp(description, view.getUint32(at + 12, le), view.getUint32(at + 16, le), packet);
    this.sink.packet({
      interfaceId,
      linkType: description.linkType,
      timestampUs,
      capturedLength,
      originalLength,
      data: new Uint8Array(bytes.buffer, bytes.byteOffset + at + 28, capturedLength),
    });
  }

  /** A Simple Packet Block: interface 0, no time; captured length = min(original, snap length, room in the block). */
  private simplePacket(bytes: Uint8Array, view: DataView, at: number, size: number): void {
    const packet = ++this.packetRecords;
    if (size < 16) {
      this.problems.report(`packet ${packet} has a block too short to hold a packet`);
      return;
    }
    const description = this.interfaces[0];
    if (description === undefined) {
      this.unknownInterface.note(packet);
      return;
    }
    const originalLength = view.getUint32(at + 8, this.littleEndian);
    let capturedLength = Math.min(originalLength, size - 16);
    if (description.snapLength > 0) capturedLength = Math.min(capturedLength, description.snapLength);
    this.sink.packet({
      interfaceId: 0,
      linkType: description.linkType,
      timestampUs: null,
      capturedLength,
      originalLength,
      data: new Uint8Array(bytes.buffer, bytes.byteOffset + at + 12, capturedLength),
    });
  }

  private interfaceStatistics(view: DataView, at: number, size: number): void {
    const le = this.littleEndian;
    if (size < 24) {
      this.problems.report('an interface statistics block is too short to read');
      return;
    }
    const interfaceId = view.getUint32(at + 8, le);
    if (this.interfaces[interfaceId] === undefined) {
      this.problems.report(`statistics for interface ${interfaceId}, which no block describes: ignored`);
      return;
    }
    const statistics: CaptureInterfaceStatistics = {
      interfaceId,
      section: this.section,
      received: null,
      droppedByInterface: null,
      droppedByOs: null,
      acceptedByFilter: null,
      deliveredToUser: null,
    };
    const ok = forEachOption(view, at + 20, at + size - 4, le, (code, start, length) => {
      if (length < 8) return;
      // Counters beyond 2^53 lose their last digits as numbers; no capture counts that many packets.
      const value = view.getUint32(start + (le ? 4 : 0), le) * 4294967296 + view.getUint32(start + (le ? 0 : 4), le);
      if (code === ISB_IFRECV) statistics.received = value;
      else if (code === ISB_IFDROP) statistics.droppedByInterface = value;
      else if (code === ISB_FILTERACCEPT) statistics.acceptedByFilter = value;
      else if (code === ISB_OSDROP) statistics.droppedByOs = value;
      else if (code === ISB_USRDELIV) statistics.deliveredToUser = value;
    });
    if (!ok)
      this.problems.report(`statistics for interface ${interfaceId} run past their block: the rest were ignored`);
    this.sink.statistics?.(statistics);
  }

  /** Microseconds since the epoch from a 64-bit pcapng timestamp; BigInt only for resolutions other than µs and ns. */
  private timestamp(description: PcapngInterface, high: number, low: number, packet: number): number | null {
    let us: number;
    if (description.kind === CLOCK_MICROSECONDS) {
      us = high * 4294967296 + low;
    } else if (description.kind === CLOCK_NANOSECONDS) {
      // (high·2^32 + low) / 1000 without losing digits: divide the high word first, carry its remainder down.
      const highThousands = Math.floor(high / 1000);
      const carried = (high - highThousands * 1000) * 4294967296 + low;
      us = highThousands * 4294967296 + Math.floor(carried / 1000);
    } else if (description.kind === CLOCK_OTHER) {
      const ticks = (BigInt(high) << 32n) | BigInt(low);
      const exact = (ticks * 1_000_000n) / description.unitsPerSecond;
      us = exact > MAX_SAFE_BIGINT ? Number.POSITIVE_INFINITY : Number(exact);
    } else {
      return null;
    }
    us += description.offsetUs;
    if (!Number.isSafeInteger(us)) {
      this.timestampOutOfRange.note(packet);
      return null;
    }
    return us;
  }

  private takeTrailer(chunk: Uint8Array, offset: number, end: number): number {
    while (this.trailerNeeded > 0 && offset < end) {
      const byte = chunk[offset++] ?? 0;
      const shift = this.littleEndian ? 4 - this.trailerNeeded : this.trailerNeeded - 1;
      this.trailerValue += byte * 2 ** (8 * shift);
      this.trailerNeeded--;
    }
    if (this.trailerNeeded === 0 && this.trailerValue !== this.trailerExpected) {
      this.stop(
        `the pcapng block at byte ${this.trailerOffset} ends with length ${this.trailerValue}, ` +
          `not the ${this.trailerExpected} it starts with: reading stops`,
      );
    }
    return offset;
  }

  private reportCutShort(): void {
    const inside = this.buffered > 0 || this.skipBytes > 0 || this.trailerNeeded > 0;
    if (this.phase === DETECT) {
      const total = this.bytesBefore;
      this.problems.report(
        total === 0 ? 'the file is empty' : `the file is too short to be a capture (${total} bytes)`,
      );
    } else if (this.phase === PCAP_HEADER) {
      this.problems.report('the file ends inside the pcap file header');
    } else if (!inside) {
      return;
    } else if (this.phase === PCAP_RECORD) {
      this.problems.report(`the file ends inside packet ${this.packetRecords + 1}`);
    } else if (this.unitBytes === 0 && this.skipBytes === 0 && this.trailerNeeded === 0) {
      this.problems.report(`the file ends inside a pcapng block header (after ${this.packetRecords} packets)`);
    } else if (this.blockType === EPB || this.blockType === SPB || this.blockType === OBSOLETE_PB) {
      this.problems.report(`the file ends inside packet ${this.packetRecords + 1}`);
    } else {
      this.problems.report(
        `the file ends inside a pcapng block of type 0x${hex(this.blockType, 8)} (after ${this.packetRecords} packets)`,
      );
    }
  }

  private reportTallies(): void {
    const problems = this.problems;
    this.overSnapLength.report(
      problems,
      'holds more bytes than the snap length',
      'hold more bytes than the snap length',
    );
    this.overOriginalLength.report(
      problems,
      'holds more bytes than its length on the wire',
      'hold more bytes than their length on the wire',
    );
    this.unknownInterface.report(
      problems,
      'names an interface no block describes: skipped',
      'name an interface no block describes: skipped',
    );
    this.timestampOutOfRange.report(
      problems,
      'has a time out of range: no time given',
      'have a time out of range: no time given',
    );
    this.fractionOverOneSecond.report(
      problems,
      'has a sub-second field of a second or more: no time given',
      'have a sub-second field of a second or more: no time given',
    );
  }

  private stop(text: string): void {
    this.phase = STOPPED;
    this.skipBytes = 0;
    this.trailerNeeded = 0;
    this.buffered = 0;
    this.unitBytes = 0;
    this.setBuffer(EMPTY);
    this.problems.report(text);
  }

  /** A bug here or an exception from the sink: reading stops, and says so, rather than throwing into the stream. */
  private crash(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    try {
      this.stop(`reading stopped on an internal error: ${message.slice(0, MAX_ERROR_TEXT)}`);
    } catch {
      this.phase = STOPPED;
    }
  }

  private reserve(size: number): void {
    if (this.buffer.length >= size) return;
    let capacity = Math.max(this.buffer.length, INITIAL_BUFFER_BYTES);
    while (capacity < size) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.buffered));
    this.setBuffer(grown);
  }

  private append(chunk: Uint8Array, offset: number, length: number): void {
    if (length <= 0) return;
    this.reserve(this.buffered + length);
    this.buffer.set(chunk.subarray(offset, offset + length), this.buffered);
    this.buffered += length;
  }

  private setBuffer(buffer: Uint8Array): void {
    this.buffer = buffer;
    this.bufferView = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
}

export type CaptureFileFormat = 'pcap' | 'pcapng';

export interface CaptureFileReaderOptions {
  /** Problems reported one by one (default 20); the rest are counted in one last problem. */
  maxProblems?: number;
}

/** Distinct problems up to a limit, then how many more there were. */
class ProblemLog {
  private reported = 0;
  private unlisted = 0;

  constructor(
    private readonly sink: CaptureSink,
    private readonly limit: number,
  ) {}

  report(text: string): void {
    if (this.reported >= this.limit) {
      this.unlisted++;
      return;
    }
    this.reported++;
    this.sink.problem(text);
  }

  finish(): void {
    if (this.unlisted > 0) this.sink.problem(`${this.unlisted} more problems`);
    this.unlisted = 0;
  }
}

/** A problem met packet after packet: how many, and the first one. */
class PacketTally {
  private count = 0;
  private first = 0;

  note(packet: number): void {
    if (this.count++ === 0) this.first = packet;
  }

  report(problems: ProblemLog, one: string, many: string): void {
    if (this.count === 1) problems.report(`packet ${this.first} ${one}`);
    else if (this.count > 1) problems.report(`${this.count} packets ${many} (the first is packet ${this.first})`);
  }
}

interface PcapngInterface extends InterfaceClock {
  linkType: number;
  snapLength: number;
}

interface InterfaceClock {
  kind: number;
  /** Ticks per second, for CLOCK_OTHER. */
  unitsPerSecond: bigint;
  /** if_tsoffset in microseconds. */
  offsetUs: number;
}

/** How an interface's timestamps become microseconds: if_tsresol is 10^-n, or 2^-n with the high bit set. */
function interfaceClock(resolution: number, offsetSeconds: bigint): InterfaceClock {
  const exponent = resolution & 0x7f;
  const binary = (resolution & 0x80) !== 0;
  const offset = offsetSeconds * 1_000_000n;
  // Ticks must fit in 64 bits; an offset beyond 2^53 µs (285 000 years) is no real clock.
  if ((binary ? exponent > 63 : exponent > 19) || offset > MAX_SAFE_BIGINT || -offset > MAX_SAFE_BIGINT) {
    return { kind: CLOCK_UNKNOWN, unitsPerSecond: 1n, offsetUs: 0 };
  }
  const unitsPerSecond = binary ? 1n << BigInt(exponent) : 10n ** BigInt(exponent);
  const kind =
    unitsPerSecond === 1_000_000n
      ? CLOCK_MICROSECONDS
      : unitsPerSecond === 1_000_000_000n
        ? CLOCK_NANOSECONDS
        : CLOCK_OTHER;
  return { kind, unitsPerSecond, offsetUs: Number(offset) };
}

/**
 * Calls `visit` for each pcapng option in [start, end) until opt_endofopt; false if an option runs past the end
 * (the options read until then stand).
 */
function forEachOption(
  view: DataView,
  start: number,
  end: number,
  littleEndian: boolean,
  visit: (code: number, valueStart: number, length: number) => void,
): boolean {
  let at = start;
  while (at + 4 <= end) {
    const code = view.getUint16(at, littleEndian);
    const length = view.getUint16(at + 2, littleEndian);
    if (code === 0) return true;
    const valueStart = at + 4;
    if (valueStart + length > end) return false;
    visit(code, valueStart, length);
    at = valueStart + ((length + 3) & ~3);
  }
  return at === end || at + 4 > end;
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

const DETECT = 0;
const PCAP_HEADER = 1;
const PCAP_RECORD = 2;
const PCAPNG_BLOCK = 3;
const STOPPED = 4;

const PCAP_FILE_HEADER_BYTES = 24;
/** Block type, total length, and the next 4 bytes (a Section Header Block's byte-order magic). */
const PCAPNG_BLOCK_HEADER_BYTES = 12;

/** Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD and libpcap's MAXIMUM_SNAPLEN: no ordinary link has larger packets. */
const MAX_PACKET_BYTES = 262_144;
/** The largest pcapng block read (or skipped): one claiming more means the framing is lost. */
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
const INITIAL_BUFFER_BYTES = 64 * 1024;
/** A reassembly buffer grown past this for one large block is given back once the block is read. */
const KEPT_BUFFER_BYTES = 1024 * 1024;
/** Interfaces kept per pcapng section (PktMon writes a handful; 1024 bounds the table). */
const MAX_INTERFACES_PER_SECTION = 1024;
/** if_name bytes kept. */
const MAX_INTERFACE_NAME_BYTES = 256;
const DEFAULT_MAX_PROBLEMS = 20;
/** Characters of an internal error's message kept in the problem. */
const MAX_ERROR_TEXT = 200;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
const EMPTY = new Uint8Array(0);

const PCAPNG_MAGIC = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

/** Classic pcap magics as the file's first 4 bytes read big-endian. */
const CLASSIC_MAGICS: ReadonlyMap<number, { littleEndian: boolean; nanoseconds: boolean; recordHeaderBytes: number }> =
  new Map([
    [0xa1b2c3d4, { littleEndian: false, nanoseconds: false, recordHeaderBytes: 16 }],
    [0xd4c3b2a1, { littleEndian: true, nanoseconds: false, recordHeaderBytes: 16 }],
    [0xa1b23c4d, { littleEndian: false, nanoseconds: true, recordHeaderBytes: 16 }],
    [0x4d3cb2a1, { littleEndian: true, nanoseconds: true, recordHeaderBytes: 16 }],
    // Kuznetsov's patched libpcap: 8 more bytes per record (ifindex, protocol, pkt_type, padding), as libpcap reads
    // it and as Wireshark's editcap -F modpcap writes it (test/digest/fixtures/). SuSE 6.3's variant with the same
    // magic and 4 bytes more is not told apart (libpcap does not either).
    [0xa1b2cd34, { littleEndian: false, nanoseconds: false, recordHeaderBytes: 24 }],
    [0x34cdb2a1, { littleEndian: true, nanoseconds: false, recordHeaderBytes: 24 }],
  ]);

/** The format a file's first four bytes (read big-endian) announce, or null when neither's. */
export function captureFormatOf(magic: number): 'pcap' | 'pcapng' | null {
  if (magic === PCAPNG_MAGIC) return 'pcapng';
  return CLASSIC_MAGICS.has(magic) ? 'pcap' : null;
}

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OBSOLETE_PB = 2;
const SPB = 3;
const ISB = 5;
const EPB = 6;
/** Blocks read whole (buffered if they span chunks); all others are skipped as they stream past. */
const READ_BLOCKS: ReadonlySet<number> = new Set([SHB, IDB, OBSOLETE_PB, SPB, ISB, EPB]);

const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const ISB_IFRECV = 4;
const ISB_IFDROP = 5;
const ISB_FILTERACCEPT = 6;
const ISB_OSDROP = 7;
const ISB_USRDELIV = 8;

const CLOCK_MICROSECONDS = 0;
const CLOCK_NANOSECONDS = 1;
const CLOCK_OTHER = 2;
const CLOCK_UNKNOWN = 3;

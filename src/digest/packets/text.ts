import { u8 } from './bytes.js';

/** Longest text made from packet bytes: a DNS name is at most 255 bytes on the wire, escapes take 4 characters. */
const SCRATCH_CHARACTERS = 1024;

/**
 * Turns names from packets (DNS labels, TLS server names) into text without trusting them: printable ASCII stays,
 * every other byte becomes `\DDD` (RFC 1035 presentation format), so a name can neither break a line nor smuggle
 * markup, and its length stays bounded. One per tally; its scratch buffer is reused.
 */
export class NameText {
  private readonly scratch = new Uint16Array(SCRATCH_CHARACTERS);
  private length = 0;

  start(): void {
    this.length = 0;
  }

  /** Appends `count` bytes; false (and nothing appended) when they would not fit. */
  append(data: Uint8Array, at: number, count: number, lowerCase: boolean, escapeDots: boolean): boolean {
    if (this.length + count * 4 > SCRATCH_CHARACTERS) return false;
    for (let i = 0; i < count; i++) {
      let byte = u8(data, at + i);
      if (byte < 0x21 || byte > 0x7e || byte === 0x5c || (escapeDots && byte === 0x2e)) {
        this.scratch[this.length++] = 0x5c;
        this.scratch[this.length++] = 0x30 + Math.floor(byte / 100);
        this.scratch[this.length++] = 0x30 + (Math.floor(byte / 10) % 10);
        this.scratch[this.length++] = 0x30 + (byte % 10);
        continue;
      }
      if (lowerCase && byte >= 0x41 && byte <= 0x5a) byte += 0x20;
      this.scratch[this.length++] = byte;
    }
    return true;
  }

  dot(): boolean {
    if (this.length >= SCRATCH_CHARACTERS) return false;
    this.scratch[this.length++] = 0x2e;
    return true;
  }

  text(): string {
    return String.fromCharCode.apply(null, this.scratch.subarray(0, this.length) as unknown as number[]);
  }
}

/**
 * mod_event_socket's read_packet, reproduced: FreeSWITCH reads a command byte by byte. A command ends at the second
 * consecutive '\n' ('\r' does not break the run), leading '\r'/'\n' bytes are discarded, the first line is the
 * command and the following `Name: value` lines are headers. A `Content-Length` header makes FreeSWITCH read exactly
 * that many body bytes right after the blank line.
 */
export interface EslCommand {
  /** The first line without CR/LF. */
  command: string;
  /** Headers in arrival order, names as sent. */
  headers: Array<[string, string]>;
  body?: string;
}

/** Header text cap (FS max_len 10 MiB: the command is cut there and parsed as is). */
export const MAX_COMMAND_BYTES = 10 * 1024 * 1024;
/** Body cap (ESL.md: 16 MiB); a larger Content-Length is treated as a protocol error. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class CommandReader {
  private buf = Buffer.alloc(2048);
  private len = 0;
  private newlines = 0;
  private bodyWanted = 0;
  private bodyParts: Buffer[] = [];
  private bodyLen = 0;
  private pendingCommand?: EslCommand;

  constructor(
    private readonly onCommand: (cmd: EslCommand) => void,
    private readonly onError: (reason: string) => void = () => undefined,
  ) {}

  /** True while part of a command (or its body) has arrived: FS sends no events then. */
  get midCommand(): boolean {
    return this.len > 0 || this.pendingCommand !== undefined;
  }

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.pendingCommand) {
        // Body bytes are taken in bulk, exactly Content-Length of them.
        const take = Math.min(this.bodyWanted - this.bodyLen, chunk.length - i);
        this.bodyParts.push(chunk.subarray(i, i + take));
        this.bodyLen += take;
        i += take;
        if (this.bodyLen === this.bodyWanted) {
          const cmd = this.pendingCommand;
          cmd.body = Buffer.concat(this.bodyParts).toString('utf8');
          this.pendingCommand = undefined;
          this.bodyParts = [];
          this.bodyLen = 0;
          this.bodyWanted = 0;
          this.onCommand(cmd);
        }
        continue;
      }
      const b = chunk[i++]!;
      // A CR or LF while the buffer is empty is dropped: leading blank lines are skipped.
      if (this.len === 0 && (b === 0x0d || b === 0x0a)) continue;
      if (this.len === this.buf.length) {
        const bigger = Buffer.alloc(Math.min(this.buf.length * 2, MAX_COMMAND_BYTES + 1));
        this.buf.copy(bigger, 0, 0, this.len);
        this.buf = bigger;
      }
      this.buf[this.len++] = b;
      if (b === 0x0a) this.newlines++;
      else if (b !== 0x0d) this.newlines = 0;
      if (this.newlines === 2 || this.len >= MAX_COMMAND_BYTES) {
        const text = this.buf.toString('utf8', 0, this.len);
        this.len = 0;
        this.newlines = 0;
        if (this.buf.length > 65536) this.buf = Buffer.alloc(2048);
        this.parse(text);
      }
    }
  }

  private parse(text: string): void {
    const lines = text.split(/[\r\n]+/).filter((l, idx) => idx === 0 || l.length > 0);
    const command = (lines[0] ?? '').replace(/\r/g, '');
    const headers: Array<[string, string]> = [];
    let contentLength = 0;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue; // FS ignores a line without ':'
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ +/, '');
      headers.push([name, value]);
      if (name.toLowerCase() === 'content-length') contentLength = parseInt(value, 10) || 0;
    }
    const cmd: EslCommand = { command, headers };
    if (contentLength > MAX_BODY_BYTES) {
      this.onError(`body of ${contentLength} bytes exceeds ${MAX_BODY_BYTES}`);
      return;
    }
    if (contentLength > 0) {
      this.pendingCommand = cmd;
      this.bodyWanted = contentLength;
      return;
    }
    this.onCommand(cmd);
  }
}

/** Case-insensitive header lookup (switch_event_get_header). */
export function commandHeader(cmd: EslCommand, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of cmd.headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}

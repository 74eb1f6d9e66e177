import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Waiters } from './waiters.js';

/** A frame from the server, as read off the wire. */
export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

/**
 * A WebSocket client written on a bare TCP socket, so a test decides exactly when it reads: it
 * can stop reading (what it has not read stays in the kernel's buffers, as with a frozen client)
 * or read at a set number of bytes per second. It answers pings as it reads them, as real clients do.
 */
export class RawWsClient {
  /** Bytes read off the socket since the upgrade. */
  bytesRead = 0;
  readonly frames: RawFrame[] = [];
  /** The close code of the server's close frame, once read; 1006 when the socket ended without one. */
  closeCode: number | undefined;
  private pending = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters = new Waiters();

  private constructor(private readonly socket: Socket) {
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closeCode ??= 1006;
      this.stop();
      this.waiters.notify();
    });
  }

  /** Upgrades, then leaves the socket paused: nothing more is read until read() or readAt(). */
  static connect(port: number): Promise<RawWsClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!status.includes(' 101 ')) return reject(new Error(`upgrade refused: ${status}`));
        const client = new RawWsClient(socket);
        client.take(head.subarray(end + 4));
        resolve(client);
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
  }

  /** Text frames read so far. */
  get texts(): string[] {
    return this.frames.filter((f) => f.opcode === 1).map((f) => f.payload.toString());
  }

  /** Reads whatever Node holds for it now (at most `limit` bytes). */
  read(limit = Infinity): number {
    let total = 0;
    while (total < limit && this.socket.readableLength > 0) {
      const chunk = this.socket.read(Math.min(this.socket.readableLength, limit - total)) as Buffer | null;
      if (!chunk) break;
      total += chunk.length;
      this.take(chunk);
    }
    // A read of nothing lets the stream fetch more, or notice the end of it.
    if (this.socket.readableLength === 0) this.socket.read(0);
    return total;
  }

  /** Reads at about `bytesPerS` from now on, in slices every 10 ms. */
  readAt(bytesPerS: number): void {
    this.stop();
    this.timer = setInterval(() => this.read(bytesPerS / 100), 10);
  }

  /** Reads everything, as fast as it comes, from now on. */
  readAll(): void {
    this.readAt(Number.MAX_SAFE_INTEGER);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  send(text: string): void {
    this.write(1, Buffer.from(text));
  }

  /** Waits until the server's close frame has been read (or the socket ended without one). */
  until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
    return this.waiters.until(check, timeoutMs, () => `read ${this.bytesRead} bytes, ${this.frames.length} frames, close ${this.closeCode}`);
  }

  destroy(): void {
    this.stop();
    this.socket.destroy();
  }

  private take(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = this.parse();
      if (!frame) break;
      this.frames.push(frame);
      if (frame.opcode === 9) this.write(10, frame.payload);
      if (frame.opcode === 8) this.closeCode ??= frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
    }
    this.waiters.notify();
  }

  private parse(): RawFrame | undefined {
    const p = this.pending;
    if (p.length < 2) return undefined;
    let length = p[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (p.length < 4) return undefined;
      length = p.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (p.length < 10) return undefined;
      length = Number(p.readBigUInt64BE(2));
      offset = 10;
    }
    if (p.length < offset + length) return undefined;
    this.pending = p.subarray(offset + length);
    return { opcode: p[0]! & 0x0f, payload: Buffer.from(p.subarray(offset, offset + length)) };
  }

  /** A client frame: always masked (RFC 6455 5.3). */
  private write(opcode: number, payload: Buffer): void {
    if (this.socket.destroyed) return;
    const mask = randomBytes(4);
    const size = payload.length < 126 ? Buffer.from([payload.length | 0x80]) : Buffer.from([126 | 0x80, payload.length >> 8, payload.length & 0xff]);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([Buffer.from([0x80 | opcode]), size, mask, masked]));
  }
}

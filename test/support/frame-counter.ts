import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket client that only counts the text frames it receives, reading their headers and
 * skipping their payloads: cheap enough that one test process can take in millions of frames
 * while the server under test does the real work.
 */
export class FrameCounter {
  frames = 0;
  bytes = 0;
  closeCode: number | undefined;
  private buffered = Buffer.alloc(0);
  private skip = 0;

  private constructor(private readonly socket: Socket) {}

  static open(port: number, path = '/', localAddress = '127.0.0.1'): Promise<FrameCounter> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress });
      const counter = new FrameCounter(socket);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      let head = '';
      const onHead = (chunk: Buffer): void => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onHead);
        if (!head.startsWith('HTTP/1.1 101')) {
          reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
          return;
        }
        socket.on('data', (c: Buffer) => counter.take(c));
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length > 0) counter.take(rest);
        resolve(counter);
      };
      socket.on('data', onHead);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** A masked pong echoing `payload` (control frames carry at most 125 bytes). */
  private pong(payload: Buffer): void {
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length]), mask, masked]));
  }

  private take(chunk: Buffer): void {
    this.bytes += chunk.length;
    const data = this.buffered.length > 0 ? Buffer.concat([this.buffered, chunk]) : chunk;
    let at = 0;
    while (at < data.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      if (data.length - at < 2) break;
      const opcode = data[at]! & 0x0f;
      let length = data[at + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (data.length - at < 4) break;
        length = data.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (data.length - at < 10) break;
        length = Number(data.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (opcode === 0x8 && data.length - at >= header + 2) this.closeCode = data.readUInt16BE(at + header);
      if (opcode === 0x1) this.frames += 1;
      if (opcode === 0x9) {
        // Answered like any client: the gateway's pongs tell it how far this one has read.
        if (data.length - at < header + length) break;
        this.pong(data.subarray(at + header, at + header + length));
      }
      at += header;
      this.skip = length;
    }
    this.buffered = at < data.length ? Buffer.from(data.subarray(at)) : Buffer.alloc(0);
  }
}

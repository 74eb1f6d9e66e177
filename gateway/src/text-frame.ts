const ID_OPEN = Buffer.from(',"id":"');

/**
 * A WebSocket text message as it goes on the wire from a server (RFC 6455 §5.2: FIN, opcode 1,
 * no mask, then the payload length in 7, 16 or 64 bits). Framed once, the same bytes are written
 * to every socket that receives the message. With `id`, the payload (a JSON object a worker
 * rendered) gets `"id":"<id>"` as its last field, written straight into the frame's buffer.
 */
export function textFrame(payload: Buffer, id?: string): Buffer {
  const body = payload.length;
  // `,"id":"` + id + `"}` replaces the closing brace.
  const n = id === undefined ? body : body + id.length + 8;
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + n);
  frame[0] = 0x81;
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, header);
  if (id !== undefined) {
    // Byte by byte: faster than another Buffer.write for a few ASCII characters, on every command.
    let at = header + body - 1;
    for (let i = 0; i < ID_OPEN.length; i += 1) frame[at++] = ID_OPEN[i]!;
    for (let i = 0; i < id.length; i += 1) frame[at++] = id.charCodeAt(i);
    frame[at++] = 0x22;
    frame[at] = 0x7d;
  }
  return frame;
}

const encoder = new TextEncoder();

/** Bytes of a text frame on the wire (UTF-8), which is what the server's limit counts. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

export interface SizeCheck {
  bytes: number;
  limit: number;
  over: boolean;
  /** Close to the limit: worth showing before it is reached. */
  near: boolean;
}

/** The frame's size against the server's MAX_PAYLOAD_BYTES. */
export function checkSize(frame: string, limit: number): SizeCheck {
  const bytes = utf8Bytes(frame);
  return { bytes, limit, over: bytes > limit, near: bytes > limit * 0.8 };
}

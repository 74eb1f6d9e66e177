import { CmfError } from '../errors.js';
import { decodeRecord } from './codec.js';
import { WsOutEnvelopeSchema, type WsOutEnvelope, type WsOutRecord } from './records.js';

const NEWLINE = 0x0a;

type Framed = Extract<WsOutRecord, { frame: string }>;
const framed = (kind: WsOutRecord['kind']): boolean => kind === 'deliver' || kind === 'kick';

/**
 * A ws-out command as it travels: the envelope (kind, id, target) as one line of JSON, then, for
 * deliver and kick, the frame exactly as sockets receive it. The frame is neither escaped into the
 * envelope by the worker nor unescaped by every gateway: a gateway parses a few dozen bytes of
 * envelope and writes the rest as it is.
 */
export function encodeCommand(command: WsOutRecord): Buffer {
  if (!framed(command.kind)) return Buffer.from(JSON.stringify(command));
  const { frame, ...envelope } = command as Framed;
  return Buffer.from(`${JSON.stringify(envelope)}\n${frame}`);
}

/** A command as a gateway executes it: the envelope, and the frame's bytes (for deliver and kick). */
export interface ReceivedCommand {
  envelope: WsOutEnvelope;
  frame: Buffer | undefined;
}

/** Decodes a ws-out record; throws CmfError('invalid-record') naming what is wrong. */
export function decodeCommand(value: Buffer): ReceivedCommand {
  const end = value.indexOf(NEWLINE);
  const envelope = decodeRecord(WsOutEnvelopeSchema, end < 0 ? value : value.subarray(0, end));
  const frame = end < 0 ? undefined : value.subarray(end + 1);
  if (framed(envelope.kind) && (!frame || frame.length === 0)) {
    throw new CmfError('invalid-record', `record field frame: a ${envelope.kind} command carries a frame`);
  }
  return { envelope, frame };
}

/** The whole command again, frame as text: for tools and tests that read ws-out. */
export function commandOf({ envelope, frame }: ReceivedCommand): WsOutRecord {
  return framed(envelope.kind) ? ({ ...envelope, frame: frame!.toString('utf8') } as Framed) : (envelope as WsOutRecord);
}

import { unreachable, type Batch, type Config, type Logger, type PresenceView } from '@cmf/shared';
import { decodeBatch, type Decoded } from './decode-batch.js';
import { handleAdmin } from './handle-admin.js';
import { handleFrame, targetOf } from './handle-frame.js';
import { kickPolicy } from './kick-policy.js';
import { Outputs, type Emitter } from './outputs.js';
import { PresenceBatch, type PresencePolicy } from './presence-batch.js';

export interface BatchContext {
  view: PresenceView;
  config: Config;
  policy: PresencePolicy;
  log: Logger;
}

const isPresenceEvent = (d: Decoded): boolean => d.kind === 'other' && d.record.kind !== 'admin';

/**
 * Whether a client is connected, for the targets of a batch without presence events: the view as
 * it is, caught up with ws-presence once (not once per target) when some target is not in it yet,
 * since it may have connected a moment ago.
 */
async function lookupTargets(view: PresenceView, decoded: Decoded[]): Promise<(clientId: string) => boolean> {
  const missing = decoded.some((d) => {
    const target = d.kind === 'frame' ? targetOf(d.parsed) : undefined;
    return target !== undefined && view.client(target) === undefined;
  });
  if (missing) await view.sync();
  return (clientId) => view.client(clientId) !== undefined;
}

/** A record that is not a client frame: an admin command or a presence event. */
function handleOther(record: Extract<Decoded, { kind: 'other' }>['record'], emit: Emitter, presence: PresenceBatch | undefined): void {
  if (record.kind === 'admin') return handleAdmin(record, emit);
  // decodeBatch's caller begins a PresenceBatch whenever the batch holds a presence event.
  const p = presence!;
  switch (record.kind) {
    case 'connect':
      return p.connect(emit, record.clientId, record.gateway, record.at, record.presence, record);
    case 'disconnect':
      return p.disconnect(emit, record.clientId, record.at, record);
    case 'resume':
      return p.resume(emit, record);
    case 'gateway-heartbeat':
      return p.heartbeat(record.gateway, record.at, record.position);
    case 'gateway-down':
      return p.gatewayDown(emit, record.gateway, record.at);
    case 'tick':
      return p.tick(record.at);
    default:
      unreachable(record);
  }
}

/** Runs the protocol over one ws-in batch and returns what it produced, not yet published. */
export async function processBatch(batch: Batch, { view, config, policy, log }: BatchContext): Promise<Outputs> {
  const outputs = new Outputs();
  const { decoded, expired } = decodeBatch(batch, outputs, log, config.KAFKA_MAX_REQUEST_BYTES);
  outputs.expiredFrames = expired;
  const first = decoded[0];
  if (!first) return outputs;
  const presence = decoded.some(isPresenceEvent) ? await PresenceBatch.begin(view, outputs, policy, first.source) : undefined;
  // In the presence partition the batch's own state is the truth: a client it removed is gone.
  const isConnected = presence ? (id: string) => presence.client(id) !== undefined : await lookupTargets(view, decoded);
  const kickRefusal = kickPolicy(config);
  let emit = outputs.from(first.source);
  for (const d of decoded) {
    emit = outputs.from(d.source);
    if (d.kind === 'frame') handleFrame(d.record, d.parsed, { emit, isConnected, kickRefusal });
    else handleOther(d.record, emit, presence);
  }
  presence?.finish(emit);
  return outputs;
}

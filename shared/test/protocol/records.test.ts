import {
  commandOf,
  decodeCommand,
  encodeCommand,
  AdminRecordSchema,
  CmfError,
  clientPresenceKey,
  decodeRecord,
  encodeRecord,
  gatewayPresenceKey,
  PresenceRecordSchema,
  ServerFrameSchema,
  WsInRecordSchema,
  WsOutRecordSchema,
  wsInKey,
  type WsInRecord,
  type WsOutRecord,
} from '@cmf/shared';
import type { z } from 'zod';

/** The CmfError decodeRecord throws, so its code and message can be checked. */
function rejection(schema: z.ZodType, value: unknown): CmfError {
  try {
    decodeRecord(schema, typeof value === 'string' ? value : JSON.stringify(value));
  } catch (err) {
    expect(err).toBeInstanceOf(CmfError);
    return err as CmfError;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

const validWsIn: WsInRecord[] = [
  { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: 1_700_000_000_000, data: '{"type":"kick-all"}' },
  { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: 0, data: 'not even json' },
  { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: 0, data: '{}', auth: { sub: 'alice', roles: ['admin'] } },
  { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: 0, data: '{}', auth: { roles: [] } },
  { kind: 'connect', clientId: 'client-g1-1', gateway: 'g1', at: 1 },
  { kind: 'disconnect', clientId: 'client-g1-1', gateway: 'g1', at: 2 },
  { kind: 'disconnect', clientId: 'client-g1-1', gateway: 'g1', at: 2, code: 1006 },
  { kind: 'gateway-heartbeat', gateway: 'g1', at: 3 },
  { kind: 'gateway-down', gateway: 'g1', at: 4 },
  { kind: 'tick', at: 5 },
  { kind: 'admin', requestId: 'r1', at: 6, command: { type: 'broadcast', message: 'hello' } },
  { kind: 'admin', requestId: 'r2', at: 6, command: { type: 'kick-one', targetId: 'client-g1-1' } },
  { kind: 'admin', requestId: 'r3', at: 6, command: { type: 'kick-all' } },
];

const validWsOut: WsOutRecord[] = [
  { kind: 'deliver', id: '0-1-1', target: { type: 'all' }, frame: '{"type":"kafka"}' },
  { kind: 'deliver', id: '0-1-2', target: { type: 'clients', ids: ['a', 'b'] }, frame: '{}' },
  { kind: 'kick', id: '0-2-1', target: { type: 'all', except: ['a'] }, frame: '{"type":"kicked"}' },
  { kind: 'gateway-expired', id: '0-3-1', gateway: 'g1' },
];

describe('ws-in records', () => {
  test.each(validWsIn.map((r) => [r.kind, r]))('a valid %s record round-trips through encode/decode', (_kind, record) => {
    expect(decodeRecord(WsInRecordSchema, encodeRecord(record))).toEqual(record);
  });

  test('decodes from a string as well as a Buffer', () => {
    expect(decodeRecord(WsInRecordSchema, JSON.stringify({ kind: 'tick', at: 9 }))).toEqual({ kind: 'tick', at: 9 });
  });

  test.each([
    ['an unknown kind', { kind: 'hello', at: 1 }, 'kind'],
    ['no kind at all', { at: 1 }, 'kind'],
    ['a frame without data', { kind: 'frame', clientId: 'c', gateway: 'g', receivedAt: 1 }, 'data'],
    ['a frame whose data is parsed JSON, not text', { kind: 'frame', clientId: 'c', gateway: 'g', receivedAt: 1, data: { type: 'kick-all' } }, 'data'],
    ['a frame whose roles are not a list', { kind: 'frame', clientId: 'c', gateway: 'g', receivedAt: 1, data: '', auth: { roles: 'admin' } }, 'auth.roles'],
    ['a connect without clientId', { kind: 'connect', gateway: 'g', at: 1 }, 'clientId'],
    ['a connect with a negative time', { kind: 'connect', clientId: 'c', gateway: 'g', at: -1 }, 'at'],
    ['a connect with a fractional time', { kind: 'connect', clientId: 'c', gateway: 'g', at: 1.5 }, 'at'],
    ['a connect with a string time', { kind: 'connect', clientId: 'c', gateway: 'g', at: '1' }, 'at'],
    ['a disconnect with a non-integer code', { kind: 'disconnect', clientId: 'c', gateway: 'g', at: 1, code: 'x' }, 'code'],
    ['a heartbeat without gateway', { kind: 'gateway-heartbeat', at: 1 }, 'gateway'],
    ['an admin record with an unknown command', { kind: 'admin', requestId: 'r', at: 1, command: { type: 'nuke' } }, 'command.type'],
    ['an admin kick-one with an empty target', { kind: 'admin', requestId: 'r', at: 1, command: { type: 'kick-one', targetId: '' } }, 'command.targetId'],
    ['an admin broadcast without message', { kind: 'admin', requestId: 'r', at: 1, command: { type: 'broadcast' } }, 'command.message'],
  ])('rejects %s, naming the field', (_name, value, field) => {
    const err = rejection(WsInRecordSchema, value);
    expect(err.code).toBe('invalid-record');
    expect(err.message).toContain(`field ${field}:`);
  });

  test.each(['not json', '', '{"kind":'])('rejects text that is not JSON (%j) as invalid-record', (text) => {
    const err = rejection(WsInRecordSchema, text);
    expect(err.code).toBe('invalid-record');
    expect(err.message).toBe('record is not JSON');
  });

  test('a JSON value that is not an object is rejected at the root', () => {
    expect(rejection(WsInRecordSchema, '42').message).toContain('field (root):');
  });

  test('the admin schema alone accepts what the admin API writes', () => {
    const record = { kind: 'admin', requestId: 'r', at: 1, command: { type: 'kick-all' } };
    expect(decodeRecord(AdminRecordSchema, encodeRecord(record))).toEqual(record);
  });
});

describe('wsInKey', () => {
  test('keys a client frame by its client id, so one client’s frames stay in order', () => {
    expect(wsInKey({ kind: 'frame', clientId: 'client-x-9', gateway: 'x', receivedAt: 1, data: '' })).toBe('client-x-9');
  });

  test.each(validWsIn.filter((r) => r.kind !== 'frame' && r.kind !== 'admin').map((r) => [r.kind, r]))(
    'keys the presence event %s by "presence"',
    (_kind, record) => {
      expect(wsInKey(record)).toBe('presence');
    },
  );

  test('keys admin commands by "admin"', () => {
    expect(wsInKey({ kind: 'admin', requestId: 'r', at: 1, command: { type: 'kick-all' } })).toBe('admin');
  });
});

describe('ws-out records', () => {
  test.each(validWsOut.map((r) => [r.kind, r]))('a valid %s command round-trips', (_kind, record) => {
    expect(decodeRecord(WsOutRecordSchema, encodeRecord(record))).toEqual(record);
    expect(commandOf(decodeCommand(encodeCommand(record)))).toEqual(record);
  });

  test('on the wire a frame follows its envelope as it is, neither escaped nor parsed by a gateway', () => {
    const frame = '{"type":"kafka","from":"a","message":"line one\\nline \\"two\\"","timestamp":1,"id":"x"}';
    const wire = encodeCommand({ kind: 'deliver', id: 'x', target: { type: 'all' }, frame });
    expect(wire.toString()).toBe(`{"kind":"deliver","id":"x","target":{"type":"all"}}\n${frame}`);
    const received = decodeCommand(wire);
    expect(received.frame!.toString()).toBe(frame);
    expect(() => decodeCommand(Buffer.from('{"kind":"deliver","id":"x","target":{"type":"all"}}'))).toThrow(/carries a frame/);
    expect(() => decodeCommand(Buffer.from('{"kind":"deliver","target":{"type":"all"}}\n{}'))).toThrow(/field id:/);
  });

  test.each([
    ['a deliver without id', { kind: 'deliver', target: { type: 'all' }, frame: '{}' }, 'id'],
    ['a deliver with an unknown target type', { kind: 'deliver', id: 'i', target: { type: 'some' }, frame: '{}' }, 'target.type'],
    ['a clients target without ids', { kind: 'deliver', id: 'i', target: { type: 'clients' }, frame: '{}' }, 'target.ids'],
    ['a kick whose frame is an object', { kind: 'kick', id: 'i', target: { type: 'all' }, frame: { type: 'kicked' } }, 'frame'],
    ['a gateway-expired without gateway', { kind: 'gateway-expired', id: 'i' }, 'gateway'],
  ])('rejects %s, naming the field', (_name, value, field) => {
    const err = rejection(WsOutRecordSchema, value);
    expect(err.code).toBe('invalid-record');
    expect(err.message).toContain(`field ${field}:`);
  });
});

describe('presence records', () => {
  test.each([
    [{ kind: 'client', clientId: 'client-g-1', gateway: 'g', connectedAt: 123 }],
    [{ kind: 'gateway', gateway: 'g', lastSeen: 456 }],
  ])('accepts %j', (record) => {
    expect(decodeRecord(PresenceRecordSchema, encodeRecord(record))).toEqual(record);
  });

  test.each([
    ['a client without gateway', { kind: 'client', clientId: 'c', connectedAt: 1 }, 'gateway'],
    ['a client with a string connectedAt', { kind: 'client', clientId: 'c', gateway: 'g', connectedAt: 'now' }, 'connectedAt'],
    ['a gateway without lastSeen', { kind: 'gateway', gateway: 'g' }, 'lastSeen'],
    ['an unknown kind', { kind: 'worker', gateway: 'g' }, 'kind'],
  ])('rejects %s, naming the field', (_name, value, field) => {
    expect(rejection(PresenceRecordSchema, value).message).toContain(`field ${field}:`);
  });

  test('keys are client:<id> and gateway:<id>', () => {
    expect(clientPresenceKey('client-g-1')).toBe('client:client-g-1');
    expect(gatewayPresenceKey('g')).toBe('gateway:g');
  });
});

describe('server frames', () => {
  // The exact shapes the original server sent (reference-behaviour.md), plus our `id` / `code`.
  test.each([
    ['welcome', { type: 'welcome', clientId: 'client-1' }],
    ['a welcome with a resume token', { type: 'welcome', clientId: 'client-1', resumeToken: 'r1.client-1.x.sig' }],
    ['a resumed welcome', { type: 'welcome', clientId: 'client-1', resumeToken: 'r1.client-1.y.sig', resumed: true, complete: false }],
    ['a resume refusal', { type: 'error', code: 'resume-refused', message: 'The resume token was not signed by this server' }],
    ['client-list', { type: 'client-list', clients: ['client-1', 'client-2'], id: '17' }],
    ['empty client-list', { type: 'client-list', clients: [], id: '18' }],
    ['client-connected', { type: 'client-connected', clientId: 'client-1', id: '19' }],
    ['client-disconnected', { type: 'client-disconnected', clientId: 'client-1', id: '3.0.12' }],
    ['kafka', { type: 'kafka', from: 'client-1', message: 'hi', timestamp: 1_700_000_000_000, id: '0-1-1' }],
    ['direct', { type: 'direct', from: 'client-1', message: 'psst', timestamp: 1_700_000_000_000, id: '0-2-1' }],
    ['kicked (one)', { type: 'kicked', message: 'You have been kicked out.', id: '20' }],
    ['kicked (all)', { type: 'kicked', message: 'All clients disconnected.', id: '21' }],
    ['error', { type: 'error', message: 'Unknown command', code: 'unknown-command' }],
    ['error with field', { type: 'error', message: 'Invalid field "targetId"', code: 'invalid-field', field: 'targetId' }],
  ])('accepts %s exactly as it is', (_name, frame) => {
    expect(ServerFrameSchema.parse(frame)).toEqual(frame);
  });

  test.each([
    ['the README’s "kick" spelling', { type: 'kick', message: 'You have been kicked out.' }],
    ['a client-list of objects', { type: 'client-list', clients: [{ id: 'client-1' }] }],
    ['a kafka frame with a string timestamp', { type: 'kafka', from: 'a', message: 'm', timestamp: '1', id: 'i' }],
    ['a welcome without clientId', { type: 'welcome' }],
  ])('rejects %s', (_name, frame) => {
    expect(ServerFrameSchema.safeParse(frame).success).toBe(false);
  });
});

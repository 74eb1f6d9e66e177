import { closeAll, REMOTE_ADDRESS, setup } from './support/admin-harness.js';
import { call, type Call } from './support/http-call.js';

afterEach(closeAll);

const json = { 'content-type': 'application/json' };

test('every kind of answer carries the security headers, and none says what serves it', async () => {
  const guarded = await setup({ ADMIN_TOKEN: 't', ADMIN_AUTH_FAILURE_LIMIT: '1', HTTP_BODY_TIMEOUT_MS: '100' });
  const loopbackOnly = await setup();
  const server = await guarded.serve();
  const answers: [string, Call, typeof server][] = [
    ['200', { method: 'get', path: '/health' }, server],
    ['200 HEAD', { method: 'head', path: '/health' }, server],
    ['200 text', { method: 'get', path: '/metrics' }, server],
    ['202', { method: 'post', path: '/broadcast', body: '{"message":"hi"}', headers: { ...json, authorization: 'Bearer t' } }, server],
    ['204', { method: 'options', path: '/broadcast' }, server],
    ['400', { method: 'post', path: '/broadcast', body: '{', headers: { ...json, authorization: 'Bearer t' } }, server],
    ['401', { method: 'get', path: '/clients' }, server],
    ['403', { method: 'get', path: '/clients' }, await loopbackOnly.serve(REMOTE_ADDRESS)],
    ['404', { method: 'get', path: '/nope' }, server],
    ['404 kick', { method: 'post', path: '/clients/nobody/kick', body: '{}', headers: { ...json, authorization: 'Bearer t' } }, server],
    ['405', { method: 'delete', path: '/clients' }, server],
    ['408', { method: 'post', path: '/broadcast', body: '{', stallAt: 50, headers: { ...json, authorization: 'Bearer t' } }, server],
    ['413', { method: 'post', path: '/broadcast', body: `{"message":"${'x'.repeat(70_000)}"}`, headers: { ...json, authorization: 'Bearer t' } }, server],
    ['415', { method: 'post', path: '/broadcast', body: '{}', headers: { 'content-type': 'text/plain', authorization: 'Bearer t' } }, server],
    ['401 counted', { method: 'get', path: '/clients', headers: { authorization: 'Bearer wrong' } }, server],
    ['429', { method: 'get', path: '/clients', headers: { authorization: 'Bearer t' } }, server],
  ];
  for (const [label, c, s] of answers) {
    const { status, headers } = await call(s, c);
    expect({ label, status: String(status), headers }).toMatchObject({
      label,
      status: label.split(' ')[0],
      headers: {
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
        'strict-transport-security': 'max-age=31536000',
        'cache-control': 'no-store',
      },
    });
    expect({ label, poweredBy: headers['x-powered-by'] }).toEqual({ label, poweredBy: undefined });
  }
});

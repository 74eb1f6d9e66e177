import { defaultServerUrl, STANDALONE_URL, toWebSocketUrl } from '../page/server-url.js';

describe('defaultServerUrl', () => {
  test('is the gateway that served the page, ws: for http: and wss: for https:', () => {
    expect(defaultServerUrl({ protocol: 'http:', host: 'localhost:8088', search: '' })).toBe('ws://localhost:8088');
    expect(defaultServerUrl({ protocol: 'https:', host: 'cmf.example.com', search: '' })).toBe('wss://cmf.example.com');
  });

  test('is ws://localhost:8088 for a page opened as a file', () => {
    expect(defaultServerUrl({ protocol: 'file:', host: '', search: '' })).toBe(STANDALONE_URL);
    expect(STANDALONE_URL).toBe('ws://localhost:8088');
  });

  test('is the ?url= parameter when there is one', () => {
    const search = `?url=${encodeURIComponent('wss://other.example.com:9000/ws')}`;
    expect(defaultServerUrl({ protocol: 'http:', host: 'localhost:8088', search })).toBe('wss://other.example.com:9000/ws');
    expect(defaultServerUrl({ protocol: 'file:', host: '', search })).toBe('wss://other.example.com:9000/ws');
    expect(defaultServerUrl({ protocol: 'http:', host: 'localhost:8088', search: '?url=' })).toBe('ws://localhost:8088');
  });
});

describe('toWebSocketUrl', () => {
  test('keeps ws: and wss: URLs and turns http(s): into ws(s):', () => {
    expect(toWebSocketUrl(' ws://localhost:8088 ')).toBe('ws://localhost:8088/');
    expect(toWebSocketUrl('wss://cmf.example.com/socket')).toBe('wss://cmf.example.com/socket');
    expect(toWebSocketUrl('http://127.0.0.1:8088')).toBe('ws://127.0.0.1:8088/');
    expect(toWebSocketUrl('https://cmf.example.com')).toBe('wss://cmf.example.com/');
  });

  test('rejects what is not a WebSocket URL', () => {
    expect(toWebSocketUrl('localhost:8088')).toBeUndefined();
    expect(toWebSocketUrl('javascript:alert(1)')).toBeUndefined();
    expect(toWebSocketUrl('')).toBeUndefined();
  });
});

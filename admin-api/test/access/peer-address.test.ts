import { addressKey, isLoopback, isLoopbackHost } from '../../src/access/peer-address.js';

test.each([
  ['127.0.0.1', true],
  ['127.8.9.10', true],
  ['::1', true],
  ['::ffff:127.0.0.1', true],
  ['::FFFF:127.0.0.2', true],
  ['10.0.0.1', false],
  ['203.0.113.7', false],
  ['::ffff:10.0.0.1', false],
  ['fe80::1', false],
  ['::', false],
  ['0.0.0.0', false],
  [undefined, false],
  ['', false],
])('isLoopback(%s) = %s', (address, expected) => {
  expect(isLoopback(address)).toBe(expected);
});

test('an IPv6 address counts as its /64; IPv4 (mapped or not) as itself', () => {
  expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
  expect(addressKey('::1')).toBe('0:0:0:0::/64');
  expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
  expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  expect(addressKey(undefined)).toBe('unknown');
});

test.each([
  ['localhost', true],
  ['localhost:8088', true],
  ['LOCALHOST:8088', true],
  ['admin.localhost:8089', true],
  ['127.0.0.1:8088', true],
  ['127.1.2.3', true],
  ['[::1]:8088', true],
  ['evil.example', false],
  ['evil.example:8088', false],
  ['localhost.evil.example', false],
  ['127.0.0.1.evil.example', false],
  ['10.0.0.5:8088', false],
  ['[::ffff:127.0.0.1]', false],
  ['', false],
])('isLoopbackHost(%j) = %s', (host, expected) => {
  expect(isLoopbackHost(host)).toBe(expected);
});

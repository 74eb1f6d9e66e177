import { bearerCredentials, tokenMatcher } from '../../src/access/bearer-token.js';

test.each([
  ['Bearer abc', 'abc'],
  ['bearer abc', 'abc'],
  ['BEARER abc', 'abc'],
  ['Bearer   abc  ', 'abc'],
  ['Bearer\tabc', 'abc'],
  ['Bearer ', undefined],
  ['Bearer', undefined],
  ['Bearerabc', undefined],
  ['Basic abc', undefined],
  ['abc', undefined],
  [undefined, undefined],
])('bearerCredentials(%j) = %j', (header, expected) => {
  expect(bearerCredentials(header)).toBe(expected);
});

test('the token itself is compared exactly, whatever the lengths', () => {
  const matches = tokenMatcher('s3cret');
  expect(matches('s3cret')).toBe(true);
  for (const other of ['S3CRET', 's3cre', 's3crett', '', 'x'.repeat(10_000)]) expect(matches(other)).toBe(false);
});

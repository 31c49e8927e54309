import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seal, unseal } from '../../shared/compat/seal.ts';

test('a sealed secret opens with the same signing secret only, and never shows the plain text', () => {
  const s = seal('server-secret', 'COS-SecretKey-123');
  assert.ok(!s.includes('COS-SecretKey-123'));
  assert.notEqual(seal('server-secret', 'COS-SecretKey-123'), s, 'a fresh IV each time');
  assert.equal(unseal('server-secret', s), 'COS-SecretKey-123');
  assert.throws(() => unseal('other-secret', s), /does not open/);
  const [v, iv, tag, data] = s.split('.');
  const flipped = data!.startsWith('A') ? `B${data!.slice(1)}` : `A${data!.slice(1)}`;
  assert.throws(() => unseal('server-secret', [v, iv, tag, flipped].join('.')), /does not open/, 'tampering is detected');
});

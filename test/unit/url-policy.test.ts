import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../shared/domain/app-error.ts';
import { checkOutboundUrl, type UrlPolicy } from '../../shared/domain/url-policy.ts';

const cloud: UrlPolicy = { allowPrivate: false, allowedHosts: [], schemes: ['http', 'https'] };
const refused = (url: string, p: UrlPolicy) =>
  assert.throws(() => checkOutboundUrl(url, p), (e: unknown) => e instanceof AppError && e.code === 'URL_NOT_ALLOWED', url);

test('public http(s) URLs pass; other schemes, credentials and garbage do not', () => {
  assert.equal(checkOutboundUrl('https://hooks.example.com/x?y=1', cloud).hostname, 'hooks.example.com');
  for (const u of ['file:///etc/passwd', 'ftp://example.com/', 'gopher://example.com', 'not a url', 'https://user:pw@example.com/']) refused(u, cloud);
});

test('private, loopback and link-local targets are refused unless allowed', () => {
  for (const u of ['http://127.0.0.1:8080/', 'http://localhost/', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.1.1/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://[fd00::1]/', 'http://0.0.0.0/', 'http://[::ffff:127.0.0.1]/']) refused(u, cloud);
  assert.ok(checkOutboundUrl('http://172.32.0.1/', cloud), '172.32 is public');
  assert.ok(checkOutboundUrl('http://127.0.0.1:9/', { ...cloud, allowPrivate: true }));
});

test('an allow-list restricts hosts, with *.suffix for subdomains', () => {
  const p = { ...cloud, allowedHosts: ['api.game.com', '*.studio.net'] };
  assert.ok(checkOutboundUrl('https://api.game.com/cb', p));
  assert.ok(checkOutboundUrl('https://eu.hooks.studio.net/cb', p));
  refused('https://evil.com/cb', p);
  refused('https://studio.net.evil.com/cb', p);
  refused('https://notstudio.net/cb', p);
});

/** Queue URLs: redis:// and rediss:// with passwords parse into connection options, and the password never shows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQueueUrl, redact, redactUrl } from '../../src/sweep/queue/connection.js';

describe('queue URLs', () => {
  it('parses redis:// with password and db; the display hides the password', () => {
    const t = parseQueueUrl('redis://:s3cr%40t@example.org:6380/2');
    const c = t.connection as Record<string, unknown>;
    assert.equal(c.host, 'example.org');
    assert.equal(c.port, 6380);
    assert.equal(c.db, 2);
    assert.equal(c.password, 's3cr@t');
    assert.equal(c.tls, undefined);
    assert.equal(t.display, 'redis://:***@example.org:6380/2');
    assert.equal(redact('could not reach s3cr@t at redis://:s3cr%40t@example.org'), 'could not reach *** at redis://:***@example.org');
  });
  it('rediss:// is TLS; a user name is kept, its password hidden', () => {
    const t = parseQueueUrl('rediss://mmx:pw-123@cache.internal');
    const c = t.connection as Record<string, unknown>;
    assert.deepEqual(c.tls, { servername: 'cache.internal' });
    assert.equal(c.port, 6379);
    assert.equal(c.username, 'mmx');
    assert.equal(t.display, 'rediss://mmx:***@cache.internal');
    assert.equal(redactUrl('x redis://a:b@h:1 y'), 'x redis://a:***@h:1 y');
  });
  it('refuses other schemes and bad databases without echoing the password', () => {
    assert.throws(
      () => parseQueueUrl('http://:pw-9@h'),
      (e: Error) => /redis:\/\/ or rediss:\/\//.test(e.message) && !e.message.includes('pw-9'),
    );
    assert.throws(
      () => parseQueueUrl('redis://:pw-9@h/x'),
      (e: Error) => /must be a number/.test(e.message) && !e.message.includes('pw-9'),
    );
  });
});

/**
 * The Redis behind a queue-backed sweep: `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS).
 * BullMQ gets plain ioredis options (never the URL), so the password lives only in memory; everything the
 * user or MLflow sees goes through `redactUrl` / `redact`, which replace the password with `***`.
 *
 * Reconnecting: ioredis retries for ever (backoff up to 2 s) and `maxRetriesPerRequest: null` makes commands
 * wait for the connection instead of failing, so a Redis restart is a pause for the coordinator and workers.
 * A refused login is not a pause: WRONGPASS, NOAUTH and NOPERM (Redis's answers to a wrong or missing password,
 * or an ACL user without the rights a queue needs) are `QueueAuthError`s, a usage error (exit 2), at the first
 * refusal (`checkLogin`, before BullMQ connects) and whenever one comes later (`authProblem`).
 */
import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { UsageError } from '../../errors.js';

export interface QueueTarget {
  /** ioredis options for BullMQ and for the few commands mmx sends itself */
  connection: ConnectionOptions;
  /** the URL with the password replaced by `***` (safe for logs, params and tags) */
  display: string;
  tls: boolean;
}

/** Secrets seen in queue URLs in this process; `redact` hides them anywhere in a string. */
const secrets = new Set<string>();

/** `redis://user:secret@host` → `redis://user:***@host` (any scheme with userinfo). */
export function redactUrl(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/gi, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon < 0) return userinfo ? `${scheme}***@` : `${scheme}@`;
    return `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

/** Redacts queue URLs and any password seen in one (also URL-decoded) from free text (errors, logs). */
export function redact(text: string): string {
  let out = redactUrl(text);
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('***');
  return out;
}

export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue: '${redactUrl(url)}' is not a URL; use redis://HOST:PORT[/db] or rediss://... (TLS)`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'redis' && scheme !== 'rediss')
    throw new UsageError(`--queue: '${redactUrl(url)}' must start with redis:// or rediss:// (TLS)`);
  if (!u.hostname) throw new UsageError(`--queue: '${redactUrl(url)}' names no host`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText))
    throw new UsageError(`--queue: the database in '${redactUrl(url)}' must be a number (redis://HOST:PORT/DB)`);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  if (password) {
    secrets.add(password);
    if (u.password !== password) secrets.add(u.password);
  }
  const tls = scheme === 'rediss';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const connection = {
    host,
    port,
    db: dbText === '' ? 0 : Number(dbText),
    ...(password !== undefined ? { password } : {}),
    // a user without a password is Redis 6 ACL's "default"-style login only when a password is given
    ...(username !== undefined && password !== undefined ? { username } : {}),
    ...(tls ? { tls: { servername: host } } : {}),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
    connectTimeout: 10_000,
  } as ConnectionOptions;
  return { connection, display: redactUrl(url), tls };
}

/** Redis refused the credentials in a queue URL: retrying does not help (exit 2). */
export class QueueAuthError extends UsageError {
  constructor(display: string, problem: string) {
    super(`--queue ${display}: ${problem}`);
    this.name = 'QueueAuthError';
  }
}

/** What a Redis error says about the login, in words (the password never in it), or undefined when it is not about the login. */
export function authProblem(err: unknown, hasPassword: boolean): string | undefined {
  const message = err instanceof Error ? err.message : String(err);
  const code = /^(?:ReplyError: )?([A-Z]+)\b/.exec(message.trim())?.[1] ?? '';
  if (code === 'WRONGPASS' || /invalid password|invalid username-password/i.test(message))
    return 'Redis refused the user name or password in the URL (WRONGPASS): check them';
  if (code === 'NOAUTH')
    return hasPassword
      ? 'Redis did not accept the login (NOAUTH): check the user name and password in the URL'
      : "Redis requires a password (NOAUTH): put it in the URL, as ':PASSWORD@' right after 'redis://'";
  if (code === 'NOPERM')
    return `the Redis user may not run the commands a queue needs (NOPERM): grant it ~mmx:* and +@all, or use another user`;
  return undefined;
}

/**
 * Logs in to the queue's Redis once, on a connection of its own that does not retry, before BullMQ (which would
 * retry a refused login for ever) connects: a refused login is a `QueueAuthError`. A Redis that is not reachable
 * yet, or does not answer within `timeoutMs`, is not an error here (the queue waits for it, as for a restart);
 * `signal` ends the check early.
 */
export async function checkLogin(target: QueueTarget, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const hasPassword = 'password' in target.connection;
  let problem: string | undefined;
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...(target.connection as RedisOptions),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  client.on('error', (err: Error) => (problem ??= authProblem(err, hasPassword)));
  let timer: NodeJS.Timeout | undefined;
  const given = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, options.timeoutMs ?? 10_000);
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await Promise.race([
      client
        .connect()
        .then(() => client.ping())
        .catch((err: unknown) => void (problem ??= authProblem(err, hasPassword))),
      given,
    ]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
  if (problem) throw new QueueAuthError(target.display, problem);
}

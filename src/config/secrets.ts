/**
 * Secrets that reached a config, kept out of everything mmx writes: params, tags, artifacts, log lines, errors.
 *
 * What is a secret:
 * - the password of a URL (`http://user:PASSWORD@host`, any scheme), or its whole userinfo when it has no colon
 *   (`https://TOKEN@host`), and the value of a query parameter whose name says credential (`?token=...`);
 * - the value of a `${VAR}` whose name says credential (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*API_KEY*`,
 *   `*ACCESS_KEY*`, `*PRIVATE_KEY*`, `*CREDENTIAL*`, `*AUTH*`, ...), wherever it was interpolated.
 *
 * The config loader registers each one it meets (`rememberSecret`); `scrubSecrets` masks every registered
 * value (as written and URL-encoded) and every URL password in a text with `***`. The registry is the
 * process's: a secret seen once is masked in whatever the process writes afterwards (the tracking stores apply
 * it to every param, tag and text artifact; the CLI to every error it prints).
 */

const MASK = '***';

/** Names of variables and parameters that hold credentials. */
const CREDENTIAL_NAME =
  /passw(?:or)?d|passphrase|(?:^|[_-])pass(?:$|[_-])|secret|token(?!i[sz])|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth(?!ors?(?:$|[_-]))|session[_-]?(?:id|key|token)|cookie|signature|(?:^|[_-])(?:sig|pwd|pat)(?:$|[_-])/i;

export function looksLikeCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** Registered secrets, longest first (so a secret that contains another is masked whole). */
let known: string[] = [];

/** Values too common to mask (a credential variable set to `true` says whether to use one, it is not one). */
const NOT_SECRET = /^(?:true|false|yes|no|on|off|null|none)$/i;

/** Remembers a secret: masked from now on (values under 4 characters are too common to mask). */
export function rememberSecret(value: string): void {
  if (NOT_SECRET.test(value.trim())) return;
  const forms = new Set([value, encodeURIComponent(value)]);
  try {
    forms.add(decodeURIComponent(value));
  } catch {
    /* not %-encoded */
  }
  let added = false;
  for (const f of forms) {
    if (f.length >= 4 && !known.includes(f)) {
      known.push(f);
      added = true;
    }
  }
  if (added) known = [...known].sort((a, b) => b.length - a.length);
}

/** The secrets remembered so far (to hand to a process that runs part of the same work: a queue trial). */
export function rememberedSecrets(): string[] {
  return [...known];
}

/** For tests: forget every registered secret. */
export function forgetSecrets(): void {
  known = [];
}

const URL_WITH_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s'"<>]+)@/gi;
const QUERY_PARAM = /([?&])([^=&#\s'"<>]+)=([^&#\s'"<>]*)/g;

/** Every secret a URL-like string holds: its password (or bare userinfo) and credential query values. */
export function secretsInUrl(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(URL_WITH_USERINFO)) {
    const userinfo = m[2]!;
    const colon = userinfo.indexOf(':');
    const secret = colon < 0 ? userinfo : userinfo.slice(colon + 1);
    if (secret !== '') out.push(secret);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim())) {
    for (const m of text.matchAll(QUERY_PARAM)) if (looksLikeCredentialName(m[2]!) && m[3]) out.push(m[3]);
  }
  return out;
}

/** Every URL password and every registered secret in `text`, masked with `***`. */
export function scrubSecrets(text: string): string {
  let out = text.replace(URL_WITH_USERINFO, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}${MASK}@` : `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
  });
  for (const s of known) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

// Process-wide registry of secret values, so every line we print or every argv we spawn can be scrubbed.

const MASK = '****';
const MIN_SECRET_LENGTH = 4;
const secrets = new Set<string>();

/** Remember a secret; short values are ignored because masking "ab" everywhere would shred output. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  // Connection strings carry the password percent-encoded; catch that spelling too.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
}

/** Replace every registered secret in text with ****; longest first so overlapping secrets mask fully. */
export function redact(text: string): string {
  if (secrets.size === 0) return text;
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  return out;
}

/**
 * Mask the password of a URL-style connection string: postgres://user:****@host/db.
 * Hand-parsed rather than new URL() so that odd passwords (raw "/", "#") still get masked.
 */
export function maskConnectionString(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return redact(url);
  const rest = url.slice(scheme[0].length);
  const endOfAuthority = rest.search(/[?#]/);
  const authority = endOfAuthority === -1 ? rest : rest.slice(0, endOfAuthority);
  const at = authority.lastIndexOf('@');
  const colon = authority.indexOf(':');
  if (at === -1 || colon === -1 || colon > at || colon === at - 1) return redact(url);
  const masked = `${scheme[0]}${rest.slice(0, colon)}:${MASK}${rest.slice(at)}`;
  return redact(masked);
}

/** Whether text holds any registered secret (argv-guard.ts refuses such an argv). */
export function containsSecret(text: string): boolean {
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}

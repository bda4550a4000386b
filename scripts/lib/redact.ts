// Process-wide registry of secret values, so every line we print or every argv we spawn can be scrubbed.
// errors.ts imports redact() and this imports CliError: a cycle that is safe because neither
// module touches the other at load time, only inside functions.
import { toolError } from './errors.ts';

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

/** Defence in depth: argv is visible in `ps` and the API server's audit log, so a secret there is a bug. */
export function assertNoSecretsInArgv(argv: readonly string[], toolName = 'a child process'): void {
  for (const [index, arg] of argv.entries()) {
    for (const secret of secrets) {
      if (arg.includes(secret)) {
        throw toolError(
          `refusing to run ${toolName}: argument ${index + 1} contains a secret value`,
          'this is a bug in the script: pass secrets over stdin or a mounted file, never in argv',
        );
      }
    }
  }
}

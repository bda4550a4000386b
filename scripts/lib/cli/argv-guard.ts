// Refuse to spawn a process whose argv holds a registered secret: argv shows in `ps` and audit logs.
import { toolError } from './errors.ts';
import { containsSecret } from './redact.ts';

/** Defence in depth: argv is visible in `ps` and the API server's audit log, so a secret there is a bug. */
export function assertNoSecretsInArgv(argv: readonly string[], toolName = 'a child process'): void {
  for (const [index, arg] of argv.entries()) {
    if (containsSecret(arg)) {
      throw toolError(
        `refusing to run ${toolName}: argument ${index + 1} contains a secret value`,
        'this is a bug in the script: pass secrets over stdin or a mounted file, never in argv',
      );
    }
  }
}

// Check 6: the app's user is a service account; nobody should log in as it. With a login shell
// and a password, whoever learns the password gets a shell as the app (and its secrets).
import { Finding } from './model';

export const NO_LOGIN_SHELLS: readonly string[] = ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false'];

export interface LoginFacts {
  readonly user: string;
  /** From /etc/passwd; "" means /bin/sh. */
  readonly shell: string;
  /** The password field of /etc/shadow; null when unknown (no entry, or shadow unreadable). */
  readonly passwordHash: string | null;
}

/** "!..." and "*..." can never match a password. An empty field is no password at all, which
 * pam_unix's nullok (Debian's default) accepts: that is worse than a hash, not locked. */
export function passwordUsable(hash: string): boolean {
  return !hash.startsWith('!') && !hash.startsWith('*');
}

export function checkLogin(facts: LoginFacts): Finding[] {
  if (NO_LOGIN_SHELLS.includes(facts.shell)) return [];
  const shell = facts.shell === '' ? '/bin/sh (the passwd field is empty)' : facts.shell;
  const password = facts.passwordHash !== null && passwordUsable(facts.passwordHash);
  const passwordText = facts.passwordHash === '' ? ', and no password at all (an empty /etc/shadow field)' : ', and a password in /etc/shadow';
  return [{
    severity: password ? 'severe' : 'warning',
    kind: 'login-shell',
    object: `user ${facts.user}`,
    message: `the app's user has a login shell, ${shell}${password ? `${passwordText}: anyone who knows or guesses it gets a shell as the app` : ''}`,
    fix: `usermod -s /usr/sbin/nologin ${facts.user}${password ? ` && usermod -L ${facts.user}` : ''}`,
  }];
}

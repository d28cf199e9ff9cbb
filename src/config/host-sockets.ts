// The app config's sockets under a host tier (docs/host-contract.md). There the root-owned
// registration makes every socket, with an owner, group and mode the app user could not give it,
// and the app tier inherits them by name. So a [socket.NAME] of the app config is either replaced
// by the registration's socket of the same name (said once, as a note), or an error: muster would
// have to make it as the app user, which is exactly what a host must not depend on.
import { Diagnostic, diagnostic } from './diagnostics';
import { Report } from './fields';
import { TomlSocket } from './sockets';

/** What the app config's [socket.NAME] tables leave to make under a host: nothing. Replaced ones
 * become notes; the others are reported. */
export function applyHostSockets(raw: readonly TomlSocket[], inherited: readonly string[], report: Report, notes: Diagnostic[], file: string): TomlSocket[] {
  for (const s of raw) {
    if (inherited.includes(s.name)) {
      notes.push(diagnostic(file, s.at.line, s.at.column,
        `[socket.${s.name}] is replaced by the host registration's socket ${s.name}: the processes get the socket the host tier passed, and this table is ignored`, null));
    } else {
      report(s.at, `socket ${s.name} is not in the host registration; ask root to add it`,
        `under a host tier root's registration makes every socket, with the owner, group and mode the app user could not give it (${passedList(inherited)}); or remove [socket.${s.name}]`);
    }
  }
  return [];
}

/** "it passes web, api" / "it passes none", for hints. */
export function passedList(inherited: readonly string[]): string {
  return inherited.length === 0 ? 'the host tier passes no socket' : `the host tier passes: ${inherited.join(', ')}`;
}

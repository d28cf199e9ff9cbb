// Keys the root-owned host registration (/etc/muster/apps/<app>.toml) decides. The app config may
// not set them: whoever writes the app's code must not choose who it runs as or who may reach it.
import { Report } from './fields';
import { TomlEntry } from './toml';

/** Refused at the top level and in [process.NAME]: every key of the registration but [socket.NAME],
 * and the other names a supervisor uses for "run as" (supervisord's user, systemd's User/Group). */
export const HOST_KEYS: readonly string[] = ['user', 'group', 'operators', 'root', 'umask', 'pass_env', 'limits', 'uid', 'gid', 'groups'];
/** Refused in [socket.NAME]: on a host the registration gives each socket its owner, group and mode. */
export const SOCKET_HOST_KEYS: readonly string[] = ['owner', 'group', 'user'];

/** Reports `entry` and returns true when it is one of `keys`. */
export function rejectHostKey(entry: TomlEntry, where: string, report: Report, keys: readonly string[] = HOST_KEYS): boolean {
  if (!keys.includes(entry.key)) return false;
  report(entry.keyAt, `"${entry.key}" in ${where}: this belongs to the host registration (/etc/muster/apps/<app>.toml), not the app config`,
    `remove "${entry.key}" here and ask the host's administrator to set it in the registration`);
  return true;
}

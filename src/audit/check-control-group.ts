// Who else may control the app. With no `operators` group registered, the control socket's group
// is the app's group; anyone else in it can stop and restart the app and read its logs through
// the control socket. That is fine while the app's group is its own, not when the registration
// names a shared one (`group = "www-data"`: then the web server's user could).
import type { Finding } from './model';

export interface ControlGroupFacts {
  readonly app: string;
  readonly registration: string;
  readonly controlSocket: string;
  readonly appUser: string;
  /** The control socket's group by the registration: the operators group, else the app's group. */
  readonly group: string;
  readonly operatorsRegistered: boolean;
  /** Every user in that group: listed in /etc/group, or with it as primary group. */
  readonly members: readonly string[];
}

export function checkControlGroup(f: ControlGroupFacts): Finding[] {
  if (f.operatorsRegistered) return []; // the operators group is there to hold exactly these users
  const others = [...new Set(f.members)].filter((m) => m !== f.appUser).sort();
  if (others.length === 0) return [];
  const who = others.length <= 5 ? others.join(', ') : `${others.slice(0, 5).join(', ')} and ${others.length - 5} more`;
  return [{
    severity: 'warning',
    kind: 'socket',
    object: f.controlSocket,
    message: `${who} can control app ${f.app} (stop, restart, read its logs) through its control socket: no operators group is registered, so its group is the app's group ${f.group}, which they are in`,
    fix: `register operators: groupadd ${f.app}-ops; set operators = "${f.app}-ops" in ${f.registration}; usermod -aG ${f.app}-ops USER for each operator`,
  }];
}

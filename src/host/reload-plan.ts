// What a re-read of the registrations changes (SIGHUP, `muster host reload`), as a pure function of
// what the host wants now and what the folder says: which apps start, stop, restart with a changed
// registration, or stay as they are. The rule that matters: a registration that is now refused
// (a typo while editing it) never stops an app that runs: it keeps its previous registration, and
// the problem is shown beside it until the file is fixed.
import type { RefusedRegistration, RegistrationSet } from './registration';
import type { Registration } from './registration-model';

export type ReloadAction =
  /** Registered now, and not running (new, or refused before): set it up and start its tier. */
  | { readonly kind: 'start'; readonly app: string; readonly registration: Registration }
  /** Its registration changed: stop its tier (gracefully), then set it up again with the new one. */
  | { readonly kind: 'restart'; readonly app: string; readonly registration: Registration; readonly keepSockets: boolean }
  /** Its registration is gone: stop its tier, close and unlink its sockets. */
  | { readonly kind: 'remove'; readonly app: string }
  /** Now refused while it runs: it goes on with its previous registration. */
  | { readonly kind: 'keepDespite'; readonly app: string; readonly refused: RefusedRegistration }
  /** Refused, and not running: listed as refused with the problem. */
  | { readonly kind: 'refuse'; readonly app: string; readonly refused: RefusedRegistration }
  | { readonly kind: 'unchanged'; readonly app: string };

/** What the host wants for one app now: the registration it runs (or is setting up) with, or null
 * when it was refused. */
export type Wanted = ReadonlyMap<string, Registration | null>;

/** One action per app of either side, by app name. */
export function planReload(wanted: Wanted, set: RegistrationSet): ReloadAction[] {
  const actions: ReloadAction[] = [];
  const seen = new Set<string>();
  for (const registration of set.registrations) {
    const app = registration.app;
    seen.add(app);
    const before = wanted.get(app) ?? null;
    if (before === null) actions.push({ kind: 'start', app, registration });
    else if (sameRegistration(before, registration)) actions.push({ kind: 'unchanged', app });
    else actions.push({ kind: 'restart', app, registration, keepSockets: sameSockets(before, registration) });
  }
  for (const refused of set.refused) {
    const app = refused.app;
    seen.add(app);
    const before = wanted.get(app) ?? null;
    actions.push(before !== null ? { kind: 'keepDespite', app, refused } : { kind: 'refuse', app, refused });
  }
  for (const app of wanted.keys()) if (!seen.has(app)) actions.push({ kind: 'remove', app });
  return actions.sort((a, b) => a.app.localeCompare(b.app));
}

/** Everything the host acts on, the user's account from /etc/passwd included (a new home or
 * shell is a change too). Registrations are plain data built in a fixed key order. */
export function sameRegistration(a: Registration, b: Registration): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The held sockets can stay (same inodes, nothing in their backlogs dropped) when every one of
 * them, the control socket included, would be made the same: same definitions, owners and groups. */
export function sameSockets(a: Registration, b: Registration): boolean {
  const made = (r: Registration) => JSON.stringify([r.user.uid, r.group.id, r.operators?.id ?? null, r.sockets]);
  return made(a) === made(b);
}

// `muster host reload [--json]`: the host tier reads its registrations again and changes only what
// changed (POST /v1/reload on RUN/host.sock; the same as SIGHUP, but it says what it does). The
// work goes on after the answer (a tier may take long to stop): `muster host status` follows it.
import { EXIT } from './client/exit-codes';
import { askHost, type HostStatusOptions } from './host-status';

interface ReloadAnswer {
  readonly actions: ReadonlyArray<{ readonly app: string; readonly action: string; readonly problem: string | null }>;
}

const SAYS: Record<string, string> = {
  start: 'starts',
  restart: 'restarts with its changed registration',
  remove: 'stops and is removed (its registration is gone)',
  kept: 'keeps running with its previous registration: the changed one is refused',
  refused: 'is refused',
  unchanged: 'unchanged',
};

export async function runHostReload(options: HostStatusOptions): Promise<number> {
  const answer = await askHost(options, 'POST', '/v1/reload');
  if (typeof answer === 'number') return answer;
  if (options.json) {
    options.out(`${answer}\n`);
    return EXIT.ok;
  }
  const { actions } = JSON.parse(answer) as ReloadAnswer;
  const lines = actions.map((a) => `${a.app}: ${SAYS[a.action] ?? a.action}${a.problem !== null ? `\n  ${a.problem}` : ''}`);
  if (actions.length === 0) lines.push('(no app is registered)');
  else if (actions.every((a) => a.action === 'unchanged')) lines.push('nothing changed');
  else lines.push('follow it with: muster host status');
  options.out(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

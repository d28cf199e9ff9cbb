// `muster down [--json]`: POST /v1/shutdown (it answers once every process group is empty, however
// long the stop timeouts make that), then wait until the supervisor process itself has exited.

import type { AppInfo, ShutdownAnswer } from './api-types';
import type { ClientCommand } from './context';
import { ApiError, type Reply } from './control-client';
import { EXIT } from './exit-codes';
import { withNewline } from './format';
import { processStartTime, waitForExit } from './process-exit';

/** The supervisor exits right after its answer; this only bounds a supervisor that hangs. */
const EXIT_WATCH = { intervalMs: 20, timeoutMs: 10_000 };

export const downCommand: ClientCommand = {
  usage: 'muster [-C DIR | --app NAME] down [--json]',
  async run(context) {
    const app = (await context.client.get<AppInfo>('/v1/app')).value;
    const startTime = processStartTime(app.pid);
    let reply: Reply<ShutdownAnswer> | null = null;
    try {
      reply = await context.client.post<ShutdownAnswer>('/v1/shutdown', {});
    } catch (error) {
      // A supervisor from before `already_stopping` refuses a second shutdown with 409: wait for
      // the same end (a current one answers once the stop is over, as to the first `down`).
      if (!(error instanceof ApiError && error.code === 'shutting_down')) throw error;
      context.err(`muster: the supervisor (pid ${app.pid}) was already stopping; waiting for it to exit\n`);
    }
    if (!(await waitForExit(app.pid, startTime, EXIT_WATCH))) {
      context.err(`muster: the supervisor (pid ${app.pid}) has not exited ${EXIT_WATCH.timeoutMs / 1000} s after stopping every process\n`);
      return EXIT.failed;
    }
    if (context.options.json) {
      // Without an answer of its own (another `down` got it), say so rather than invent a list.
      context.out(withNewline(reply?.text ?? JSON.stringify({ ok: true, already_stopping: true })));
    } else {
      if (reply?.value.already_stopping) context.out('another muster down (or a signal) was already stopping every process\n');
      for (const entry of reply?.value.stopped ?? []) {
        const name = typeof entry === 'string' ? entry : entry.name ?? JSON.stringify(entry);
        context.out(`${name}: stopped\n`);
      }
      const how = reply?.value.forced_by ? `the stop was forced by ${reply.value.forced_by} to the supervisor` : 'still running after stop_timeout';
      for (const name of reply?.value.killed ?? []) context.out(`${name}: killed (SIGKILL: ${how})\n`);
      if (reply?.value.forced_by) context.out(`${reply.value.forced_by} to the supervisor forced the stop: every process group still running was killed (SIGKILL)\n`);
      context.out(`supervisor (pid ${app.pid}) of ${app.root} exited\n`);
    }
    return reply === null || reply.value.ok ? EXIT.ok : EXIT.failed;
  },
};

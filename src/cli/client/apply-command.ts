// `muster apply [--dry-run] [--json]`: POST /v1/apply. Shows the plan (what is added, removed,
// changed (restarted) and why, updated in place, scaled; how many processes are left as they are), then what happened to each
// instance. A config with errors (422 config_invalid) is reported by run.ts: diagnostics, exit 2.

import type { ApplyAnswer, ApplyPlan, InstanceInfo } from './api-types';
import type { ClientCommand, ClientContext } from './context';
import { EXIT } from './exit-codes';
import { renderTable, withNewline } from './format';
import { resultLines } from './results';

export const applyCommand: ClientCommand = {
  usage: 'muster [-C DIR | --app NAME] apply [--dry-run] [--json]',
  async run(context) {
    const dryRun = context.options.dryRun;
    const reply = await context.client.post<ApplyAnswer>('/v1/apply', { dry_run: dryRun }, dryRun);
    if (context.options.json) context.out(withNewline(reply.text));
    else context.out(renderApply(reply.value, dryRun) + (planIsEmpty(reply.value.plan) ? await fatalNote(context) : ''));
    return reply.value.ok ? EXIT.ok : EXIT.failed;
  },
};

/** "Nothing to do" is about the config; instances that gave up are left as they are, so say which
 * (an operator who runs apply after a crash loop may expect it to bring them back). */
async function fatalNote(context: ClientContext): Promise<string> {
  let instances: readonly InstanceInfo[];
  try {
    instances = (await context.client.get<InstanceInfo[]>('/v1/instances')).value;
  } catch {
    return ''; // only a note: the apply's own answer is already printed
  }
  const fatal = instances.filter((i) => i.state === 'fatal').map((i) => i.name);
  if (fatal.length === 0) return '';
  const one = fatal.length === 1;
  return `${fatal.join(', ')} ${one ? 'is' : 'are'} fatal (gave up restarting); apply does not start ${one ? 'it' : 'them'} again: muster start ${fatal.join(' ')}\n`;
}

export function renderApply(answer: ApplyAnswer, dryRun: boolean): string {
  const plan = answer.plan;
  // Another apply under way: the supervisor already took on its config, which this plan is against.
  const inProgress = answer.apply_in_progress ? 'an apply is still being carried out; this plan is against the config it applies\n' : '';
  if (planIsEmpty(plan)) return `nothing to do: the config is unchanged since the supervisor started or last applied it\n${inProgress}`;
  let out = `${inProgress}${dryRun ? 'plan (dry run: nothing was changed)' : 'plan'}:\n${renderPlan(plan)}`;
  const results = answer.results ?? [];
  if (results.length > 0) out += `\n${resultLines(results)}`;
  if (!dryRun && !answer.applied) out += 'the plan was not applied\n';
  return out;
}

export function planIsEmpty(plan: ApplyPlan): boolean {
  return plan.added.length === 0 && plan.removed.length === 0 && plan.changed.length === 0 && (plan.updated ?? []).length === 0 && plan.scaled.length === 0 &&
    (plan.sockets?.added ?? []).length === 0 && (plan.sockets?.removed ?? []).length === 0;
}

function renderPlan(plan: ApplyPlan): string {
  const rows: string[][] = [];
  for (const name of plan.sockets?.added ?? []) rows.push(['  add', `[socket.${name}]`, '(made and held before the processes start)']);
  for (const name of plan.added) rows.push(['  add', name, '(new in the config)']);
  for (const name of plan.removed) rows.push(['  remove', name, '(no longer in the config)']);
  for (const c of plan.changed) rows.push(['  change', c.name, `(${c.why.join(', ')}): restarts${c.instances ? `, ${c.instances.from} -> ${c.instances.to} instances` : ''}`]);
  for (const u of plan.updated ?? []) rows.push(['  update', u.name, `(${u.why.join(', ')}): no restart`]);
  for (const s of plan.scaled) rows.push(['  scale', s.name, `${s.from} -> ${s.to} instances`]);
  for (const name of plan.sockets?.removed ?? []) rows.push(['  remove', `[socket.${name}]`, '(closed and its file removed once no process uses it)']);
  const n = plan.unchanged.length;
  return renderTable(rows) + (n > 0 ? `  ${n} process${n === 1 ? '' : 'es'} unchanged\n` : '');
}

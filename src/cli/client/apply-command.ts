// `muster apply [--dry-run] [--json]`: POST /v1/apply. Shows the plan (what is added, removed,
// changed (restarted) and why, updated in place, scaled; how many processes are left as they are), then what happened to each
// instance. A config with errors (422 config_invalid) is reported by run.ts: diagnostics, exit 2.

import type { ApplyAnswer, ApplyPlan } from './api-types';
import type { ClientCommand } from './context';
import { EXIT } from './exit-codes';
import { renderTable, withNewline } from './format';
import { resultLines } from './results';

export const applyCommand: ClientCommand = {
  usage: 'muster [-C DIR | --app NAME] apply [--dry-run] [--json]',
  async run(context) {
    const dryRun = context.options.dryRun;
    const reply = await context.client.post<ApplyAnswer>('/v1/apply', { dry_run: dryRun }, dryRun);
    context.out(context.options.json ? withNewline(reply.text) : renderApply(reply.value, dryRun));
    return reply.value.ok ? EXIT.ok : EXIT.failed;
  },
};

export function renderApply(answer: ApplyAnswer, dryRun: boolean): string {
  const plan = answer.plan;
  if (planIsEmpty(plan)) return 'nothing to do: the running processes match the config\n';
  let out = `${dryRun ? 'plan (dry run: nothing was changed)' : 'plan'}:\n${renderPlan(plan)}`;
  const results = answer.results ?? [];
  if (results.length > 0) out += `\n${resultLines(results)}`;
  if (!dryRun && !answer.applied) out += 'the plan was not applied\n';
  return out;
}

export function planIsEmpty(plan: ApplyPlan): boolean {
  return plan.added.length === 0 && plan.removed.length === 0 && plan.changed.length === 0 && (plan.updated ?? []).length === 0 && plan.scaled.length === 0;
}

function renderPlan(plan: ApplyPlan): string {
  const rows: string[][] = [];
  for (const name of plan.added) rows.push(['  add', name, '(new in the config)']);
  for (const name of plan.removed) rows.push(['  remove', name, '(no longer in the config)']);
  for (const c of plan.changed) rows.push(['  change', c.name, `(${c.why.join(', ')}): restarts`]);
  for (const u of plan.updated ?? []) rows.push(['  update', u.name, `(${u.why.join(', ')}): no restart`]);
  for (const s of plan.scaled) rows.push(['  scale', s.name, `${s.from} -> ${s.to} instances`]);
  const n = plan.unchanged.length;
  return renderTable(rows) + (n > 0 ? `  ${n} process${n === 1 ? '' : 'es'} unchanged\n` : '');
}

// `muster status [NAME...] [--json]`: GET /v1/instances, as a table or as the API's array.

import type { InstanceInfo } from './api-types';
import type { ClientCommand } from './context';
import { queryString } from './control-client';
import { EXIT } from './exit-codes';
import { formatBytes, formatExit, formatPercent, formatUptime, renderTable, withNewline } from './format';

const HEADER = ['INSTANCE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST-EXIT', 'READY', 'CPU', 'MEM'];

/** States whose `reason` says why the instance is not running as it should. */
const REASON_STATES = new Set(['fatal', 'backoff']);

export const statusCommand: ClientCommand = {
  usage: 'muster [-C DIR | --app NAME] status [NAME...] [--json]',
  async run(context) {
    const reply = await context.client.get<InstanceInfo[]>(`/v1/instances${queryString({ name: context.args })}`);
    context.out(context.options.json ? withNewline(reply.text) : statusTable(reply.value));
    return EXIT.ok;
  },
};

/** One row per instance; a REASON column is added when some instance is fatal or backing off. */
export function statusTable(instances: readonly InstanceInfo[]): string {
  const withReason = instances.some(hasReason);
  const rows: string[][] = [withReason ? [...HEADER, 'REASON'] : HEADER];
  for (const i of instances) {
    const row = [
      i.name,
      i.state,
      i.pid === null ? '-' : String(i.pid),
      formatUptime(i.uptime_ms),
      String(i.restarts),
      formatExit(i.last_exit),
      i.ready ? 'yes' : i.pid === null ? '-' : 'no',
      formatPercent(i.cpu_percent),
      formatBytes(i.rss_bytes),
    ];
    if (withReason) row.push(hasReason(i) ? i.reason! : '');
    rows.push(row);
  }
  return renderTable(rows);
}

function hasReason(i: InstanceInfo): boolean {
  return REASON_STATES.has(i.state) && typeof i.reason === 'string' && i.reason !== '';
}

// The two requests `muster logs` makes with or without -f: the recent lines, and the instance names
// that padding and colours follow.

import type { AppInfo, LogLine } from './api-types';
import type { ClientContext } from './context';
import { queryString, type Reply } from './control-client';
import { wantsColor } from '../../logs/line-style';
import { LogLineFormatter } from './log-lines';

export interface LogsRequest {
  readonly names: readonly string[];
  readonly lines: number;
  readonly sinceMs: number | undefined;
}

export function fetchLogs(context: ClientContext, request: LogsRequest): Promise<Reply<LogLine[]>> {
  const query = queryString({ name: request.names, lines: request.lines, since_ms: request.sinceMs });
  return context.client.get<LogLine[]>(`/v1/logs${query}`);
}

/** Padding and colours as `muster up` has them need every instance name, in config order. */
export async function formatterFor(context: ClientContext): Promise<LogLineFormatter> {
  const app = await context.client.get<AppInfo>('/v1/app');
  return new LogLineFormatter(app.value.instances, wantsColor({ isTTY: context.stdoutIsTTY() }, context.environ));
}

// The audit report, for people and (--json) for scripts.
import { Finding } from './model';

export interface AppReport {
  readonly app: string;
  readonly findings: readonly Finding[];
}

export interface AuditJson {
  readonly apps: readonly { readonly app: string; readonly findings: readonly Finding[] }[];
  readonly severe: number;
  readonly warnings: number;
}

export function toJson(reports: readonly AppReport[]): AuditJson {
  const all = reports.flatMap((r) => r.findings);
  return {
    apps: reports.map((r) => ({
      app: r.app,
      findings: r.findings.map((f) => ({ severity: f.severity, kind: f.kind, object: f.object, message: f.message, fix: f.fix })),
    })),
    severe: all.filter((f) => f.severity === 'severe').length,
    warnings: all.filter((f) => f.severity === 'warning').length,
  };
}

function counts(findings: readonly Finding[]): string {
  const severe = findings.filter((f) => f.severity === 'severe').length;
  const warnings = findings.length - severe;
  return `${severe} severe, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

/**
 *   appa: 1 severe, 0 warnings
 *     severe  writable-code  /srv/appa/current/app.py
 *             app code file owned by appa, the app's user, who can chmod it and change it
 *             fix: chown root /srv/appa/current/app.py
 *   appb: no findings
 */
export function renderHuman(reports: readonly AppReport[]): string {
  let text = '';
  for (const r of reports) {
    if (r.findings.length === 0) {
      text += `${r.app}: no findings\n`;
      continue;
    }
    text += `${r.app}: ${counts(r.findings)}\n`;
    for (const f of r.findings) {
      text += `  ${f.severity.padEnd(8)}${f.kind}  ${f.object}\n`;
      text += `          ${f.message}\n`;
      text += `          fix: ${f.fix}\n`;
    }
  }
  if (reports.length > 1) text += `\n${counts(reports.flatMap((r) => r.findings))} in ${reports.length} apps\n`;
  return text;
}

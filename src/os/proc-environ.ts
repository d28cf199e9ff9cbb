// /proc/PID/environ: the environment a process was started with, NUL-separated. muster marks its
// instances (MUSTER_APP, MUSTER_PROCESS...) and app tiers (MUSTER_HOST) there; leftovers, the host
// tier and the audit all find them by it.

/** The value of `key` in a NUL-separated environ block, or undefined. */
export function environValue(environ: string, key: string): string | undefined {
  for (const entry of environ.split('\0')) {
    if (entry.startsWith(`${key}=`)) return entry.slice(key.length + 1);
  }
  return undefined;
}

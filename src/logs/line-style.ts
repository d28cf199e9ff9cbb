// How an output line looks on a terminal, shared by `muster up`'s console and `muster logs`:
// `17:02:27.384 web      | text`, a colour per name (in the order names were met), a mark for
// where the line came from. Kept free of I/O so the CLI can load it cheaply.

export const NAME_COLORS: readonly string[] = ['36', '33', '32', '35', '34', '91', '96', '93', '92', '95'];

/** `|` stdout, `!` stderr, `=` muster itself. */
export const ORIGIN_MARK = { out: '|', err: '!', muster: '=' } as const;

/** HH:MM:SS.mmm, local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function wantsColor(stream: { isTTY?: boolean }, environ: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(stream.isTTY) && environ.NO_COLOR === undefined;
}

// Process and socket names: letters, digits, '_' and '-', starting with a letter or digit. No dots:
// a dot separates the instance number ("worker.2"). No colons either, which socket names need too:
// LISTEN_FDNAMES separates them with ":".
export const PROCESS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Names head every console line, padded to the longest: keep them short. */
export const MAX_NAME_LENGTH = 64;

export interface NameProblem {
  readonly message: string;
  readonly hint: string;
}

/** Why `name` is not a valid process name, or null when it is. */
export function processNameProblem(name: string): NameProblem | null {
  return nameProblem(name, 'process', 'write "name: command", e.g. "web: python3 app.py"');
}

/** Why `name` (of [socket.NAME]) is not a valid socket name, or null when it is. */
export function socketNameProblem(name: string): NameProblem | null {
  return nameProblem(name, 'socket', 'write [socket.web] followed by path = "run/web.sock"');
}

function nameProblem(name: string, what: string, emptyHint: string): NameProblem | null {
  if (name.length > MAX_NAME_LENGTH) return { message: `${what} name "${name.slice(0, 20)}..." is ${name.length} characters long`, hint: `use at most ${MAX_NAME_LENGTH} characters` };
  if (PROCESS_NAME.test(name)) return null;
  if (name === '') return { message: `empty ${what} name`, hint: emptyHint };
  const fixed = name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+/, '').replace(/-+$/, '');
  const why = name.includes('.') ? ' (dots separate the instance number, as in "worker.2")' : '';
  const hint = `use letters, digits, "_" and "-", starting with a letter or digit${why}` +
    (fixed !== '' && PROCESS_NAME.test(fixed) ? `: "${fixed}"` : '');
  return { message: `invalid ${what} name "${name}"`, hint };
}

// Process names: letters, digits, '_' and '-', starting with a letter or digit. No dots: a dot
// separates the instance number ("worker.2").
export const PROCESS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Why `name` is not a valid process name, or null when it is. */
/** Names head every console line, padded to the longest: keep them short. */
export const MAX_NAME_LENGTH = 64;

export function processNameProblem(name: string): { message: string; hint: string } | null {
  if (name.length > MAX_NAME_LENGTH) return { message: `process name "${name.slice(0, 20)}..." is ${name.length} characters long`, hint: `use at most ${MAX_NAME_LENGTH} characters` };
  if (PROCESS_NAME.test(name)) return null;
  if (name === '') return { message: 'empty process name', hint: 'write "name: command", e.g. "web: python3 app.py"' };
  const fixed = name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+/, '').replace(/-+$/, '');
  const why = name.includes('.') ? ' (dots separate the instance number, as in "worker.2")' : '';
  const hint = `use letters, digits, "_" and "-", starting with a letter or digit${why}` +
    (fixed !== '' && PROCESS_NAME.test(fixed) ? `: "${fixed}"` : '');
  return { message: `invalid process name "${name}"`, hint };
}

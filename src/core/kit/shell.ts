/**
 * One shell word for `value`: unchanged when it holds only characters no POSIX shell treats
 * specially (so `org=hospital_alpha` stays readable), otherwise single-quoted with embedded
 * quotes spelled `'\''`. The empty string becomes `''`.
 */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * `value` made safe for a `#` comment line: control characters (a newline would end the
 * comment and turn the rest into code) become `?`.
 */
export function commentText(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? "?" : ch;
  }
  return out;
}

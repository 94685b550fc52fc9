/**
 * A JSON string literal as Python's `json.dumps` writes it (default `ensure_ascii=True`):
 * like `JSON.stringify`, but every non-ASCII UTF-16 code unit becomes a lowercase `\uXXXX`
 * escape (artifacts.md §12.1). For the plain ASCII names the validators allow, this is just
 * the name in double quotes.
 */
export function pyJsonString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * A string-to-string mapping as `json.dumps(value, indent=2)` writes it, with `prefix` added
 * after every line break, the way the reference splices such a value into a template
 * (startup-kits.md §5.2 `auth_identity_map`).
 */
export function pyJsonStringMap(value: Record<string, string>, prefix: string): string {
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  const lines = entries.map(([key, v]) => `${prefix}  ${pyJsonString(key)}: ${pyJsonString(v)}`);
  return `{\n${lines.join(",\n")}\n${prefix}}`;
}

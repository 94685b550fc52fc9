/**
 * JSON writer byte-compatible with Python's `json.dumps` (ensure_ascii on). With an indent
 * it writes request.json, signed.json, ca.json and audit records (artifacts.md §12.1);
 * without one, the single-line CLI JSON envelope (cli.md).
 */
import { PyFloat, pythonFloatRepr } from "../data/py-float.ts";

/** Options of {@link dumpJson}. */
export interface DumpJsonOptions {
  /**
   * Spaces per nesting level; when given, every member goes on its own line (Python
   * `indent=n`, separators `,` and `": "`). When absent, one line with `", "` and `": "`.
   */
  indent?: number;
}

/**
 * Serializes like Python `json.dumps(value)` / `json.dumps(value, indent=n)`: object keys in
 * insertion order (keys whose value is `undefined` are skipped), empty containers as `{}` and
 * `[]`, every character outside 0x20..0x7E escaped (`\n \r \t \b \f \" \\` short, others
 * `\uXXXX` in lowercase hex, astral characters as surrogate pairs), integers (`number`
 * without fraction, `bigint`) in decimal, {@link PyFloat} and fractional numbers as Python's
 * float repr (`900.0`, `1e-05`, `1e+20`, `NaN`, `Infinity`). No trailing newline.
 *
 * Throws `TypeError` on a cycle, `undefined` outside an object, or any value Python's json
 * could not hold (functions, symbols, class instances other than PyFloat).
 */
export function dumpJson(value: unknown, options: DumpJsonOptions = {}): string {
  const indent = options.indent;
  const active = new Set<object>();

  const write = (item: unknown, level: number): string => {
    if (item === null) return "null";
    if (item === true) return "true";
    if (item === false) return "false";
    if (typeof item === "string") return quote(item);
    if (typeof item === "bigint") return item.toString();
    if (typeof item === "number") return Number.isInteger(item) ? BigInt(item).toString() : floatRepr(item);
    if (item instanceof PyFloat) return floatRepr(item.value);
    if (Array.isArray(item) || isPlainObject(item)) {
      if (active.has(item)) throw new TypeError("dumpJson: cannot serialize a cyclic structure");
      active.add(item);
      const parts: string[] = Array.isArray(item)
        ? item.map((element) => {
            if (element === undefined)
              throw new TypeError("dumpJson: cannot serialize undefined in an array");
            return write(element, level + 1);
          })
        : Object.keys(item)
            .filter((key) => item[key] !== undefined)
            .map((key) => `${quote(key)}: ${write(item[key], level + 1)}`);
      active.delete(item);
      const [open, close] = Array.isArray(item) ? ["[", "]"] : ["{", "}"];
      if (parts.length === 0) return open + close;
      if (indent === undefined) return `${open}${parts.join(", ")}${close}`;
      const inner = `\n${" ".repeat(indent * (level + 1))}`;
      return `${open}${inner}${parts.join(`,${inner}`)}\n${" ".repeat(indent * level)}${close}`;
    }
    throw new TypeError(`dumpJson: cannot serialize ${item === undefined ? "undefined" : typeof item}`);
  };

  return write(value, 0);
}

/** Python json's float spelling: repr(), with `NaN`, `Infinity`, `-Infinity`. */
function floatRepr(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Infinity";
  if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
  return pythonFloatRepr(value);
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** Python's ensure_ascii string encoding; works per UTF-16 unit, so pairs come out as pairs. */
function quote(text: string): string {
  return `"${text.replace(/[^\x20-\x7E]|["\\]/g, (ch) => SHORT_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

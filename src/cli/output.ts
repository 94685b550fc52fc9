import { dumpJson } from "../core/json/dump-json.ts";

/** Output format chosen by the global `--format` option (cli.md §1). */
export type Format = "txt" | "json";

/** Where human lines and results go; a seam so tests can capture them. */
export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The process's own streams. */
export const processStreams: Streams = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

// C0/C1 controls (tab excepted) and the bidirectional overrides that can reorder what a
// terminal shows ("Trojan Source"): hostile names must not move the cursor or fake a line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNPRINTABLE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes one text-mode value safe for a terminal: `\n` and `\r` become those two characters,
 * other control and bidi characters `\xNN` / `\uNNNN`. JSON mode needs none of this (the
 * envelope escapes them). Everything else, non-ASCII included, is kept.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** One ordered record of a command's result (cli.md §3); values are JSON-able scalars. */
export type ResultData = Record<string, string | number | boolean | null>;

const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
const SECRET_PAIR = /\b(password|passwd|token|secret|api[_-]?key)=\S+/gi;

/** Masks PEM private-key blocks and `password=`-style pairs before anything is printed (cli.md §3). */
export function redact(text: string): string {
  return text.replace(PEM_PRIVATE, "<redacted>").replace(SECRET_PAIR, "$1=<redacted>");
}

/** Renders a value as the reference prints it in text mode (Python `str`: None, True, False). */
export function pythonText(value: string | number | boolean | null): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  return String(value);
}

/**
 * Prints results, warnings and info lines in the chosen format. Text mode: `key: value` lines
 * on stdout. JSON mode: exactly one envelope line on stdout; human lines move to stderr.
 */
export class Reporter {
  constructor(
    readonly format: Format,
    private readonly streams: Streams = processStreams,
  ) {}

  /** A human line that text mode prints on stdout and JSON mode on stderr (warnings, INFO). */
  note(line: string): void {
    const text = `${printable(redact(line))}\n`;
    if (this.format === "json") this.streams.stderr(text);
    else this.streams.stdout(text);
  }

  /** A line for stderr in text mode only (JSON mode suppresses it; cli.md §3 connect_to warning). */
  textWarning(line: string): void {
    if (this.format === "txt") this.streams.stderr(`${printable(redact(line))}\n`);
  }

  /** The success result: key/value lines or the `ok` envelope. */
  result(data: ResultData): void {
    if (this.format === "json") {
      const envelope = { schema_version: "1", status: "ok", exit_code: 0, data: redactData(data) };
      this.streams.stdout(`${dumpJson(envelope)}\n`);
      return;
    }
    let out = "";
    for (const [key, value] of Object.entries(data))
      out += `${key}: ${printable(redact(pythonText(value)))}\n`;
    this.streams.stdout(out);
  }

  /** A raw document on stdout (`--schema`, `--help`). */
  raw(text: string): void {
    this.streams.stdout(text);
  }

  /**
   * A structured success result (`cert inspect`, batch `cert approve`): JSON mode prints the
   * `ok` envelope with `data` (nested values allowed); text mode prints `text`, which the
   * command rendered (and made printable) itself.
   */
  document(data: Record<string, unknown>, text: string): void {
    if (this.format === "json") {
      const envelope = { schema_version: "1", status: "ok", exit_code: 0, data };
      this.streams.stdout(`${dumpJson(envelope)}\n`);
      return;
    }
    this.streams.stdout(text);
  }

  /** An error: three lines on stderr in text mode, one envelope on stdout in JSON mode (cli.md §4). */
  error(error: {
    code: string;
    message: string;
    hint: string;
    exitCode: number;
    data?: Record<string, unknown>;
    preamble?: string;
  }): void {
    if (this.format === "json") {
      const envelope: Record<string, unknown> = {
        schema_version: "1",
        status: "error",
        exit_code: error.exitCode,
        error_code: error.code,
        message: redact(error.message),
        hint: redact(error.hint),
      };
      if (error.data !== undefined) envelope.data = error.data;
      this.streams.stdout(`${dumpJson(envelope)}\n`);
      return;
    }
    let text = error.preamble ?? "";
    text += `${printable(redact(error.message))}\n`;
    if (error.hint) text += `Hint: ${printable(redact(error.hint))}\n`;
    text += `Code: ${error.code} (exit ${error.exitCode})\n`;
    this.streams.stderr(text);
  }
}

function redactData(data: ResultData): ResultData {
  const out: ResultData = {};
  for (const [key, value] of Object.entries(data))
    out[key] = typeof value === "string" ? redact(value) : value;
  return out;
}

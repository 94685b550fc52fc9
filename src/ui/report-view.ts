/**
 * How the page shows what the CLI prints: an error as its three text lines (message, `Hint:`,
 * `Code:`), an inspect report as facts and `ok` / `FAIL` / `skip` checks, a kit as a file tree
 * with modes. Status is always spelled out in text, never by colour alone.
 */
import type { FlareError, InspectReport, KitTree } from "./core-api.ts";
import { h } from "./dom.ts";

/** A coded error as `cert`/`package` print it on stderr, in an alert region. */
export function errorView(error: FlareError): HTMLElement {
  return h(
    "div",
    { class: "error", role: "alert", "data-code": error.code },
    h("p", { class: "error-message" }, error.message),
    error.hint ? h("p", { class: "error-hint" }, `Hint: ${error.hint}`) : null,
    h("p", { class: "error-code" }, "Code: ", h("code", {}, error.code), ` (exit ${error.exitCode})`),
  );
}

/** A success or information note, announced politely to screen readers. */
export function noteView(text: string, kind: "ok" | "warning" | "info" = "info"): HTMLElement {
  return h("p", { class: `note ${kind}`, role: "status" }, text);
}

/** A fact value as one line of text (lists joined by commas). */
function factText(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

/** The facts of a report as a definition list, in the report's order. */
export function factsView(report: InspectReport, only?: readonly string[]): HTMLElement {
  const list = h("dl", { class: "facts" });
  for (const [key, value] of Object.entries(report.facts)) {
    if (only && !only.includes(key)) continue;
    list.append(h("dt", {}, key), h("dd", {}, factText(value)));
  }
  return list;
}

/** Every check of a report: status word, id and detail, failed ones marked. */
export function checksView(report: InspectReport): HTMLElement {
  const list = h("ul", { class: "checks" });
  for (const check of report.checks) {
    const status = check.ok ? "ok" : check.skipped ? "skip" : "FAIL";
    list.append(
      h(
        "li",
        { class: `check ${status.toLowerCase()}`, "data-check": check.id },
        h("span", { class: "status" }, status),
        " ",
        h("code", { class: "check-id" }, check.id),
        " ",
        h("span", { class: "detail" }, check.detail),
      ),
    );
  }
  return list;
}

/** A one-line verdict: how many checks passed, or which failed. */
export function verdictView(report: InspectReport, failed: readonly string[]): HTMLElement {
  const total = report.checks.length;
  return failed.length === 0
    ? noteView(`All ${total} checks passed.`, "ok")
    : noteView(`${failed.length} of ${total} checks failed: ${failed.join(", ")}.`, "warning");
}

/** `ls -l`-style permission bits of a mode (`-rw-------`, `drwxr-xr-x`). */
export function modeText(mode: number, isDir: boolean): string {
  const bits = "rwxrwxrwx";
  let out = isDir ? "d" : "-";
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : "-";
  return out;
}

/** A kit tree (under `root`) as a nested list of folders and files with their modes and sizes. */
export function fileTreeView(root: string, tree: KitTree): HTMLElement {
  interface Node {
    dirs: Map<string, Node>;
    files: Map<string, { mode: number; size: number }>;
  }
  const top: Node = { dirs: new Map(), files: new Map() };
  const dirAt = (path: string): Node => {
    let node = top;
    for (const part of path.split("/").filter(Boolean)) {
      let next = node.dirs.get(part);
      if (!next) {
        next = { dirs: new Map(), files: new Map() };
        node.dirs.set(part, next);
      }
      node = next;
    }
    return node;
  };
  for (const dir of tree.dirs) dirAt(dir);
  for (const [path, file] of tree.files) {
    const cut = path.lastIndexOf("/");
    dirAt(cut < 0 ? "" : path.slice(0, cut)).files.set(path.slice(cut + 1), {
      mode: file.mode,
      size: file.bytes.length,
    });
  }
  const render = (node: Node): HTMLElement => {
    const list = h("ul", {});
    for (const [name, child] of [...node.dirs].sort(([a], [b]) => a.localeCompare(b))) {
      list.append(
        h(
          "li",
          { class: "dir" },
          h("span", { class: "mode" }, modeText(0o755, true)),
          " ",
          h("span", { class: "name" }, `${name}/`),
          render(child),
        ),
      );
    }
    for (const [name, file] of [...node.files].sort(([a], [b]) => a.localeCompare(b))) {
      list.append(
        h(
          "li",
          { class: "file", "data-path": name },
          h("span", { class: "mode" }, modeText(file.mode, false)),
          " ",
          h("span", { class: "name" }, name),
          " ",
          h("span", { class: "size" }, `${file.size} B`),
        ),
      );
    }
    return list;
  };
  return h(
    "div",
    { class: "tree", role: "group", "aria-label": `Files of ${root}` },
    h("p", { class: "tree-root" }, `${root}/`),
    render(top),
  );
}

import { pyJsonString } from "./py-json.ts";

// startup/system_info.ipynb of admin kits: this project's own small notebook (startup-kits.md §7
// fixes only its purpose). It opens an admin session with the FLARE API, the way the reference
// smoke tests do, and prints the system info.

type Cell =
  | { cell_type: "markdown"; id: string; metadata: Record<string, never>; source: string[] }
  | {
      cell_type: "code";
      id: string;
      execution_count: null;
      metadata: Record<string, never>;
      outputs: never[];
      source: string[];
    };

/**
 * The notebook text (nbformat 4.5, one-space JSON indentation as Jupyter writes it, trailing
 * newline). `username` is the admin's e-mail, written as a JSON/Python string literal.
 */
export function renderSystemInfoNotebook(username: string): string {
  const cells: Cell[] = [
    markdown("intro", [
      "# FLARE system info",
      "",
      "Opens an admin session with this startup kit through the FLARE API and prints what the FL server",
      "reports about the federation. The server must be running and reachable.",
    ]),
    code("install", ["# Uncomment to install NVFlare into this kernel first.", "# %pip install nvflare"]),
    code("connect", [
      "import os",
      "",
      "from nvflare.fuel.flare_api.flare_api import new_secure_session",
      "",
      // The literal is JSON, which is also a valid Python string literal.
      `username = ${pyJsonString(username)}  # the admin this kit was issued to`,
      "",
      "# The startup kit is the folder that contains startup/ (this notebook lives in startup/).",
      "here = os.getcwd()",
      'startup_kit_location = here if os.path.isdir(os.path.join(here, "startup")) else os.path.dirname(here)',
      "",
      "sess = new_secure_session(username=username, startup_kit_location=startup_kit_location)",
      "print(sess.get_system_info())",
    ]),
    markdown("done", ["Close the session when you are done."]),
    code("close", ["sess.close()"]),
  ];
  const notebook = {
    cells,
    metadata: {
      kernelspec: { display_name: "Python 3", language: "python", name: "python3" },
      language_info: { name: "python" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return `${JSON.stringify(notebook, null, 1)}\n`;
}

/** nbformat keeps a cell's text as lines that end in "\n", except the last one. */
function sourceLines(lines: string[]): string[] {
  return lines.map((line, i) => (i < lines.length - 1 ? `${line}\n` : line));
}

function markdown(id: string, lines: string[]): Cell {
  return { cell_type: "markdown", id, metadata: {}, source: sourceLines(lines) };
}

function code(id: string, lines: string[]): Cell {
  return {
    cell_type: "code",
    id,
    execution_count: null,
    metadata: {},
    outputs: [],
    source: sourceLines(lines),
  };
}

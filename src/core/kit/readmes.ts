import { commentText } from "./shell.ts";

// The kit readmes are this project's own short texts (startup-kits.md §7 only fixes where they
// live: the kit root for server and client kits, startup/ for admin kits).

/** What a readme needs to know about its kit. */
export interface ReadmeParams {
  kind: "server" | "client" | "admin";
  project: string;
  name: string;
  /** Every file of the kit (relative paths), to list what it holds. */
  files: readonly string[];
}

const TITLES = {
  server: "FLARE server startup kit",
  client: "FLARE client startup kit",
  admin: "FLARE admin startup kit",
} as const;

/** `readme.txt` text for a kit: what it is, what it holds and how to start it. */
export function renderReadme(p: ReadmeParams): string {
  const title = TITLES[p.kind];
  const key = p.kind === "server" ? "server.key" : "client.key";
  const lines = [
    title,
    "=".repeat(title.length),
    "",
    `Participant: ${commentText(p.name)}`,
    `Project:     ${commentText(p.project)}`,
    "",
    "This folder holds:",
    ...[...p.files].sort().map((file) => `  ${file}`),
    "  transfer/  (empty; files exchanged with the FLARE system land here)",
    "",
    ...HOW_TO[p.kind],
    "",
    `startup/${key} is this participant's private key: keep it secret and never copy it elsewhere.`,
    "startup/rootCA.pem is the project's root certificate; the fed_*.json file refers to it,",
    "to the certificate and to the key by file name, so keep the three files together.",
    "",
  ];
  return lines.filter((line, i) => !(line === "" && lines[i - 1] === "")).join("\n");
}

const HOW_TO = {
  server: [
    "To start the server, run startup/start.sh: it returns at once and leaves",
    "startup/sub_start.sh running in the background, which restarts the server if it stops.",
    "Use startup/sub_start.sh --once to run it in the foreground instead. Stop it with the",
    "admin console's shutdown command (startup/stop_fl.sh is a last resort).",
  ],
  client: [
    "To start the client, run startup/start.sh: it returns at once and leaves",
    "startup/sub_start.sh running in the background, which restarts the client if it stops.",
    "Use startup/sub_start.sh --once to run it in the foreground instead. Stop it with the",
    "admin console's shutdown command (startup/stop_fl.sh is a last resort).",
  ],
  admin: [
    "Install NVFlare (python3 -m pip install nvflare), then run startup/fl_admin.sh to open",
    "the admin console and log in with your e-mail address, which is also the CN of your",
    "certificate. startup/system_info.ipynb does the same from Jupyter with the FLARE API.",
  ],
} as const;

import type { CoreDeps } from "../core/deps.ts";

/** What the Node layer of a command needs: where it runs, whose home, crypto/clock, and output hooks. */
export interface NodeEnv {
  /** Relative paths resolve against this. */
  cwd: string;
  /** Audit records go under `<home>/.nvflare` (artifacts.md §11). */
  home: string;
  deps: CoreDeps;
  /** A human line (warnings, INFO): stdout in text mode, stderr in JSON mode (cli.md §3). */
  note: (line: string) => void;
  /** A text-mode-only stderr warning (cli.md §3, connect_to). */
  textWarning: (line: string) => void;
  /** The process environment, for programs a command starts (NVFlare's Python); default none. */
  vars?: Record<string, string | undefined>;
}

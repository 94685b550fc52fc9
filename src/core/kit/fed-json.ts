import { pyJsonString, pyJsonStringMap } from "./py-json.ts";

// The three startup JSON files are rendered as text, not with JSON.stringify: the reference
// fills fixed templates whose indentation is irregular, and byte identity needs the same
// whitespace (startup-kits.md §5). Each file ends with exactly one "\n".

/** Inputs of `startup/fed_server.json` (startup-kits.md §5.1). */
export interface FedServerParams {
  /** Project name (`servers[0].name`). */
  project: string;
  /** The server participant's name: target host and `admin_server`. */
  serverName: string;
  fedLearnPort: number;
  adminPort: number;
  /** Scheme after the `use_aio` mapping. */
  scheme: string;
  connectionSecurity: string;
  /** `null` writes no `require_signed_jobs` line. */
  requireSignedJobs: boolean | null;
  /** Written only when set and different from `serverName`. */
  authIdentity: string | null;
}

/** `fed_server.json` text (startup-kits.md §5.1: 2-space top level, 4-space steps inside `servers`). */
export function renderFedServer(p: FedServerParams): string {
  const authIdentity =
    p.authIdentity !== null && p.authIdentity !== p.serverName
      ? `,\n            "auth_identity": ${pyJsonString(p.authIdentity)}`
      : "";
  return [
    "{",
    `  "format_version": 2${requireSignedJobsLine(p.requireSignedJobs)},`,
    `  "servers": [`,
    "      {",
    `          "name": ${pyJsonString(p.project)},`,
    `          "service": {`,
    `              "target": ${pyJsonString(`${p.serverName}:${p.fedLearnPort}`)},`,
    `              "scheme": ${pyJsonString(p.scheme)}`,
    "          },",
    `          "admin_server": ${pyJsonString(p.serverName)},`,
    `          "admin_port": ${p.adminPort},`,
    `          "ssl_private_key": "server.key",`,
    `          "ssl_cert": "server.crt",`,
    `          "ssl_root_cert": "rootCA.pem",`,
    `          "connection_security": ${pyJsonString(p.connectionSecurity)}${authIdentity}`,
    "      }",
    "  ]",
    "}",
    "",
  ].join("\n");
}

/** Inputs of `startup/fed_client.json` (startup-kits.md §5.2). */
export interface FedClientParams {
  project: string;
  /** The client's name (`fqsn`, key of `auth_identity_map`). */
  clientName: string;
  /** `<host>:<port>` the client connects to. */
  target: string;
  /** Scheme after the `use_aio` mapping. */
  scheme: string;
  /** CN the client expects from the server (the signed server host). */
  serverIdentity: string;
  connectionSecurity: string;
  requireSignedJobs: boolean | null;
  /** Written (with `auth_identity_map`) only when set and different from `clientName`. */
  authIdentity: string | null;
}

/** `fed_client.json` text (startup-kits.md §5.2, 2-space indentation). */
export function renderFedClient(p: FedClientParams): string {
  // Client names contain no dots (validation.md §1), so the reference's map entry
  // "fqcn -> auth_identity unless it equals the first fqcn label" reduces to "unless it equals
  // the name", and appears exactly when auth_identity does.
  const authIdentity =
    p.authIdentity !== null && p.authIdentity !== p.clientName
      ? `,\n      "auth_identity": ${pyJsonString(p.authIdentity)},\n      "auth_identity_map": ${pyJsonStringMap({ [p.clientName]: p.authIdentity }, "      ")}`
      : "";
  return [
    "{",
    `  "format_version": 2${requireSignedJobsLine(p.requireSignedJobs)},`,
    `  "servers": [`,
    "    {",
    `      "name": ${pyJsonString(p.project)},`,
    `      "service": {`,
    `        "target": ${pyJsonString(p.target)},`,
    `        "scheme": ${pyJsonString(p.scheme)}`,
    "      },",
    `      "identity": ${pyJsonString(p.serverIdentity)}`,
    "    }",
    "  ],",
    `  "client": {`,
    `    "ssl_private_key": "client.key",`,
    `    "ssl_cert": "client.crt",`,
    `    "ssl_root_cert": "rootCA.pem",`,
    `    "fqsn": ${pyJsonString(p.clientName)},`,
    // Always true: a one-participant kit has no child clients (startup-kits.md §5.2).
    `    "is_leaf": true,`,
    `    "connection_security": ${pyJsonString(p.connectionSecurity)}${authIdentity}`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** Inputs of `startup/fed_admin.json` (startup-kits.md §5.3). */
export interface FedAdminParams {
  project: string;
  /** The admin's e-mail. */
  username: string;
  /** CN the console expects from the server (the signed server host). */
  serverIdentity: string;
  /** The signed scheme, never `use_aio`-mapped. */
  scheme: string;
  host: string;
  port: number;
  connectionSecurity: string;
}

/** `fed_admin.json` text (startup-kits.md §5.3; no `require_signed_jobs`). */
export function renderFedAdmin(p: FedAdminParams): string {
  return [
    "{",
    `  "format_version": 1,`,
    `  "admin": {`,
    `    "project_name": ${pyJsonString(p.project)},`,
    `    "username": ${pyJsonString(p.username)},`,
    `    "server_identity": ${pyJsonString(p.serverIdentity)},`,
    `    "scheme": ${pyJsonString(p.scheme)},`,
    `    "host": ${pyJsonString(p.host)},`,
    `    "port": ${p.port},`,
    `    "connection_security": ${pyJsonString(p.connectionSecurity)},`,
    `    "uid_source": "user_input",`,
    `    "with_file_transfer": true,`,
    `    "upload_dir": "transfer",`,
    `    "download_dir": "transfer",`,
    `    "client_key": "client.key",`,
    `    "client_cert": "client.crt",`,
    `    "ca_cert": "rootCA.pem"`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** The `require_signed_jobs` insertion after `"format_version": 2` (startup-kits.md §5.1). */
function requireSignedJobsLine(value: boolean | null): string {
  return value === null ? "" : `,\n  "require_signed_jobs": ${value}`;
}

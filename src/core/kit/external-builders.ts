import { fromUtf8 } from "../bytes/encoding.ts";
import { FlareError } from "../errors/flare-error.ts";
import { YamlTimestamp } from "../yaml/parse-yaml.ts";
import type { KitPlan } from "./build-kit.ts";
import { PLACEHOLDER_SERVER_ORG } from "./docker-compose.ts";
import type { KitFile, KitInput, KitMode, KitTree } from "./types.ts";

// Builders only NVFlare's Python can run (AWSBuilder, AzureBuilder, a site's own class) run over
// the planned kit through python/flare_provision_builders.py. This file holds the pure halves:
// what the driver is told (the project `nvflare package` builds for one participant) and the
// check of what the builders left, before any of it is written to the workspace.

/** One participant of the driver's project. */
export interface DriverParticipant {
  name: string;
  org: string;
  props: Record<string, unknown>;
}

/** The driver's SPEC.json without the staging folder, which the caller adds. */
export interface DriverSpec {
  project: {
    name: string;
    props: Record<string, unknown>;
    server: DriverParticipant;
    clients: DriverParticipant[];
    admins: DriverParticipant[];
  };
  template_files: string[];
  builders: { path: string; args: Record<string, unknown> }[];
}

/**
 * The project the reference's package flow hands its builders (startup-kits.md §2): the project
 * props carry the signed default connection security; the participant's props are its local
 * definition, without `connection_security` for clients and admins, with the signed ports (and
 * the default security when it has none) for a server, with `role` = the certificate type for
 * an admin; client and admin kits get the placeholder server named after the signed host.
 */
export function driverSpec(input: KitInput, plan: KitPlan): DriverSpec {
  const { host, fedLearnPort, adminPort } = input.signed.server;
  const security = input.signed.defaultConnectionSecurity;
  const props: Record<string, unknown> = plain({ ...input.participant }) as Record<string, unknown>;
  const ports = { fed_learn_port: fedLearnPort, admin_port: adminPort };
  const self = { name: input.name, org: input.org };
  let server: DriverParticipant;
  const clients: DriverParticipant[] = [];
  const admins: DriverParticipant[] = [];
  if (input.certType === "server") {
    if (!props.connection_security && security) props.connection_security = security;
    server = { ...self, props: { ...props, ...ports } };
  } else {
    delete props.connection_security;
    server = { name: host, org: PLACEHOLDER_SERVER_ORG, props: ports };
    if (input.certType === "client") clients.push({ ...self, props });
    else admins.push({ ...self, props: { ...props, role: input.certType } });
  }
  return {
    project: {
      name: input.project.slice(0, 63),
      props: security ? { connection_security: security } : {},
      server,
      clients,
      admins,
    },
    template_files: [...plan.templateFiles],
    builders: plan.external.map((b) => ({ path: b.path, args: plain(b.args) as Record<string, unknown> })),
  };
}

/** The YAML values as JSON would carry them (timestamps as their text). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v) => (v instanceof YamlTimestamp ? v.text : v)));
}

/** A regular file the builders left in the staging folder: its bytes and permission bits. */
export interface StagedFile {
  bytes: Uint8Array;
  /** `st_mode & 0o777`. */
  mode: number;
}

/** What the builders left: the kit folder, and the files beside it (the future prod root). */
export interface StagedOutput {
  kit: { files: Map<string, StagedFile>; dirs: string[] };
  /** Files at the staging `wip/` root and below, other than the kit and the placeholder server. */
  prodFiles: Map<string, StagedFile>;
}

/** Certificate material the kit copies verbatim (startup-kits.md §2): builders must not touch it. */
const TRUST_FILES =
  /^startup\/(server\.crt|client\.crt|server\.key|client\.key|rootCA\.pem|customRootCA\.pem)$/;
/** Keys of fed_*.json that say where the participant connects and with which credentials. */
const ENDPOINT_KEYS = new Set([
  "servers",
  "host",
  "port",
  "scheme",
  "connection_security",
  "identity",
  "server_identity",
  "ssl_private_key",
  "ssl_cert",
  "ssl_root_cert",
  "fqsn",
  "uid",
  "username",
  "auth_identity",
]);

/**
 * Takes the builders' output as the kit to write, after checking that they left the trust
 * material exactly as planned (certificate, key with mode 0600, root CA, custom CA), that every
 * fed_*.json still parses and names the signed endpoint and credentials unchanged, and that no
 * planned kit file vanished. File modes become the kit's: executable → 0755, private → 0600
 * (the key only), else 0644. Paths must be plain relative names (no `..`, no empty segment).
 *
 * @throws FlareError `BUILDER_OUTPUT_REFUSED` naming the first file that fails.
 */
export function adoptBuilderOutput(
  plan: KitPlan,
  staged: StagedOutput,
): { tree: KitTree; prodFiles: Map<string, KitFile> } {
  const refuse = (detail: string) => new FlareError("BUILDER_OUTPUT_REFUSED", { detail });
  for (const path of [...staged.kit.files.keys(), ...staged.prodFiles.keys()]) {
    if (path.split("/").some((part) => part === "" || part === "." || part === "..")) {
      throw refuse(`unexpected path ${JSON.stringify(path)}`);
    }
  }
  for (const [path, planned] of plan.tree.files) {
    const found = staged.kit.files.get(path);
    if (!found) throw refuse(`${path} was removed`);
    if (TRUST_FILES.test(path)) {
      if (!sameBytes(found.bytes, planned.bytes)) throw refuse(`${path} was changed`);
      if (planned.mode === 0o600 && found.mode !== 0o600) {
        throw refuse(`${path} mode was changed to 0${found.mode.toString(8)}`);
      }
    }
    if (/^startup\/fed_(server|client|admin)\.json$/.test(path))
      checkEndpoint(path, planned.bytes, found.bytes, refuse);
  }
  for (const path of staged.kit.files.keys()) {
    if (!plan.tree.files.has(path) && TRUST_FILES.test(path)) throw refuse(`${path} was added`);
  }
  const files = new Map<string, KitFile>();
  for (const [path, file] of [...staged.kit.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const planned = plan.tree.files.get(path);
    files.set(path, {
      bytes: file.bytes,
      mode: planned && TRUST_FILES.test(path) ? planned.mode : kitMode(file.mode),
    });
  }
  const prodFiles = new Map<string, KitFile>();
  for (const [path, file] of [...staged.prodFiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    prodFiles.set(path, { bytes: file.bytes, mode: kitMode(file.mode) === 0o755 ? 0o755 : 0o644 });
  }
  const dirs = [...new Set([...plan.tree.dirs, ...staged.kit.dirs])].sort();
  return { tree: { files, dirs }, prodFiles };
}

function kitMode(mode: number): KitMode {
  if (mode & 0o111) return 0o755;
  if ((mode & 0o077) === 0) return 0o600;
  return 0o644;
}

function checkEndpoint(
  path: string,
  planned: Uint8Array,
  found: Uint8Array,
  refuse: (detail: string) => FlareError,
): void {
  let after: unknown;
  try {
    after = JSON.parse(fromUtf8(found));
  } catch {
    throw refuse(`${path} is no longer valid JSON`);
  }
  const before = JSON.parse(fromUtf8(planned)) as unknown;
  const walk = (a: unknown, b: unknown, where: string): void => {
    if (!isObject(a)) return;
    if (!isObject(b)) throw refuse(`${path}: ${where || "the document"} was replaced`);
    for (const [key, value] of Object.entries(a)) {
      const at = where ? `${where}.${key}` : key;
      if (ENDPOINT_KEYS.has(key)) {
        if (JSON.stringify(value) !== JSON.stringify(b[key])) throw refuse(`${path}: ${at} was changed`);
      } else {
        walk(value, b[key], at);
      }
    }
  };
  walk(before, after, "");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

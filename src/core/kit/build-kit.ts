import { utf8 } from "../bytes/encoding.ts";
import { FlareError } from "../errors/flare-error.ts";
import { parseCaCertificateFile } from "../x509/sole-certificate.ts";
import { externalBuildersRefused, resolveBuilders } from "./builders.ts";
import { PLACEHOLDER_SERVER_ORG, renderDockerBuilderFiles } from "./docker-compose.ts";
import { renderFedAdmin, renderFedClient, renderFedServer } from "./fed-json.ts";
import { renderLocalFiles } from "./local-files.ts";
import { renderSystemInfoNotebook } from "./notebook.ts";
import { readParticipantOptions } from "./participant-options.ts";
import { renderReadme } from "./readmes.ts";
import {
  renderDockerSh,
  renderFlAdminSh,
  renderStartSh,
  renderStopFlSh,
  renderSubStartSh,
} from "./scripts.ts";
import type {
  ExternalBuilder,
  KitCertType,
  KitFile,
  KitInput,
  KitMode,
  KitTree,
  KitWarning,
} from "./types.ts";

/** A kit plus the remarks made while planning it. */
export interface KitPlan {
  tree: KitTree;
  /**
   * Files builders write beside the kit, at the `prod_<NN>` root (DockerBuilder's compose.yaml,
   * .env, nvflare_compose/...), by path relative to that root; empty for most kits. Each
   * top-level entry is placed only if no entry of that name exists there yet (startup-kits.md §1).
   */
  prodFiles: Map<string, KitFile>;
  /**
   * Builders only NVFlare's Python can run, in listed order; the caller runs them over the planned
   * kit (src/node/run-builders.ts) or refuses them. Empty for most kits.
   */
  external: ExternalBuilder[];
  /** WorkspaceBuilder `template_file`, which NVFlare loads before running `external`. */
  templateFiles: string[];
  /** Non-fatal remarks (ignored or obsolete builder args); the caller may print them. */
  warnings: KitWarning[];
}

/** Every kit has exactly these directories (startup-kits.md §3); `transfer` stays empty. */
const KIT_DIRS = ["local", "startup", "transfer"];

// startup-kits.md §4: `use_aio` switches to the asynchronous drivers; unknown schemes stay as they are.
const AIO_SCHEMES: Record<string, string> = { grpc: "agrpc", tcp: "atcp", http: "http" };

// validation.md §1: `package` truncates longer project names to 63 characters, and the kit's
// fed_*.json files carry the truncated name.
const MAX_PROJECT_LENGTH = 63;

/**
 * Renders the startup kit of one participant as a virtual tree (startup-kits.md §2-§8):
 * layout and modes per §3, connection parameters per §4, fed_*.json per §5, local/ files per
 * §6, readme, notebook and scripts per §7, builder args per §8. Pure and deterministic: the
 * same input gives the same bytes. Certificate, key and root bytes are copied unchanged.
 *
 * @throws FlareError `LOCAL_SITE_INVALID` for a bad `builders:` block or participant property,
 *   `LOCAL_SITE_UNSUPPORTED_FEATURE` for a relay `connect_to`, `CERT_TYPE_UNKNOWN` for an
 *   unknown `certType`.
 */
export function planKit(input: KitInput): KitPlan {
  const kind = kitKind(input.certType);
  const builders = resolveBuilders(input.builders);
  const host = input.signed.server.host;
  const options = readParticipantOptions(input.participant, kind, host);
  const project = input.project.slice(0, MAX_PROJECT_LENGTH);
  const scheme = input.signed.scheme.trim().toLowerCase();
  const defaultSecurity = input.signed.defaultConnectionSecurity.trim().toLowerCase();
  const siteScheme = options.useAio ? (AIO_SCHEMES[scheme] ?? scheme) : scheme;
  const { fedLearnPort, adminPort } = input.signed.server;

  const files = new Map<string, KitFile>();
  const text = (path: string, content: string, mode: KitMode = 0o644) => {
    files.set(path, { bytes: utf8(content), mode });
  };
  const copy = (path: string, bytes: Uint8Array, mode: KitMode) => {
    files.set(path, { bytes: bytes.slice(), mode });
  };

  const certBase = kind === "server" ? "server" : "client";
  copy(`startup/${certBase}.crt`, input.certPem, 0o644);
  copy(`startup/${certBase}.key`, input.keyPem, 0o600);
  copy("startup/rootCA.pem", input.rootCaPem, 0o644);

  if (kind === "server") {
    text(
      "startup/fed_server.json",
      renderFedServer({
        project,
        serverName: input.name,
        fedLearnPort,
        adminPort,
        scheme: siteScheme,
        // startup-kits.md §4: only the server may override the approved connection security.
        connectionSecurity: options.connectionSecurity ?? defaultSecurity,
        requireSignedJobs: builders.requireSignedJobs,
        authIdentity: options.authIdentity,
      }),
    );
  } else if (kind === "client") {
    text(
      "startup/fed_client.json",
      renderFedClient({
        project,
        clientName: input.name,
        target: `${options.connectTo.host ?? host}:${options.connectTo.port ?? fedLearnPort}`,
        scheme: siteScheme,
        serverIdentity: host,
        connectionSecurity: defaultSecurity,
        requireSignedJobs: builders.requireSignedJobs,
        authIdentity: options.authIdentity,
      }),
    );
  } else {
    text(
      "startup/fed_admin.json",
      renderFedAdmin({
        project,
        username: input.name,
        serverIdentity: host,
        scheme,
        host: options.connectTo.host ?? host,
        port: options.connectTo.port ?? adminPort,
        connectionSecurity: defaultSecurity,
      }),
    );
  }

  if (kind === "admin") {
    text("startup/fl_admin.sh", renderFlAdminSh(input.name), 0o755);
    text("startup/system_info.ipynb", renderSystemInfoNotebook(input.name));
  } else {
    text("startup/start.sh", renderStartSh(kind, input.name), 0o755);
    text(
      "startup/sub_start.sh",
      renderSubStartSh({ kind, name: input.name, org: input.org, configFolder: builders.configFolder }),
      0o755,
    );
    text("startup/stop_fl.sh", renderStopFlSh(kind), 0o755);
    // startup-kits.md §3: the custom CA goes into server and client kits only.
    if (input.customCaCert) {
      checkCustomCaCert(input.customCaCert, input.participant.custom_ca_cert);
      copy("startup/customRootCA.pem", input.customCaCert, 0o644);
    }
  }
  if (builders.dockerImage !== null) {
    text(
      "startup/docker.sh",
      renderDockerSh({
        kind,
        name: input.name,
        org: input.org,
        image: builders.dockerImage,
        fedLearnPort,
        adminPort,
      }),
      0o755,
    );
  }

  const local = renderLocalFiles(kind, {
    numOfGpus: options.numOfGpus,
    memPerGpuInGiB: options.memPerGpuInGiB,
    allowLogStreaming: options.allowLogStreaming,
  });
  for (const [path, content] of local) text(path, content);

  const readmePath = kind === "admin" ? "startup/readme.txt" : "readme.txt";
  const listed = [...files.keys(), readmePath];
  text(readmePath, renderReadme({ kind, project, name: input.name, files: listed }));

  const warnings = [...builders.warnings];
  let prodFiles = new Map<string, KitFile>();
  if (builders.docker !== null) {
    if (builders.docker.requirementsFileExplicit && input.dockerRequirements === undefined) {
      warnings.push({
        code: "BUILDER_FILE_MISSING",
        message: `DockerBuilder requirements_file ${builders.docker.requirementsFile} was not found: nvflare_compose/requirements.txt is empty.`,
      });
    }
    prodFiles = renderDockerBuilderFiles(
      {
        server:
          kind === "server"
            ? { name: input.name, org: input.org }
            : { name: host, org: PLACEHOLDER_SERVER_ORG },
        client: kind === "client" ? { name: input.name, org: input.org } : null,
        fedLearnPort,
        adminPort,
      },
      builders.docker,
      input.dockerRequirements,
    );
  }

  return {
    tree: { files: sortByPath(files), dirs: [...KIT_DIRS] },
    prodFiles: sortByPath(prodFiles),
    external: builders.external,
    templateFiles: builders.templateFiles,
    warnings,
  };
}

/**
 * The kit of one participant as a virtual tree; {@link planKit} without the warnings. Pure and
 * deterministic. Throws what {@link planKit} throws, and `LOCAL_SITE_INVALID` for builders only
 * NVFlare's Python can run.
 */
export function buildKit(input: KitInput): KitTree {
  return planWithoutExternal(input).tree;
}

/** {@link planKit}, refusing builders only NVFlare's Python can run (no Python in this context). */
export function planWithoutExternal(input: KitInput): KitPlan {
  const plan = planKit(input);
  if (plan.external.length > 0) throw externalBuildersRefused(plan.external);
  return plan;
}

function sortByPath<T>(map: Map<string, T>): Map<string, T> {
  return new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * `custom_ca_cert` becomes a 0644 trust anchor of the kit: it must be exactly one CA certificate
 * (no private key, no second certificate, no stray text), else `LOCAL_SITE_INVALID`.
 */
function checkCustomCaCert(bytes: Uint8Array, path: unknown): void {
  try {
    parseCaCertificateFile(bytes);
  } catch (error) {
    throw new FlareError("LOCAL_SITE_INVALID", {
      message: `Invalid local participant definition: custom_ca_cert ${String(path)} must be exactly one CA certificate: ${(error as Error).message}`,
    });
  }
}

function kitKind(certType: KitCertType): "server" | "client" | "admin" {
  switch (certType) {
    case "server":
      return "server";
    case "client":
      return "client";
    case "org_admin":
    case "lead":
    case "member":
      return "admin";
    default:
      throw new FlareError("CERT_TYPE_UNKNOWN", { detail: `certificate type '${String(certType)}'` });
  }
}

/** The only modes a kit file can have (startup-kits.md §3, artifacts.md §13). */
export type KitMode = 0o600 | 0o644 | 0o755;

/** One file of a kit: its exact bytes and its exact mode. */
export interface KitFile {
  bytes: Uint8Array;
  mode: KitMode;
}

/**
 * A kit as a virtual tree, computed before anything is written (plan, then apply).
 * `files` maps a relative POSIX path (`startup/fed_client.json`) to its file, in sorted path
 * order; `dirs` lists every directory of the kit, sorted, including the empty `transfer`
 * (the kit root itself is implied and not listed). Directories get the default mode (0755).
 */
export interface KitTree {
  files: Map<string, KitFile>;
  dirs: string[];
}

/** The five certificate types a signed zip can carry (certificates.md). */
export type KitCertType = "server" | "client" | "org_admin" | "lead" | "member";

/** The approved connection parameters, copied from the verified `signed.json` (artifacts.md §9.1). */
export interface SignedConnection {
  /** `signed.json` `scheme` (`grpc`, `tcp` or `http`; trimmed and lower-cased here again). */
  scheme: string;
  /** `signed.json` `default_connection_security` (`clear`, `tls` or `mtls`). */
  defaultConnectionSecurity: string;
  /** `signed.json` `server`: the FL server endpoint every kit connects to. */
  server: { host: string; fedLearnPort: number; adminPort: number };
}

/** Everything {@link buildKit} needs; all of it already verified by the caller. */
export interface KitInput {
  /** Project name from the local `site.yaml`; truncated to 63 characters (validation.md §1). */
  project: string;
  /** Participant name (= certificate CN). */
  name: string;
  /** Participant org (= certificate O). */
  org: string;
  /** Certificate type from the signed zip; selects the server, client or admin layout. */
  certType: KitCertType;
  /** `participants[0]` of the LOCAL `site.yaml`, as parsed (extra properties included). */
  participant: Record<string, unknown>;
  /** The local `site.yaml` top-level `builders` value (may be undefined). */
  builders: unknown;
  /** Connection parameters from the verified `signed.json`. */
  signed: SignedConnection;
  /** The signed certificate PEM (`<name>.crt` of the signed zip), copied byte for byte. */
  certPem: Uint8Array;
  /** The local private key PEM (`<name>.key` of the request folder), copied byte for byte. */
  keyPem: Uint8Array;
  /** The signed zip's `rootCA.pem`, copied byte for byte. */
  rootCaPem: Uint8Array;
  /** Bytes of the file named by the participant's `custom_ca_cert` property, if any (server/client only). */
  customCaCert?: Uint8Array;
  /**
   * Bytes of the DockerBuilder `requirements_file` (see {@link DockerBuilderArgs}), read by the
   * caller; absent when there is no such file, which gives an empty requirements.txt like the reference.
   */
  dockerRequirements?: Uint8Array;
}

/** A non-fatal remark about the local definition, for the caller to print. */
export interface KitWarning {
  /** Stable identifier, e.g. `BUILDER_ARG_OBSOLETE`. */
  code: string;
  /** One sentence naming the builder or property concerned. */
  message: string;
}

/** What the `builders:` block changes in a kit (startup-kits.md §8). */
export interface ResolvedBuilders {
  /** StaticFileBuilder `config_folder`, rendered into `sub_start.sh`; default `""`. */
  configFolder: string;
  /** StaticFileBuilder `require_signed_jobs`; `null` (default) writes nothing into fed_*.json. */
  requireSignedJobs: boolean | null;
  /** StaticFileBuilder `docker_image`; non-null adds `startup/docker.sh`. Default `null`. */
  dockerImage: string | null;
  /** DockerBuilder args; non-null adds compose.yaml, .env and nvflare_compose/ at the prod root. */
  docker: DockerBuilderArgs | null;
  /** WorkspaceBuilder `template_file`, for builders run through NVFlare. Default `[]`. */
  templateFiles: string[];
  /** Builders only NVFlare's Python can run (AWS, Azure, a site's own), in listed order. */
  external: ExternalBuilder[];
  /** Remarks about args or builders that have no effect here. */
  warnings: KitWarning[];
}

/** A `builders:` entry flare-provision does not render: its class path and args as listed. */
export interface ExternalBuilder {
  path: string;
  args: Record<string, unknown>;
}

/** The args of a listed DockerBuilder (defaults filled in). */
export interface DockerBuilderArgs {
  /** `FROM` image of `nvflare_compose/Dockerfile`; default `python:3.10`. */
  baseImage: string;
  /** File copied to `nvflare_compose/requirements.txt`, relative to the working directory. */
  requirementsFile: string;
  /** Whether `requirements_file` was given (a missing default file is silently empty). */
  requirementsFileExplicit: boolean;
}

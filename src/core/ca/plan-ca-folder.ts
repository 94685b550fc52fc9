import { utf8 } from "../bytes/encoding.ts";
import type { CoreDeps } from "../deps.ts";
import { invalidArgs } from "../errors/flare-error.ts";
import { parseYamlMapping } from "../inputs/structured.ts";
import { isValidDeployVersion } from "../names/name-rules.ts";
import { readProfileName } from "../profile/parse-profile.ts";
import { createRootCa } from "./create-root-ca.ts";

/** A file of a planned folder: its name inside the folder, bytes and Unix mode. */
export interface FolderFile {
  name: string;
  bytes: Uint8Array;
  mode: number;
}

/** Inputs of {@link planCaFolder}, as `cert init`'s flags name them. */
export interface CaFolderInput {
  /** The project profile; `path` names it in messages and is recorded in ca.json. */
  profile: { path: string; bytes: Uint8Array };
  org?: string | undefined;
  /** Root validity in days; `cert init` defaults to 3650. */
  validDays: number;
  /** Two digits; `cert init` defaults to `"00"`. */
  deployVersion: string;
}

/** A CA folder computed in memory: what `cert init` reports and the files it writes. */
export interface CaFolderPlan {
  project: string;
  provisionVersion: string;
  fingerprint: string;
  subjectCn: string;
  validUntil: string;
  /** rootCA.key (0600), rootCA.pem (0644), ca.json (0600), in `cert init`'s write order. */
  files: FolderFile[];
}

/**
 * `cert init` without a file system (validation.md §4.1 rows 1, 3-5, 10-12): checks the
 * validity and deploy version as the CLI's argument parser does, reads the project name from
 * the profile with the same codes and messages, generates the root key and certificate and
 * returns the CA folder's files with the modes `cert init` gives them. The folder rules (rows
 * 6-9: an existing CA, `--force`) belong to whoever writes the files.
 */
export async function planCaFolder(input: CaFolderInput, deps: CoreDeps): Promise<CaFolderPlan> {
  // Row 1: argparse's messages for the two typed flags (src/cli/command-spec.ts).
  if (!Number.isInteger(input.validDays) || input.validDays < 1)
    throw invalidArgs("argument --valid-days: value must be >= 1");
  if (!isValidDeployVersion(input.deployVersion))
    throw invalidArgs("argument --deploy-version: version must be exactly two digits, for example 00");
  const { path, bytes } = input.profile;
  const project = readProfileName(parseYamlMapping(bytes, path), path);
  const ca = await createRootCa(
    {
      project,
      org: input.org === "" ? undefined : input.org,
      validDays: input.validDays,
      deployVersion: input.deployVersion,
      profilePath: path,
    },
    deps,
  );
  return {
    project,
    provisionVersion: input.deployVersion,
    fingerprint: ca.fingerprint,
    subjectCn: project,
    validUntil: ca.validUntil,
    files: [
      { name: "rootCA.key", bytes: utf8(ca.keyPem), mode: 0o600 },
      { name: "rootCA.pem", bytes: utf8(ca.certPem), mode: 0o644 },
      { name: "ca.json", bytes: utf8(ca.caJson), mode: 0o600 },
    ],
  };
}

/**
 * The error-code catalogue: every code a command can emit, its exit class and its
 * default message and hint (spec validation.md §6, cli.md §7). Exit 1 = operational
 * failure, 4 = invalid input or trust failure, 5 = a bug.
 */
export const ERROR_CODES = {
  INVALID_ARGS: { exit: 4, message: "Invalid arguments.", hint: "Run the command with -h for usage." },
  INVALID_NAME: {
    exit: 4,
    message: "Invalid name.",
    hint: "The name must be 64 characters or fewer and must not contain leading/trailing whitespace.",
  },
  INVALID_PROJECT_NAME: {
    exit: 4,
    message: "Invalid project name.",
    hint: "Project name must start with a letter or digit and contain only letters, digits, hyphens, underscores, or dots.",
  },
  OUTPUT_DIR_NOT_WRITABLE: {
    exit: 1,
    message: "Cannot write to output directory.",
    hint: "Check directory permissions or choose a different output directory.",
  },
  CERT_GENERATION_FAILED: {
    exit: 1,
    message: "Failed to generate certificate.",
    hint: "Check that the platform's WebCrypto supports RSA-2048 key generation.",
  },
  CA_ALREADY_EXISTS: {
    exit: 1,
    message: "Root CA already exists.",
    hint: "Use --force to overwrite, or choose a different output directory.",
  },
  CA_VERSION_ALREADY_EXISTS: {
    exit: 4,
    message: "Deploy version already exists in the CA directory.",
    hint: "Use a new --deploy-version or a fresh output directory.",
  },
  CA_NOT_FOUND: {
    exit: 1,
    message: "No root CA found.",
    hint: "Run 'nvflare cert init' first, or specify the correct --ca-dir.",
  },
  CA_LOAD_FAILED: {
    exit: 1,
    message: "Failed to load root CA material.",
    hint: "Check that rootCA.pem, rootCA.key and ca.json are readable, valid and the key is unencrypted.",
  },
  REQUEST_ZIP_NOT_FOUND: {
    exit: 1,
    message: "Request zip not found.",
    hint: "Provide the .request.zip file created by 'nvflare cert request'.",
  },
  INVALID_CSR: {
    exit: 1,
    message: "Invalid or corrupt CSR file.",
    hint: "Create a new request with 'nvflare cert request'.",
  },
  CSR_GENERATION_FAILED: {
    exit: 1,
    message: "CSR generation failed.",
    hint: "Check that the platform's WebCrypto supports RSA-2048 key generation.",
  },
  KEY_ALREADY_EXISTS: {
    exit: 1,
    message: "Private key already exists.",
    hint: "Use --force to overwrite, or choose a different output directory.",
  },
  CERT_ALREADY_EXISTS: {
    exit: 1,
    message: "Signed certificate already exists.",
    hint: "Use --force to overwrite.",
  },
  CERT_SIGNING_FAILED: {
    exit: 1,
    message: "Certificate signing failed.",
    hint: "Check that the CA certificate is a valid, unexpired CA and its key is readable.",
  },
  PROJECT_CA_MISMATCH: {
    exit: 4,
    message: "Request project does not match the CA project.",
    hint: "Use the CA directory for the same project as the request.",
  },
  PROJECT_PROFILE_MISMATCH: {
    exit: 4,
    message: "Request project does not match the project profile.",
    hint: "Use the project_profile.yaml for the same federation as the request.",
  },
  SERVER_NAME_HOST_MISMATCH: {
    exit: 4,
    message: "Server participant name does not match project profile server.host.",
    hint: "Set the participant name in your participant definition to match server.host in project_profile.yaml.",
  },
  INVALID_ROOTCA_FINGERPRINT: {
    exit: 4,
    message: "Invalid root CA fingerprint.",
    hint: "Use the SHA256 fingerprint printed by 'nvflare cert init' or 'openssl x509 -fingerprint -sha256'.",
  },
  ROOTCA_FINGERPRINT_MISMATCH: {
    exit: 4,
    message: "Root CA fingerprint mismatch.",
    hint: "Verify that the signed zip came from the intended Project Admin.",
  },
  SIGNED_ZIP_NOT_FOUND: {
    exit: 1,
    message: "Signed zip not found.",
    hint: "Provide the .signed.zip returned by 'nvflare cert approve'.",
  },
  INVALID_SIGNED_ZIP: {
    exit: 4,
    message: "Invalid signed zip.",
    hint: "Ask the Project Admin to regenerate the signed zip.",
  },
  SIGNED_ZIP_IDENTITY_CONFLICT: {
    exit: 4,
    message: "Signed zip identity conflict.",
    hint: "Ask the Project Admin to regenerate the signed zip.",
  },
  CERT_TYPE_UNKNOWN: {
    exit: 1,
    message: "Unknown certificate type: the certificate type is missing or unrecognized.",
    hint: "Use a signed zip produced by 'nvflare cert approve'.",
  },
  REQUEST_DIR_NOT_FOUND: {
    exit: 1,
    message: "Local request directory was not found.",
    hint: "Use --request-dir to point to the folder created by 'nvflare cert request'.",
  },
  REQUEST_DIR_INCOMPLETE: {
    exit: 1,
    message: "The specified --request-dir is missing local request material.",
    hint: "Provide the directory created by 'nvflare cert request'.",
  },
  REQUEST_DIR_MISMATCH: {
    exit: 4,
    message: "The specified --request-dir does not match the signed zip request_id.",
    hint: "Use the directory created by 'nvflare cert request' for this signed zip.",
  },
  KEY_NOT_FOUND: {
    exit: 1,
    message: "Private key file not found.",
    hint: "Provide the private key generated by 'nvflare cert request'.",
  },
  REQUEST_METADATA_NOT_FOUND: {
    exit: 1,
    message: "Local request metadata was not found.",
    hint: "Use --request-dir to point to the folder created by 'nvflare cert request'.",
  },
  REQUEST_METADATA_INVALID: {
    exit: 4,
    message: "Local request metadata is invalid.",
    hint: "Use the original request folder created by 'nvflare cert request'.",
  },
  REQUEST_METADATA_MISMATCH: {
    exit: 4,
    message: "Local request metadata does not match the signed zip.",
    hint: "Use the signed zip returned for this request, or point --request-dir to the matching request folder.",
  },
  CERT_CHAIN_INVALID: {
    exit: 1,
    message: "Certificate is not signed by the root CA.",
    hint: "Ask the Project Admin to sign the request with the same root CA that is in the signed zip.",
  },
  CERT_EXPIRED: {
    exit: 1,
    message: "Certificate expired.",
    hint: "Request a new certificate from the Project Admin.",
  },
  KEY_INVALID: {
    exit: 1,
    message: "Failed to load private key.",
    hint: "Use the original private key generated by 'nvflare cert request'.",
  },
  KEY_CERT_MISMATCH: {
    exit: 1,
    message: "The local private key does not match the signed certificate.",
    hint: "Use the request directory that contains the key generated for this signed zip.",
  },
  LOCAL_SITE_INVALID: {
    exit: 4,
    message: "Invalid local participant definition.",
    hint: "Use the original request folder created by 'nvflare cert request'.",
  },
  LOCAL_SITE_MISMATCH: {
    exit: 4,
    message: "Local participant definition does not match the signed zip.",
    hint: "Use the original request folder created for this signed zip.",
  },
  LOCAL_SITE_UNSUPPORTED_FEATURE: {
    exit: 4,
    message: "Local participant definition uses a feature unsupported by distributed provisioning.",
    hint: "Use centralized provisioning ('nvflare provision') for this feature.",
  },
  ROOTCA_LOAD_FAILED: {
    exit: 4,
    message: "Existing production directory contains an unreadable rootCA.pem.",
    hint: "Inspect or remove the damaged rootCA.pem, or use a different --workspace.",
  },
  OUTPUT_DIR_EXISTS: {
    exit: 1,
    message: "Participant output already exists.",
    hint: "Use --force to replace this participant output. --force does not bypass root CA mismatch checks.",
  },
  BUILD_FAILED: {
    exit: 1,
    message: "Kit assembly failed during provisioning.",
    hint: "See error output above for details.",
  },
  BUILDER_PYTHON_NOT_FOUND: {
    exit: 4,
    message: "These builders need NVFlare's Python, and none was found.",
    hint: "Install NVFlare into a Python (pip install nvflare) and pass it with --python PATH or FLARE_PROVISION_PYTHON, or remove those entries of 'builders' in the request folder's site.yaml.",
  },
  BUILDER_OUTPUT_REFUSED: {
    exit: 4,
    message: "A builder's output was refused; nothing was written.",
    hint: "A builder may add files to the kit but must not write outside its staging folder, create links, or change the certificate, key, root CA or the approved endpoint. Fix or remove it in 'builders' of the request folder's site.yaml.",
  },
  INSPECT_CHECKS_FAILED: {
    exit: 4,
    message: "Some checks failed.",
    hint: "Each failed check names what is wrong; replace the artifact or ask its producer to regenerate it.",
  },
  BATCH_APPROVE_FAILED: {
    exit: 4,
    message: "Some request zips could not be approved.",
    hint: "Fix or remove the failed request zips and approve them again; the others were processed.",
  },
  CA_KEY_LOCKED: {
    exit: 4,
    message: "The passphrase does not unlock the root CA key.",
    hint: "Nothing was signed. Check the passphrase (a --passphrase-file's first line, or the variable --passphrase-env names); if it is lost, the key cannot be recovered and a new CA is needed ('nvflare cert init' in a fresh directory).",
  },
  PASSPHRASE_REQUIRED: {
    exit: 4,
    message: "A passphrase is needed and none could be read.",
    hint: "Run the command in a terminal to be asked for it (nothing is echoed), or pass --passphrase-file FILE (first line) or --passphrase-env NAME (an environment variable). It is never taken from the command line.",
  },
  REQUEST_CODE_MISMATCH: {
    exit: 4,
    message: "The request code does not match the request zip.",
    hint: "Do not approve: this zip is not the one the participant made (or the code was misheard). Ask the participant to read the code from their request folder again, or to send a new request.",
  },
  ROSTER_INVALID: {
    exit: 4,
    message: "Invalid roster.",
    hint: "Fix the field named above; a roster lists participants with name, type (server, client, admin), org, role (admins only) and optionally request_code.",
  },
  ROSTER_NOT_LISTED: {
    exit: 4,
    message: "The participant is not on the roster.",
    hint: "Do not approve a request you did not expect. If the participant is genuine, add it to the roster (with its request code, read out by the participant) and approve again.",
  },
  ROSTER_MISMATCH: {
    exit: 4,
    message: "The request differs from the roster.",
    hint: "Do not approve: the request asks for something other than what you expected. Ask the participant for a new request, or correct the roster if it is wrong.",
  },
  ROSTER_DUPLICATE_REQUEST: {
    exit: 4,
    message: "Several request zips are for the same participant.",
    hint: "At most one of them is genuine: list the participant's request code in the roster (read out by the participant) so that only the genuine zip is approved, or remove the others.",
  },
  KIT_UPDATE_MISMATCH: {
    exit: 4,
    message: "The signed zip is not for this startup kit.",
    hint: "package --update only renews a kit of the same participant, project and root CA; package the signed zip without --update into its own kit (or use the signed zip made for this kit).",
  },
  UI_NOT_BUILT: {
    exit: 1,
    message: "The web app is not built.",
    hint: "Run 'npm run build' (it writes dist/ui/), then start 'flare-provision ui' again.",
  },
  UI_PORT_IN_USE: {
    exit: 1,
    message: "The port is already in use.",
    hint: "Choose another --port, or --port 0 for any free port.",
  },
  CRL_NOT_FOUND: {
    exit: 1,
    message: "CRL file not found.",
    hint: "Provide the CRL (PEM or DER) written by the Project Admin's CA.",
  },
  CRL_INVALID: {
    exit: 4,
    message: "Not a usable CRL.",
    hint: "Ask the Project Admin for a complete X.509 v2 CRL with a CRL number, signed by the project root CA.",
  },
  CRL_ISSUER_MISMATCH: {
    exit: 4,
    message: "The CRL was not issued by the kit's root CA.",
    hint: "Use the CRL of this project's CA, or the kit of the federation the CRL belongs to.",
  },
  CRL_SIGNATURE_INVALID: {
    exit: 4,
    message: "The CRL signature does not verify with the root CA key.",
    hint: "The CRL was altered or signed by another key: get a fresh copy from the Project Admin.",
  },
  CRL_NOT_CURRENT: {
    exit: 4,
    message: "The CRL is not current.",
    hint: "Ask the Project Admin for a fresh CRL, or pass --force to install this one anyway.",
  },
  CRL_OUTDATED: {
    exit: 4,
    message: "The CRL is older than the one installed.",
    hint: "Install the newest CRL; pass --force only to roll back on purpose.",
  },
  KIT_NOT_FOUND: {
    exit: 1,
    message: "Startup kit folder not found.",
    hint: "Point KIT_DIR at the folder 'nvflare package' wrote (the one holding startup/ and local/).",
  },
  KIT_INVALID: {
    exit: 4,
    message: "Not a startup kit.",
    hint: "Point KIT_DIR at the folder 'nvflare package' wrote (the one holding startup/ and local/).",
  },
  KIT_NOT_SERVER: {
    exit: 4,
    message: "Not a server startup kit.",
    hint: "Install the CRL into the server's kit: the server refuses revoked participants for everyone.",
  },
  TOO_MANY_OPEN_FILES: {
    exit: 1,
    message: "Too many open files.",
    hint: "Raise the open-file limit (for example 'ulimit -n 1024') and run the command again.",
  },
  OUTPUT_LOCKED: {
    exit: 1,
    message: "Another command is writing the same output.",
    hint: "Wait for it to finish and run the command again; if none is running, remove the lock file named above.",
  },
  LEDGER_INVALID: {
    exit: 4,
    message: "The issuance ledger does not verify.",
    hint: "Restore ledger.jsonl and ledger.head.json from a backup ('nvflare cert ledger verify' names the first bad entry); if the root CA was replaced with 'cert init --force', move both files aside to start a new ledger.",
  },
  CA_LOCKED: {
    exit: 1,
    message: "The CA folder is locked by another command.",
    hint: "Wait for the other approval or revocation to finish, then run the command again.",
  },
  NOTHING_TO_REVOKE: {
    exit: 4,
    message: "No valid certificate matches.",
    hint: "Run 'nvflare cert list --ca-dir DIR' to see what the CA issued and what is already revoked or expired.",
  },
  CERT_REVOKED: {
    exit: 4,
    message: "The certificate is revoked.",
    hint: "Ask the Project Admin for a new certificate: request and approve again.",
  },
  INTERNAL_ERROR: {
    exit: 5,
    message: "An unexpected error occurred.",
    hint: "This is a bug in flare-provision; rerun with FLARE_PROVISION_DEBUG=1 and report the stack trace.",
  },
} as const satisfies Record<string, { exit: 1 | 4 | 5; message: string; hint: string }>;

/** Every stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The process exit status for a code. */
export function exitCodeFor(code: ErrorCode): 1 | 4 | 5 {
  return ERROR_CODES[code].exit;
}

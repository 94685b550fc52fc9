import { CertificateParseError, type ParsedCertificate, parseCertificateDer } from "./certificate.ts";
import { findPemBlocks, textOutsidePemBlocks } from "./pem.ts";

const ONLY_ONE = "exactly one CERTIFICATE block and nothing else is allowed";

/**
 * Parses a PEM file that must be exactly one `CERTIFICATE` block, with nothing but whitespace
 * around it: a `rootCA.pem` (signed zip, CA folder, kit) or a `custom_ca_cert`. TLS stacks load
 * such a file as a trust bundle and trust every certificate in it, so a second certificate would
 * be a root the out-of-band fingerprint never covered; a private-key block would be copied into
 * a 0644 kit file. Text outside the block is refused too: another PEM reader might find a
 * certificate in it that this one skipped. Throws {@link CertificateParseError} saying why.
 */
export function parseSoleCertificate(pem: string | Uint8Array): ParsedCertificate {
  let blocks: ReturnType<typeof findPemBlocks>;
  try {
    blocks = findPemBlocks(pem);
  } catch (error) {
    throw new CertificateParseError((error as Error).message, { cause: error });
  }
  if (blocks.length === 0) throw new CertificateParseError('no PEM data found (expected "CERTIFICATE")');
  if (blocks.length > 1 || blocks[0]?.label !== "CERTIFICATE") {
    const labels = blocks.map((b) => b.label).join(", ");
    throw new CertificateParseError(
      `the file holds ${blocks.length} PEM block${blocks.length === 1 ? "" : "s"} (${labels}); ${ONLY_ONE}`,
    );
  }
  if (textOutsidePemBlocks(pem).trim() !== "")
    throw new CertificateParseError(`the file holds text outside its CERTIFICATE block; ${ONLY_ONE}`);
  return parseCertificateDer(blocks[0].der);
}

/**
 * A `custom_ca_cert` file (startup-kits.md §3): one certificate as {@link parseSoleCertificate}
 * requires, and a CA (BasicConstraints CA:TRUE, RFC 5280 §4.2.1.9). Throws
 * {@link CertificateParseError} saying why not.
 */
export function parseCaCertificateFile(pem: string | Uint8Array): ParsedCertificate {
  const cert = parseSoleCertificate(pem);
  if (cert.isCa !== true) {
    throw new CertificateParseError(
      cert.isCa === undefined
        ? "the certificate has no BasicConstraints extension, so it is not a CA certificate"
        : "the certificate is not a CA certificate (BasicConstraints CA:FALSE)",
    );
  }
  return cert;
}

/**
 * The CRLReason names `cert revoke --reason` accepts (RFC 5280 §5.3.1), without removeFromCRL,
 * which only a delta CRL may carry. Kept free of imports so the CLI's argument table can load it.
 */
export const REVOCATION_REASONS: readonly string[] = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "privilegeWithdrawn",
  "aACompromise",
];

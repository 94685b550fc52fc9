/** Days before expiry from which `cert inspect` warns about kit certificates (and says how to renew). */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * What to run to renew a participant's certificate without losing the kit's settings
 * (docs/security.md "Renewal"): a new request (new key, or the same one), the Project Admin's
 * approval, then `package --update`, which keeps `local/` and `transfer/`.
 */
export function renewalAdvice(name: string, days: number): string {
  const when = days < 0 ? `expired ${-days} days ago` : `expires in ${days} days`;
  return `the certificate ${when}: renew with 'nvflare cert request -p <participant file> --force' (or --reuse-key to keep the key) in the request folder, send the request zip and its code to the Project Admin, then 'nvflare package ${name}.signed.zip --update' (keeps local/ and transfer/)`;
}

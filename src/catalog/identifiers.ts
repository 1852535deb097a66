/** Product identifiers: GTIN (EAN/UPC/ITF-14) with check digit, as Google and GS1 define it. */

/** True for an 8, 12, 13 or 14 digit GTIN whose GS1 mod-10 check digit is right. */
export function isValidGtin(gtin: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(gtin)) return false;
  if (/^0+$/.test(gtin)) return false;
  return gtinCheckDigit(gtin.slice(0, -1)) === Number(gtin[gtin.length - 1]);
}

/** GS1 check digit for the digits before it (weights 3,1,3,... from the right). */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** The 14-digit form (GTIN-14), which schema.org's `gtin` accepts and which compares equal across lengths. */
export function toGtin14(gtin: string): string {
  return gtin.padStart(14, '0');
}

/**
 * The two kinds of credential the store keeps: API tokens for the admin API (TokenRecord; the secret itself
 * is stored only as its hash) and the verifiable credentials the merchant issues, with the bitstring status
 * lists that record their revocation. The methods that store them (TokenStore, CredentialStore) are in
 * contract.ts.
 */

/** An admin API token as listed and checked; its secret is not kept, only its hash (see src/auth/tokens.ts). */
export interface TokenRecord {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export interface CredentialRecord {
  id: string;
  type: string;
  /** What the credential attests, for automatic re-issue: 'merchant', 'return-policy:<id>', ... */
  subjectKey?: string;
  /** The credential subject's @id (the same @id as in the JSON-LD catalog). */
  subjectId: string;
  /** The product it covers, when it covers one (its catalog document links to it). */
  productId?: string;
  contentHash: string;
  statusList: string;
  statusIndex: number;
  keyId: string;
  issuedAt: string;
  validUntil?: string;
  revokedAt?: string;
  /** The Data Integrity secured credential (JSON). */
  vc: string;
  /** The same credential as application/vc+jwt. */
  jwt: string;
}

export interface CredentialQuery {
  limit: number;
  after?: string;
  type?: string;
  subjectId?: string;
  productId?: string;
  includeRevoked?: boolean;
}

export interface StatusListRecord {
  id: string;
  purpose: string;
  length: number;
  allocated: number;
  bits: Buffer;
  vc?: string;
  updatedAt: string;
}

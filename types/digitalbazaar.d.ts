// The Digital Bazaar VC stack ships no TypeScript types; these shims type what ucpd uses.
declare module '@digitalbazaar/vc' {
  export function issue(options: { credential: object; suite: unknown; documentLoader: unknown; now?: Date }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: { credential: object; suite: unknown; documentLoader: unknown; checkStatus?: (options: { credential: object }) => Promise<unknown>; now?: Date }): Promise<{
    verified: boolean;
    error?: Error & { errors?: Error[] };
    results?: { verified: boolean; error?: Error }[];
    statusResult?: { verified: boolean; results?: { status?: boolean; error?: Error }[] };
  }>;
  export function verify(options: {
    presentation: object;
    suite: unknown;
    documentLoader: unknown;
    challenge?: string;
    domain?: string;
    unsignedPresentation?: boolean;
    checkStatus?: (options: { credential: object }) => Promise<unknown>;
    now?: Date;
  }): Promise<{
    verified: boolean;
    error?: Error & { errors?: Error[] };
    presentationResult?: { verified: boolean };
    credentialResults?: { verified: boolean; error?: Error; statusResult?: { results?: { status?: boolean }[] } }[];
  }>;
  export function createPresentation(options: { verifiableCredential?: object | object[]; id?: string; holder?: string; version?: number }): Record<string, unknown>;
  export function signPresentation(options: { presentation: object; suite: unknown; documentLoader: unknown; challenge: string; domain?: string }): Promise<Record<string, unknown>>;
}
declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { signer?: unknown; cryptosuite: unknown; date?: Date | string });
  }
}
declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: unknown;
}
declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519KeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    signer(): unknown;
    export(options: { publicKey?: boolean; secretKey?: boolean; includeContext?: boolean }): Promise<Record<string, unknown>>;
  }
  export function fromJwk(options: { jwk: object; secretKey?: boolean; id?: string; controller?: string }): Promise<Ed25519KeyPair>;
  export function from(key: object): Promise<Ed25519KeyPair>;
  export function generate(options?: { id?: string; controller?: string; seed?: Uint8Array }): Promise<Ed25519KeyPair>;
  export function toJwk(options: { keyPair: Ed25519KeyPair; secretKey?: boolean }): Promise<object>;
}
declare module '@digitalbazaar/ecdsa-multikey' {
  export function fromJwk(options: { jwk: object; secretKey?: boolean; id?: string; controller?: string }): Promise<{ publicKeyMultibase: string }>;
}
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, object>;
}
declare module '@digitalbazaar/multikey-context' {
  const value: { contexts: Map<string, object>; CONTEXT_URL: string };
  export default value;
}
declare module 'did-context' {
  const value: { contexts: Map<string, object>; CONTEXT_URL: string };
  export default value;
}
declare module '@digitalbazaar/vc-bitstring-status-list' {
  export interface StatusList {
    setStatus(index: number, status: boolean): void;
    getStatus(index: number): boolean;
    encode(): Promise<string>;
    length: number;
  }
  export function createList(options: { length: number }): Promise<StatusList>;
  export function decodeList(options: { encodedList: string }): Promise<StatusList>;
  export function createCredential(options: { id: string; list: StatusList; statusPurpose: string; context?: string }): Promise<Record<string, unknown>>;
  export function checkStatus(options: {
    credential: object;
    documentLoader: unknown;
    suite: unknown;
    verifyStatusListCredential?: boolean;
    verifyMatchingIssuers?: boolean;
  }): Promise<{ verified: boolean; results?: { status?: boolean; error?: Error }[]; error?: Error }>;
}

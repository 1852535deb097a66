import { describe, expect, test } from '@jest/globals';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { contentDigest, signMessage, verifyMessage, type MessageParts } from '../../src/trust/http-signatures.js';
import { didDocumentPath, didFromBaseUrl } from '../../src/trust/did.js';

// RFC 9421 Appendix B.1.3 (test-key-ecc-p256, public part) and B.2.4 (a response signed with it).
const RFC_P256 = createPublicKey(`-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf
w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END PUBLIC KEY-----`);
const B24: MessageParts = {
  status: 200,
  headers: {
    'content-type': 'application/json',
    'content-digest': 'sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:',
    'content-length': '23',
    'signature-input': 'sig-b24=("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"',
    signature: 'sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:',
  },
};

describe('RFC 9421 message signatures', () => {
  test('verifies the RFC 9421 B.2.4 ECDSA P-256 example', async () => {
    const r = await verifyMessage(B24, { keyFor: (kid) => (kid === 'test-key-ecc-p256' ? RFC_P256 : undefined), now: 1618884473 });
    expect(r).toEqual({ label: 'sig-b24', keyid: 'test-key-ecc-p256', created: 1618884473, components: ['@status', 'content-type', 'content-digest', 'content-length'] });
  });

  test('the same example with one covered field changed fails', async () => {
    const tampered = { ...B24, headers: { ...B24.headers, 'content-length': '24' } };
    await expect(verifyMessage(tampered, { keyFor: () => RFC_P256, now: 1618884473 })).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const body = Buffer.from('{"hello":"agents"}');
  const request: MessageParts = { method: 'GET', authority: 'shop.example', path: '/products/p1', query: '?country=US', headers: {} };
  const response = (extra: Record<string, string> = {}): MessageParts => ({ status: 200, headers: { 'content-type': 'application/ld+json', 'content-digest': contentDigest(body), ...extra } });
  const sign = (created = 1_800_000_000, expires = created + 300) =>
    signMessage(
      response(),
      { components: ['@status', 'content-digest', 'content-type', '@method;req', '@authority;req', '@path;req', '@query;req'], keyid: 'k1', privateKey, created, expires },
      request,
    );
  const verify = (headers: Record<string, string>, o: Partial<Parameters<typeof verifyMessage>[1]> = {}, req = request, b: Buffer = body) =>
    verifyMessage(response(headers), { keyFor: (kid) => (kid === 'k1' ? jwk : undefined), body: b, now: 1_800_000_010, ...o }, req);

  test('sign then verify, with request components and the digest', async () => {
    const signed = sign();
    expect(signed['signature-input']).toBe('sig1=("@status" "content-digest" "content-type" "@method";req "@authority";req "@path";req "@query";req);created=1800000000;expires=1800000300;keyid="k1"');
    expect(Buffer.from(/:(.*):/.exec(signed.signature)![1]!, 'base64')).toHaveLength(64); // raw r||s
    await expect(verify({ ...signed })).resolves.toMatchObject({ keyid: 'k1', created: 1800000000, expires: 1800000300 });
  });

  test.each([
    ['a changed body byte', (s: Record<string, string>) => verify(s, {}, request, Buffer.from('{"hello":"agentz"}')), 'digest_mismatch'],
    ['another path', (s: Record<string, string>) => verify(s, {}, { ...request, path: '/products/p2' }), 'signature_invalid'],
    ['another authority', (s: Record<string, string>) => verify(s, {}, { ...request, authority: 'evil.example' }), 'signature_invalid'],
    ['an unknown key', (s: Record<string, string>) => verify(s, { keyFor: () => undefined }), 'key_not_found'],
    ['an expired signature', (s: Record<string, string>) => verify(s, { now: 1_800_001_000 }), 'signature_expired'],
    ['no signature', () => verify({}), 'signature_missing'],
    ['a required component not covered', (s: Record<string, string>) => verify(s, { required: ['ucp-agent'] }), 'signature_invalid'],
    ['an unsupported alg', (s: Record<string, string>) => verify({ ...s, 'signature-input': `${s['signature-input']};alg="rsa-pss-sha512"` }), 'algorithm_unsupported'],
    ['a garbled header', (s: Record<string, string>) => verify({ ...s, signature: 'sig1=not-bytes' }), 'signature_invalid'],
    ['a non-P-256 key', (s: Record<string, string>) => verify(s, { keyFor: () => ({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }) }), 'algorithm_unsupported'],
  ])('%s is refused', async (_name, run, code) => {
    await expect(run({ ...sign() })).rejects.toMatchObject({ code });
  });
});

describe('did:web', () => {
  test.each([
    ['https://shop.example', 'did:web:shop.example', '/.well-known/did.json'],
    ['https://Shop.Example:8443', 'did:web:shop.example%3A8443', '/.well-known/did.json'],
    ['http://127.0.0.1:8080', 'did:web:127.0.0.1%3A8080', '/.well-known/did.json'],
    ['https://example.com/stores/acme', 'did:web:example.com:stores:acme', '/stores/acme/did.json'],
  ])('%s -> %s at %s', (base, did, path) => {
    expect(didFromBaseUrl(base)).toBe(did);
    expect(didDocumentPath(base)).toBe(path);
  });
});

/** What a wire codec is (codec.ts picks one per protocol version). */
import type { UcpMessage } from '../messages.js';
import type { Negotiated } from '../negotiation.js';

export type Json = Record<string, unknown>;

/** What an operation's body is. */
export type Resource = 'search' | 'lookup' | 'product' | 'checkout' | 'cart' | 'order';

export interface WireCodec {
  readonly version: string;
  /** A request body of this version, in the model the services read. */
  request(resource: Resource, body: Json): Json;
  /** Business outcomes a request of this version meets before it reaches a service (e.g. a sale unit ucpd does not sell in). */
  refuse?(resource: Resource, body: Json): UcpMessage[];
  /** A response body (its `ucp` envelope aside) of the model, in this version's shape; `n`: what was negotiated. */
  response(resource: Resource, body: Json, n: Pick<Negotiated, 'capabilities'>): Json;
}

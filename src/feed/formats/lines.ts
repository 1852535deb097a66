/** Line splitting over a byte stream, with 1-based line numbers and a byte counter for progress. */
import { StringDecoder } from 'node:string_decoder';

export interface Line {
  text: string;
  number: number;
  /** False for a last line with no newline after it (a possibly truncated file). */
  terminated: boolean;
}

export class ByteCounter {
  bytes = 0;
}

export async function* lines(stream: AsyncIterable<Buffer | string>, counter: ByteCounter): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let number = 0;
  for await (const chunk of stream) {
    counter.bytes += chunk.length;
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      number++;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { text: text.slice(start, end), number, terminated: true };
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  carry += decoder.end();
  if (carry.length > 0) yield { text: carry.endsWith('\r') ? carry.slice(0, -1) : carry, number: number + 1, terminated: false };
}

/** UCP messages (types/message.json): business outcomes and advice, carried in 200 responses. */

export type Severity = 'recoverable' | 'requires_buyer_input' | 'requires_buyer_review' | 'unrecoverable';

export type UcpMessage =
  | { type: 'error'; code: string; content: string; severity: Severity; path?: string; content_type?: 'plain' | 'markdown' }
  | { type: 'warning'; code: string; content: string; path?: string; content_type?: 'plain' | 'markdown'; presentation?: 'notice' | 'disclosure' }
  | { type: 'info'; content: string; code?: string; path?: string; content_type?: 'plain' | 'markdown' };

export const info = (code: string, content: string, path?: string): UcpMessage => ({ type: 'info', code, content, ...(path ? { path } : {}) });
export const warning = (code: string, content: string, path?: string): UcpMessage => ({ type: 'warning', code, content, ...(path ? { path } : {}) });
export const error = (code: string, content: string, severity: Severity, path?: string): UcpMessage => ({ type: 'error', code, content, severity, ...(path ? { path } : {}) });

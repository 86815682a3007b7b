/**
 * Errors crossing a worker thread keep their class: structured clone turns
 * every Error into a plain Error, and the CLI tells a user's mistake (exit 2)
 * from a patlab bug (exit 1) by class.
 */

import { NotModelledError } from '../kernel/not-modelled.js';
import { InputError } from './input-error.js';

export type SerializedError =
  | { class: 'InputError'; file: string; line: number; col: number; detail: string }
  | { class: 'NotModelledError'; what: string; where?: { file: string; line: number; col: number } }
  | { class: 'Error'; message: string; stack?: string };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof InputError) return { class: 'InputError', file: e.file, line: e.line, col: e.col, detail: e.detail };
  if (e instanceof NotModelledError) return { class: 'NotModelledError', what: e.what, ...(e.where ? { where: e.where } : {}) };
  if (e instanceof Error) return { class: 'Error', message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}) };
  return { class: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  switch (s.class) {
    case 'InputError':
      return new InputError(s.file, s.line, s.col, s.detail);
    case 'NotModelledError':
      return new NotModelledError(s.what, s.where);
    default: {
      const e = new Error(s.message);
      if (s.stack !== undefined) e.stack = s.stack;
      return e;
    }
  }
}

// Errors across the process boundary: a UserError arrives as a UserError (its catalogue messages,
// next step and code kept), a cancellation as an AbortError, anything else as an Error with its text.
import { UserError } from '../../shared/userError';
import type { WireError } from './protocol';

export function toWire(error: unknown): WireError {
  if (error instanceof UserError) {
    return { name: error.name, message: error.message, text: error.text, ...(error.next ? { next: error.next } : {}), ...(error.code ? { code: error.code } : {}) };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

export function fromWire(wire: WireError): Error {
  if (wire.text) {
    const error = new UserError(wire.text, wire.next, wire.code);
    if (wire.name !== 'UserError') error.name = wire.name;
    return error;
  }
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

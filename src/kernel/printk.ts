/**
 * Kernel messages and the few `vsprintf` conversions they use (lib/vsprintf.c;
 * spec 02 §0, §20; FORMAT §5).
 *
 * Messages are events: a level and the text without its trailing newline.
 * A WARN is rendered as `WARNING: <text>` (FORMAT §5 messages 7 and 8), the
 * rendering the goldens fix and spec/07 C3 adopts for every WARN site.
 */

import type { ChainLog } from './chain.js';

export type LogLevel = 'err' | 'warn' | 'info' | 'debug' | 'warning-splat';

export interface KernelMessage {
  level: LogLevel;
  text: string;
}

/** Where modelled kernel code prints to; the kernel's sink also carries the decision log (kernel/chain.ts). */
export interface Printk extends ChainLog {
  emit(level: LogLevel, text: string): void;
}

/** A printk sink that keeps every message, in order. */
export class MessageLog implements Printk {
  readonly messages: KernelMessage[] = [];
  emit(level: LogLevel, text: string): void {
    this.messages.push({ level, text });
  }
}

const TWO64 = 1n << 64n;

/**
 * The unsigned 64-bit value of a number as the kernel's u64 arithmetic would
 * hold it: negative results of `end - 1` wrap (e.g. -1 is 0xffff...ffff).
 */
function u64Hex(v: number | bigint): string {
  if (typeof v === 'bigint') return (((v % TWO64) + TWO64) % TWO64).toString(16);
  if (v >= 0) return v.toString(16);
  return (TWO64 + BigInt(v)).toString(16);
}

/** `%Lx` / `%llx`: bare lower-case hex. */
export function fmtLx(v: number | bigint): string {
  return u64Hex(v);
}

/**
 * `%#010Lx`: "0x" and at least 8 hex digits. The kernel's `number()` prints
 * the prefix for zero too (`0x00000000`), unlike C's printf.
 */
export function fmtHash010Lx(v: number | bigint): string {
  return '0x' + u64Hex(v).padStart(8, '0');
}

/** `0x%016Lx`: literal "0x" and exactly 16 digits (wider values in full). */
export function fmt016Lx(v: number | bigint): string {
  return '0x' + u64Hex(v).padStart(16, '0');
}

/** `[mem %#010Lx-%#010Lx]` with an exclusive end printed as end - 1. */
export function memRange(start: number, endExclusive: number): string {
  return `[mem ${fmtHash010Lx(start)}-${fmtHash010Lx(endExclusive - 1)}]`;
}

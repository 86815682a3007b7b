/** HTML escaping for text and attribute values (every string from a scenario is user input). */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export { hex } from '../../../hw/hex.js';

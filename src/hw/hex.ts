/** `0x` + lower-case hex, no padding: how machine files, results and messages write addresses (every layer writes them alike). */
export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}

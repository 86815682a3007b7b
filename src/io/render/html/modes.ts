/**
 * The two vocabularies the comparison carries (cache-mode names such as
 * `write-combining` for requested/installed, memory-type short names such as
 * `WC` for effective) folded into one short form, and the one palette every
 * view uses, so a colour means the same memtype in the table, the strips, the
 * lanes and the charts.
 */

const LONG_TO_SHORT: Readonly<Record<string, string>> = {
  'write-back': 'WB',
  'write-combining': 'WC',
  'uncached-minus': 'UC-',
  uncached: 'UC',
  uncachable: 'UC',
  'write-through': 'WT',
  'write-protected': 'WP',
  'write-protect': 'WP',
};

/** `write-combining` → `WC`; short names pass through; `-` and unknown text stay as they are. */
export function shortMode(mode: string): string {
  return LONG_TO_SHORT[mode] ?? mode;
}

/**
 * Colour per memtype. WB (the default of RAM) is a quiet blue so that the
 * non-default types stand out; UC/UC- are warm, WC green, WT/WP purple.
 */
export const MODE_COLOURS: Readonly<Record<string, string>> = {
  WB: '#9ecae1',
  WC: '#31a354',
  'UC-': '#fd8d3c',
  UC: '#d94801',
  WT: '#9e9ac8',
  WP: '#6a51a3',
};

export const HOLE_COLOUR = '#e0e0e0';
export const SEVERITY_COLOURS: Readonly<Record<string, string>> = { high: '#cb181d', medium: '#fe9929' };

export function modeColour(mode: string): string {
  return MODE_COLOURS[shortMode(mode)] ?? '#bdbdbd';
}

/** Text colour readable on {@link modeColour}. */
export function modeInk(mode: string): string {
  const m = shortMode(mode);
  return m === 'WC' || m === 'UC' || m === 'WP' ? '#fff' : '#111';
}

// WCAG 2.2 contrast for merchant colours: the launcher keeps the merchant's hue where it can,
// and swaps or darkens a colour only when it would fall under 4.5:1 (success criterion 1.4.3).

export const MIN_CONTRAST = 4.5;

type RGB = [number, number, number];

export function parseHex(value: string | null | undefined): RGB | null {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((value || '').trim());
  if (!m) return null;
  let hex = m[1]!;
  if (hex.length === 3) hex = hex.replace(/./g, (c) => c + c);
  const n = parseInt(hex, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function toHex([r, g, b]: RGB): string {
  return '#' + [r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('');
}

function luminance([r, g, b]: RGB): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: RGB, b: RGB): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const BLACK: RGB = [17, 17, 17];
const WHITE: RGB = [255, 255, 255];

/**
 * The merchant's text colour on the merchant's background if the pair reaches 4.5:1, else
 * near-black or white, whichever contrasts more (one of them always reaches 4.5:1).
 */
export function readableOn(background: RGB, wanted: RGB | null): RGB {
  if (wanted && contrast(background, wanted) >= MIN_CONTRAST) return wanted;
  return contrast(background, BLACK) >= contrast(background, WHITE) ? BLACK : WHITE;
}

/** `color` moved towards black until it reaches 4.5:1 on `against` (a light surface). */
export function darkenUntilReadable(color: RGB, against: RGB = WHITE): RGB {
  let c: RGB = color;
  for (let i = 0; i < 20 && contrast(c, against) < MIN_CONTRAST; i++) {
    c = [c[0] * 0.85, c[1] * 0.85, c[2] * 0.85];
  }
  return c.map(Math.round) as RGB;
}

export interface Palette {
  /** Button and accent background. */
  accent: string;
  /** Text on the accent. */
  onAccent: string;
  /** The accent used as text or borders on the panel's white surface. */
  accentText: string;
  /** True when a merchant colour was changed to reach 4.5:1. */
  adjusted: boolean;
}

export const DEFAULT_ACCENT = '#1f2937';

export function palette(buttonColor?: string | null, textColor?: string | null): Palette {
  const bg = parseHex(buttonColor) || parseHex(DEFAULT_ACCENT)!;
  const wanted = parseHex(textColor);
  const fg = readableOn(bg, wanted || WHITE);
  const accentText = darkenUntilReadable(bg);
  const fgHex = toHex(fg);
  return {
    accent: toHex(bg),
    onAccent: fgHex,
    accentText: toHex(accentText),
    adjusted: (!!wanted && toHex(wanted) !== fgHex) || toHex(accentText) !== toHex(bg),
  };
}

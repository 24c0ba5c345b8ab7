import { describe, expect, it } from 'vitest';
import { contrast, palette, parseHex } from './color';

describe('colour contrast', () => {
  it('parses short and long hex and rejects the rest', () => {
    expect(parseHex('#fff')).toEqual([255, 255, 255]);
    expect(parseHex('5c6ac4')).toEqual([92, 106, 196]);
    expect(parseHex('red')).toBeNull();
    expect(parseHex('')).toBeNull();
  });

  it('computes the WCAG ratio (black on white is 21:1)', () => {
    expect(contrast([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
    expect(contrast([255, 255, 255], [255, 255, 255])).toBeCloseTo(1, 5);
  });

  it('keeps a merchant pair that passes', () => {
    const p = palette('#1f2937', '#ffffff');
    expect(p).toMatchObject({ accent: '#1f2937', onAccent: '#ffffff', adjusted: false });
  });

  it('swaps a failing text colour for one that reaches 4.5:1 and says so', () => {
    const p = palette('#ffd500', '#ffffff'); // white on yellow: about 1.5:1
    expect(p.onAccent).not.toBe('#ffffff');
    expect(contrast(parseHex(p.accent)!, parseHex(p.onAccent)!)).toBeGreaterThanOrEqual(4.5);
    expect(p.adjusted).toBe(true);
  });

  it('darkens a light accent used as text on white', () => {
    const p = palette('#8ecae6', '#000000');
    expect(contrast(parseHex(p.accentText)!, [255, 255, 255])).toBeGreaterThanOrEqual(4.5);
    expect(p.accent).toBe('#8ecae6');
  });

  it('falls back to the default for garbage', () => {
    expect(palette('javascript:alert(1)', 'nope').accent).toBe('#1f2937');
  });
});

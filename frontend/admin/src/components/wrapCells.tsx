// Polaris' DataTable does not wrap its cells (white-space: nowrap, but for the first column):
// a long tier or reward name pushes the table past a phone's width, and the table then scrolls
// sideways behind a fixed first column. These cells wrap between words instead.
import type { DataTableProps } from '@shopify/polaris';

const WRAP = { whiteSpace: 'normal', overflowWrap: 'break-word' } as const;

/** The rows with each text column's strings in a wrapping span (numbers stay as they are). */
export function wrapCells(rows: DataTableProps['rows'], types: DataTableProps['columnContentTypes']): DataTableProps['rows'] {
  return rows.map((row) =>
    row.map((cell, i) => (typeof cell === 'string' && types[i] === 'text' ? <span style={WRAP}>{cell}</span> : cell)),
  );
}

/** A plain-text table: first column left-aligned, the others (numbers) right-aligned. */
export function formatTable(title: string, headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [title, line(headers), rule, ...rows.map(line)].join('\n');
}

export const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

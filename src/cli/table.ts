// Plain-text tables for terminals: one header row, columns padded to their widest cell.

export type Column<T> = [header: string, cell: (item: T) => unknown];

export function formatTable<T>(items: T[], columns: Column<T>[]): string {
  if (items.length === 0) return '(none)\n';
  const rows = items.map((it) => columns.map(([, f]) => cellText(f(it))));
  const headers = columns.map(([h]) => h);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

function cellText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (Array.isArray(v)) return v.length ? v.map(cellText).join(',') : '-';
  return String(v);
}

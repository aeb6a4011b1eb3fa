/** Numbers for people. */

export function bytes (n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?'
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let v = n
  let u = -1
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u] as string}`
}

export function rate (n: number | null): string {
  return n === null ? '…' : `${bytes(n)}/s`
}

export function percent (n: number | null): string {
  return n === null ? '-' : `${n.toFixed(0)} %`
}

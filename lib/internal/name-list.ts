/**
 * Names for a message: `a, b, c`, or the first `shown` and how many more, so that an error
 * naming a million failed frames stays one readable line.
 */
export function nameList (names: readonly string[], shown = 10): string {
  if (names.length <= shown) return names.join(', ')
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`
}

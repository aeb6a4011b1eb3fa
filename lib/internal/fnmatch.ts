/**
 * Python `fnmatch` for one name: `*`, `?`, `[seq]`, `[!seq]`; an unclosed `[` is literal, a
 * leading `^` in a set is literal and `]` first in a set is a member. The server's `__glob`
 * and the CLI's `find --name` share it, so a pattern means the same in both (and in PYME).
 */
/** Python `fnmatch.translate` for one name (path component), as an anchored RegExp. */
export function fnmatchPattern (glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string
    if (c === '*') {
      re += '.*'
    } else if (c === '?') {
      re += '.'
    } else if (c === '[') {
      let j = i + 1
      if (glob[j] === '!') j++
      if (glob[j] === ']') j++
      while (j < glob.length && glob[j] !== ']') j++
      if (j >= glob.length) {
        re += '\\['
      } else {
        let body = glob.slice(i + 1, j)
        const negate = body.startsWith('!')
        if (negate) body = body.slice(1)
        body = body.replace(/[\\\][^]/g, '\\$&')
        if (negate) body = '^' + body
        re += `[${body}]`
        i = j
      }
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    }
  }
  return new RegExp(`^${re}$`, 'su')
}

/**
 * Names of the hidden temporary files a file is written to before it is linked into place
 * (the data server's uploads, `FolderStore`'s files): `.pyme-tmp-<pid>-<run>-<n>`. The pid
 * and a random tag chosen once per process keep names of different processes (and of a
 * restarted one reusing a pid) apart; a counter keeps this process's names apart. The pid
 * tells a later sweep whose file it is (see server/directory-scan.ts).
 */
import { randomBytes } from 'node:crypto'

export const TEMP_PREFIX = '.pyme-tmp-'
const OWNER = /^\.pyme-tmp-(\d+)-/

let sequence = 0
let runTag: string | undefined

/** A new unique temporary file name (starts with TEMP_PREFIX). */
export function tempName (): string {
  runTag ??= randomBytes(4).toString('hex')
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER
  return `${TEMP_PREFIX}${process.pid}-${runTag}-${sequence}`
}

/** The pid of the process that made temporary file `name`, or undefined if it is not one. */
export function tempNameOwner (name: string): number | undefined {
  const owner = OWNER.exec(name)
  return owner === null ? undefined : Number(owner[1])
}

/**
 * Is a data root on a local file system? There, the few metadata calls that commit an upload
 * (open, fchmod, close, link, unlink) take microseconds, and running them synchronously is far
 * cheaper than handing each one to libuv's thread pool: on a small VM every hand-off costs
 * tens of microseconds of main-thread time (a futex wake and a context switch), which made the
 * per-file overhead, not the bytes, the limit of a PUT stream. On a network file system a
 * metadata call can take milliseconds, so there every call stays asynchronous.
 */
import { statfs } from 'node:fs/promises'

// statfs(2) f_type magic numbers of local Linux file systems.
const LOCAL_TYPES = new Set([
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0x794c7630, // overlayfs
  0x3153464a, // jfs
  0x52654973, // reiserfs
  0x4d44, // vfat/msdos
  0x2011bab0, // exfat
  0x5346544e // ntfs
])

/** True when `path` is on a local Linux file system known to answer metadata calls at once. */
export async function isLocalFilesystem (path: string): Promise<boolean> {
  if (process.platform !== 'linux') return false
  try {
    return LOCAL_TYPES.has((await statfs(path)).type)
  } catch {
    return false
  }
}

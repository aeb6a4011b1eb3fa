/**
 * A request the server answers with an error status. Thrown inside request handling and
 * turned into a response by the request handler; never escapes the server.
 *
 * Reason phrases are short, ASCII and never contain server paths (PROTOCOL.md §3.8 MUST):
 * clients rely only on the status code.
 */
export class HttpFailure extends Error {
  readonly status: number
  readonly reason: string
  /** Close the connection after answering (the request stream cannot be kept in step). */
  readonly closeConnection: boolean

  constructor (status: number, reason: string, closeConnection = false) {
    super(`${status} ${reason}`)
    this.name = 'HttpFailure'
    this.status = status
    this.reason = reason
    this.closeConnection = closeConnection
  }
}

/** The failure for a file-system error met while serving a request. */
export function failureForFsError (err: unknown): HttpFailure {
  // Already decided (e.g. by re-creating a directory removed behind our back): keep it.
  if (err instanceof HttpFailure) return err
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  switch (code) {
    case 'ENOENT':
      return new HttpFailure(404, 'Not Found')
    case 'ENOTDIR':
      return new HttpFailure(409, 'Parent is not a directory')
    case 'EEXIST':
      return new HttpFailure(405, 'File already exists')
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new HttpFailure(403, 'Forbidden')
    case 'ENOSPC':
    case 'EDQUOT':
      return new HttpFailure(507, 'Insufficient Storage')
    case 'ENAMETOOLONG':
      return new HttpFailure(414, 'Name Too Long')
    case 'EISDIR':
      return new HttpFailure(405, 'File already exists')
    default:
      return new HttpFailure(500, 'Internal Server Error')
  }
}

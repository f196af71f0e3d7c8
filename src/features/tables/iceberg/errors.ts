// The Iceberg REST catalog's errors: the spec's exception types with their HTTP statuses, answered
// as IcebergErrorResponse `{"error": {message, type, code}}`.

export type IcebergErrorType =
  | 'BadRequestException' | 'NotAuthorizedException' | 'ForbiddenException' | 'NoSuchNamespaceException' | 'NoSuchTableException'
  | 'NoSuchWarehouseException' | 'NotFoundException' | 'AlreadyExistsException' | 'NamespaceNotEmptyException'
  | 'CommitFailedException' | 'UnsupportedOperationException' | 'NotImplementedException';

const STATUS_BY_TYPE: Record<IcebergErrorType, number> = {
  BadRequestException: 400, NotAuthorizedException: 401, ForbiddenException: 403, NoSuchNamespaceException: 404,
  NoSuchTableException: 404, NoSuchWarehouseException: 404, NotFoundException: 404, AlreadyExistsException: 409,
  NamespaceNotEmptyException: 409, CommitFailedException: 409, UnsupportedOperationException: 406, NotImplementedException: 501,
};

/** A failure of a catalog request, in the spec's terms. */
export class IcebergError extends Error {
  readonly status: number;
  constructor(readonly type: IcebergErrorType, message: string) {
    super(message);
    this.status = STATUS_BY_TYPE[type];
  }
}

export const badRequest = (message: string): IcebergError => new IcebergError('BadRequestException', message);
export const commitFailed = (message: string): IcebergError => new IcebergError('CommitFailedException', message);
export const noSuchNamespace = (namespace: string): IcebergError => new IcebergError('NoSuchNamespaceException', `Namespace does not exist: ${namespace}`);
export const noSuchTable = (namespace: string, name: string): IcebergError => new IcebergError('NoSuchTableException', `Table does not exist: ${namespace}.${name}`);

// AWS Backup's errors (restJson1: the code in x-amzn-ErrorType), as its model names them.
import { JsonApiError } from '../../frontend/json-api.js';

export const invalidParameter = (message: string): JsonApiError => new JsonApiError(400, 'InvalidParameterValueException', message);
export const missingParameter = (message: string): JsonApiError => new JsonApiError(400, 'MissingParameterValueException', message);
export const invalidRequest = (message: string): JsonApiError => new JsonApiError(400, 'InvalidRequestException', message);
export const notFound = (message: string): JsonApiError => new JsonApiError(404, 'ResourceNotFoundException', message);
export const alreadyExists = (message: string): JsonApiError => new JsonApiError(400, 'AlreadyExistsException', message);
export const limitExceeded = (message: string): JsonApiError => new JsonApiError(400, 'LimitExceededException', message);
export const conflict = (message: string): JsonApiError => new JsonApiError(409, 'ConflictException', message);

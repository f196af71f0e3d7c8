// The FIS API's errors (restJson1: the code in x-amzn-ErrorType): ValidationException for bad input,
// ResourceNotFoundException, ConflictException and ServiceQuotaExceededException, as its model names them.
import { JsonApiError } from '../../frontend/json-api.js';

export class FisValidationError extends JsonApiError {
  constructor(message: string) {
    super(400, 'ValidationException', message);
  }
}

export const notFound = (message: string): JsonApiError => new JsonApiError(404, 'ResourceNotFoundException', message);
export const conflict = (message: string): JsonApiError => new JsonApiError(409, 'ConflictException', message);
export const quotaExceeded = (message: string): JsonApiError => new JsonApiError(402, 'ServiceQuotaExceededException', message);

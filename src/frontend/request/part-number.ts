// A request's partNumber parameter, checked against S3's bounds.
import { PART_NUMBER_MAX } from '../../limits.js';
import { S3Error } from '../errors.js';

export function parsePartNumber(text: string | null): number {
  const partNumber = text === null ? NaN : Number(text);
  if (text === null || !/^\d{1,5}$/.test(text) || partNumber < 1 || partNumber > PART_NUMBER_MAX) {
    throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${PART_NUMBER_MAX}, inclusive`, {
      extraFields: { ArgumentName: 'partNumber', ArgumentValue: text ?? '' },
    });
  }
  return partNumber;
}

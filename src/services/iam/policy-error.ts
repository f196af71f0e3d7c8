// A policy document that is not valid: the front end answers it as S3's MalformedPolicy (bucket
// policies) or the admin API's MalformedPolicy (user policies), with this message.
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

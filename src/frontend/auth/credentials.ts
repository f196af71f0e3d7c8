// What authentication works with and yields, shared by SigV4, SigV2 and POST-form signatures: an
// access key's credentials, the lookup of a claimed key, and the payload check a verified request
// carries. A module of its own so that no signature scheme imports another's.

export interface Credentials { accessKeyId: string; secretAccessKey: string }
export type CredentialLookup = (accessKeyId: string) => Credentials | undefined;
export interface SigningContext {
  signingKey: Buffer; scope: string; amzDate: string; seedSignature: string;
  /** False under the acceptAnySignature test switch: chunk and trailer signatures are read but not compared. */
  signaturesChecked: boolean;
}
export type PayloadCheck =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; expectedHex: string }
  | { kind: 'aws-chunked'; chunkSignatures: boolean; trailer: 'none' | 'unsigned' | 'signed'; signing: SigningContext };
export interface Authentication { accessKeyId: string; payload: PayloadCheck }

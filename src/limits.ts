// Every limit Cairn enforces, in one place (DESIGN.md §2.6: put a limit on everything).
// Values follow Amazon S3's documented limits unless a comment says otherwise.

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;

/** S3: object key names are at most 1,024 bytes of UTF-8. */
export const KEY_LENGTH_BYTES_MAX = 1024;
/** S3: user-defined metadata (sum of UTF-8 bytes of every x-amz-meta-* name and value) ≤ 2 KiB. */
export const USER_METADATA_SIZE_BYTES_MAX = 2 * KIB;
/** S3: a single PutObject carries at most 5 GiB. */
export const PUT_OBJECT_SIZE_BYTES_MAX = 5 * GIB;
/** S3: DeleteObjects takes at most 1,000 keys. */
export const DELETE_OBJECTS_KEYS_MAX = 1000;
/** S3: list pages hold at most 1,000 entries. */
export const LIST_PAGE_ENTRIES_MAX = 1000;
/** XML request bodies (DeleteObjects, CreateBucketConfiguration…) are read into memory up to this size. */
export const XML_BODY_SIZE_BYTES_MAX = 1 * MIB;
/** Grants in one ACL (S3: "An ACL can have up to 100 grants"). */
export const ACL_GRANTS_MAX = 100;
/** DeleteObjects with 1,000 keys of 1,024 bytes each, escaped, fits in this. */
export const DELETE_OBJECTS_BODY_SIZE_BYTES_MAX = 2 * MIB;
/** SigV4: a signed request is valid for this long either side of the server's clock. */
export const CLOCK_SKEW_MS_MAX = 15 * 60 * 1000;
/** SigV4 presigned URLs: X-Amz-Expires is at most 7 days. */
export const PRESIGNED_EXPIRES_SECONDS_MAX = 7 * 24 * 60 * 60;
/** HTTP request headers, all together (node:http's limit; S3 allows 8 KiB of headers plus metadata). */
export const REQUEST_HEADERS_SIZE_BYTES_MAX = 16 * KIB;
/** A request that has not sent its headers by then is dropped. */
export const REQUEST_HEADERS_TIMEOUT_MS = 60 * 1000;
/** A connection that sends or receives nothing for this long is closed (S3's RequestTimeout). */
export const REQUEST_IDLE_TIMEOUT_MS = 120 * 1000;
/** On SIGTERM/SIGINT, in-flight requests get this long to finish before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 30 * 1000;
/** aws-chunked: a chunk-size line ("<hex>;chunk-signature=<64 hex>\r\n") is ~90 bytes; longer lines are refused. */
export const AWS_CHUNK_SIZE_LINE_BYTES_MAX = 256;
/**
 * aws-chunked: the most a single chunk may claim. Chunk data is streamed, never buffered, so this bounds
 * no memory; it only refuses absurd claims early. The AWS SDK for JavaScript v3 emits one chunk per
 * source-stream read, so keep it well above any sane stream buffer.
 */
export const AWS_CHUNK_SIZE_BYTES_MAX = 64 * MIB;
/** aws-chunked: all trailer lines together (checksums plus x-amz-trailer-signature). */
export const AWS_CHUNK_TRAILER_SIZE_BYTES_MAX = 4 * KIB;
/** aws-chunked: trailer lines, including x-amz-trailer-signature. */
export const AWS_CHUNK_TRAILER_LINES_MAX = 16;
/** S3: multipart part numbers run from 1 to 10,000. */
export const PART_NUMBER_MAX = 10000;
/** S3: every part but the last is at least 5 MiB. */
export const PART_SIZE_BYTES_MIN = 5 * MIB;
/** S3: a part carries at most 5 GiB. */
export const PART_SIZE_BYTES_MAX = 5 * GIB;
/** CompleteMultipartUpload's XML lists up to 10,000 parts of ~200 bytes each. */
export const COMPLETE_MULTIPART_BODY_SIZE_BYTES_MAX = 4 * MIB;
/** Open connections one server process accepts; more are refused at once. */
export const CONNECTIONS_PER_PROCESS_MAX = 4096;
/**
 * A request body must arrive within this grace plus its declared length at the minimum rate below;
 * a client that trickles (1 byte a minute keeps an idle timer alive) is cut off.
 */
export const REQUEST_BODY_GRACE_MS = 60 * 1000;
export const REQUEST_BODY_RATE_BYTES_PER_SECOND_MIN = 64 * KIB;
/** S3: a bucket policy is at most 20 KiB. */
export const BUCKET_POLICY_SIZE_BYTES_MAX = 20 * KIB;
/** IAM: a user's inline policies total at most 2,048 characters, white space not counted. */
export const USER_POLICY_SIZE_CHARACTERS_MAX = 2048;
/** IAM: a user has at most two access keys (enough to rotate one). */
export const ACCESS_KEYS_PER_USER_MAX = 2;
/** IAM's default quota of users per account. */
export const USERS_MAX = 5000;
/** Admin API request bodies (a user policy is the largest) are read into memory up to this size. */
export const ADMIN_BODY_SIZE_BYTES_MAX = 64 * KIB;
/**
 * S3: the fields and boundaries of a POST Object form before its file part are at most 20 KB; S3
 * answers MaxPostPreDataLengthExceeded with MaxPostPreDataLengthBytes 20480.
 */
export const POST_FORM_PRE_FILE_BYTES_MAX = 20 * KIB;
/**
 * Open connections one client address may hold in one server process; a new connection past it is
 * closed at once, while other addresses are still served (issue #13: 8,000 idle connections from
 * one client locked everyone out). SDKs open 10–50 connections; load generators a few hundred.
 */
export const CONNECTIONS_PER_CLIENT_ADDRESS_MAX = 512;
/** A kept-alive connection with no request in progress is closed after this long (S3 and node: a few seconds). */
export const CONNECTION_KEEP_ALIVE_IDLE_MS = 15 * 1000;
/**
 * Request bodies in flight in one process may reserve this many bytes in all (see
 * frontend/body-budget.ts): 64 one-MiB PUTs at once. Each in-flight body costs ~1.5–2.5× its
 * reservation in RSS (socket buffers, the record being built, checksums), so this keeps a process
 * under ~250 MiB however many uploads arrive (measured: 300 concurrent 1 MiB PUTs peaked at 411 MiB
 * before, ~210–240 MiB with this budget).
 */
export const REQUEST_BODIES_IN_FLIGHT_BYTES_MAX = 64 * MIB;
/**
 * What one request body reserves of that budget at most: the storage writer holds up to one 1 MiB
 * record of a body at a time, plus the stream buffers on the way to it.
 */
export const REQUEST_BODY_BUFFER_BYTES_MAX = 2 * MIB;
/** A body that waits this long for the budget is answered 503 SlowDown (the SDKs retry it). */
export const REQUEST_BODY_BUDGET_WAIT_MS_MAX = 30 * 1000;
/** How often the TLS certificate and key files are checked for a renewal. */
export const TLS_CERTIFICATE_POLL_MS = 1000;

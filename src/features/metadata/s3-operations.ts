// S3 Metadata configuration: Create/Get/DeleteBucketMetadataConfiguration, UpdateBucketMetadata-
// JournalTableConfiguration and -InventoryTableConfiguration (V2), and the older Create/Get/Delete-
// BucketMetadataTableConfiguration (V1). The configuration is the bucket setting 'metadata'; from the
// moment it exists every change to the bucket writes a journal row in its own transaction.
import type { MetadataTableSnapshot } from '../../index/types.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import {
  inventoryTableStatus,
  journalTableStatus,
  newConfiguration,
  withInventory,
  type InventoryTableState,
  type JournalTableState,
  type RecordExpirationSetting,
  type StoredMetadataConfiguration,
} from './configuration.js';
import {
  INVENTORY_TABLE_NAME,
  JOURNAL_TABLE_NAME,
  managedTableArn,
  managedTableBucketArn,
  tableNamespace,
  V1_TABLE_NAMESPACE,
} from './names.js';
import { snapshotRequest } from './sources.js';
import type { RequestContext } from '../../frontend/context.js';
import { S3Error } from '../../frontend/errors.js';
import { readSmallBody } from '../../frontend/payload.js';
import { sendEmpty, sendXml } from '../../frontend/respond.js';
import { node, parseXmlBody, xmlDocument, type XmlNode } from '../../frontend/xml.js';
import { requireBucket } from '../../frontend/request/bucket.js';

/** AWS: journal records are kept at least 7 days when they expire at all. */
const RECORD_EXPIRATION_DAYS_MIN = 7;
const RECORD_EXPIRATION_DAYS_MAX = 2_147_483_647;
const TABLE_BUCKET_ARN_PATTERN = /^arn:aws[-a-z0-9]*:s3tables:[-a-z0-9]+:\d{12}:bucket\/[a-z0-9_-]{3,63}$/;
/** S3 Tables: table names are 1–255 lower-case letters, digits and underscores, starting with a letter or digit. */
const TABLE_NAME_PATTERN = /^[a-z0-9][a-z0-9_]{0,254}$/;

type Fields = Record<string, unknown>;

function notFound(context: RequestContext): S3Error {
  return new S3Error('MetadataConfigurationNotFound', undefined, { extraFields: { BucketName: context.bucket! } });
}

function invalidArgument(message: string, name: string, value: string): S3Error {
  return new S3Error('InvalidArgument', message, { extraFields: { ArgumentName: name, ArgumentValue: value } });
}

/** The root element's fields, or MalformedXML. */
async function bodyRoot(context: RequestContext, rootName: string): Promise<Fields> {
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const root = parseXmlBody(body)[rootName];
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new S3Error('MalformedXML');
  return root as Fields;
}

function child(fields: Fields, name: string, required: boolean): Fields | undefined {
  const value = fields[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new S3Error('MalformedXML');
  return value as Fields;
}

function text(fields: Fields, name: string, required: boolean): string | undefined {
  const value = fields[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new S3Error('MalformedXML');
  return value.trim();
}

function enabledState(fields: Fields, name: string): boolean {
  const value = text(fields, name, true);
  if (value !== 'ENABLED' && value !== 'DISABLED') throw new S3Error('MalformedXML');
  return value === 'ENABLED';
}

function parseRecordExpiration(journal: Fields): RecordExpirationSetting {
  const expiration = child(journal, 'RecordExpiration', true)!;
  const enabled = enabledState(expiration, 'Expiration');
  const daysText = text(expiration, 'Days', false);
  if (daysText === undefined) {
    if (enabled) throw invalidArgument('Days is required when record expiration is ENABLED.', 'Days', '');
    return { enabled };
  }
  const days = Number(daysText);
  if (!/^\d{1,10}$/.test(daysText) || days < RECORD_EXPIRATION_DAYS_MIN || days > RECORD_EXPIRATION_DAYS_MAX) {
    throw invalidArgument(`Days must be a whole number from ${RECORD_EXPIRATION_DAYS_MIN} to ${RECORD_EXPIRATION_DAYS_MAX}.`, 'Days', daysText);
  }
  return { enabled, days };
}

/** Tables are kept with Cairn's own protection; SSE-KMS would need a key service Cairn does not have. */
function checkEncryption(table: Fields): void {
  const encryption = child(table, 'EncryptionConfiguration', false);
  if (encryption === undefined) return;
  const algorithm = text(encryption, 'SseAlgorithm', true);
  const keyArn = text(encryption, 'KmsKeyArn', false);
  if (algorithm === 'aws:kms') throw new S3Error('NotImplemented', 'SSE-KMS encryption of metadata tables is not implemented.');
  if (algorithm !== 'AES256') throw new S3Error('MalformedXML');
  if (keyArn !== undefined) throw invalidArgument('KmsKeyArn can only be given with SseAlgorithm aws:kms.', 'KmsKeyArn', keyArn);
}

async function storedConfiguration(context: RequestContext): Promise<StoredMetadataConfiguration | undefined> {
  return context.layers.index.readBucketSetting(context.bucket!, 'metadata');
}

async function requireConfiguration(context: RequestContext): Promise<StoredMetadataConfiguration> {
  await requireBucket(context);
  const configuration = await storedConfiguration(context);
  if (configuration === undefined) throw notFound(context);
  return configuration;
}

async function save(context: RequestContext, configuration: StoredMetadataConfiguration | undefined): Promise<void> {
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'metadata', configuration))) {
    throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  }
}

async function refuseExisting(context: RequestContext): Promise<void> {
  if ((await storedConfiguration(context)) !== undefined) {
    throw new S3Error('MetadataConfigurationAlreadyExists', undefined, { extraFields: { BucketName: context.bucket! } });
  }
}

/** POST /?metadataConfiguration */
export async function createBucketMetadataConfiguration(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const root = await bodyRoot(context, 'MetadataConfiguration');
  const journal = child(root, 'JournalTableConfiguration', true)!;
  const recordExpiration = parseRecordExpiration(journal);
  checkEncryption(journal);
  const inventory = child(root, 'InventoryTableConfiguration', false);
  const inventoryEnabled = inventory === undefined ? false : enabledState(inventory, 'ConfigurationState');
  if (inventory !== undefined) checkEncryption(inventory);
  if (root['AnnotationTableConfiguration'] !== undefined) throw new S3Error('NotImplemented', 'Annotation tables are not implemented.');
  await refuseExisting(context);
  await save(context, newConfiguration('V2', recordExpiration, inventoryEnabled, Date.now()));
  sendEmpty(context.res, 200);
}

/** PUT /?metadataJournalTable */
export async function updateBucketMetadataJournalTableConfiguration(context: RequestContext): Promise<void> {
  const configuration = await requireConfiguration(context);
  const recordExpiration = parseRecordExpiration(await bodyRoot(context, 'JournalTableConfiguration'));
  await save(context, { ...configuration, journal: { ...configuration.journal, recordExpiration } });
  sendEmpty(context.res, 200);
}

/** PUT /?metadataInventoryTable */
export async function updateBucketMetadataInventoryTableConfiguration(context: RequestContext): Promise<void> {
  const configuration = await requireConfiguration(context);
  const root = await bodyRoot(context, 'InventoryTableConfiguration');
  const enabled = enabledState(root, 'ConfigurationState');
  checkEncryption(root);
  await save(context, withInventory(configuration, enabled, Date.now()));
  sendEmpty(context.res, 200);
}

/** DELETE /?metadataConfiguration and DELETE /?metadataTable: recording stops; rows written stay. */
export async function deleteBucketMetadataConfiguration(context: RequestContext): Promise<void> {
  await requireConfiguration(context);
  await save(context, undefined);
  sendEmpty(context.res, 204);
}

/** POST /?metadataTable (V1): a journal only, in the table the client names. */
export async function createBucketMetadataTableConfiguration(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const root = await bodyRoot(context, 'MetadataTableConfiguration');
  const destination = child(root, 'S3TablesDestination', true)!;
  const tableBucketArn = text(destination, 'TableBucketArn', true)!;
  const tableName = text(destination, 'TableName', true)!;
  if (!TABLE_BUCKET_ARN_PATTERN.test(tableBucketArn)) throw invalidArgument('TableBucketArn is not a valid table bucket ARN.', 'TableBucketArn', tableBucketArn);
  if (!TABLE_NAME_PATTERN.test(tableName)) throw invalidArgument('TableName is not a valid table name.', 'TableName', tableName);
  await refuseExisting(context);
  await save(context, { ...newConfiguration('V1', { enabled: false }, false, Date.now()), v1Destination: { tableBucketArn, tableName } });
  sendEmpty(context.res, 200);
}

async function tableStates(context: RequestContext): Promise<MetadataTableSnapshot['states']> {
  const snapshot = await context.layers.index.readMetadataSnapshot(snapshotRequest([context.bucket!], { pendingRowsMax: 0, filesPerTableMax: 0 }));
  return snapshot.tables[0]!.states;
}

function errorNode(error: { code: string; message: string } | undefined): XmlNode {
  return node('Error', error === undefined ? undefined : [node('ErrorCode', error.code), node('ErrorMessage', error.message)]);
}

function journalTable(context: RequestContext, configuration: StoredMetadataConfiguration) {
  const { region, accountId } = context.config;
  if (configuration.v1Destination !== undefined) {
    const { tableBucketArn, tableName } = configuration.v1Destination;
    return { tableBucketArn, tableName, tableArn: `${tableBucketArn}/table/${configuration.journal.tableId}`, namespace: V1_TABLE_NAMESPACE, type: 'customer' };
  }
  return {
    tableBucketArn: managedTableBucketArn(region, accountId), tableName: JOURNAL_TABLE_NAME,
    tableArn: managedTableArn(region, accountId, configuration.journal.tableId), namespace: tableNamespace(context.bucket!), type: 'aws',
  };
}

/** GET /?metadataConfiguration */
export async function getBucketMetadataConfiguration(context: RequestContext): Promise<void> {
  const configuration = await requireConfiguration(context);
  const states = await tableStates(context);
  const journalState = states[JOURNAL_TABLE_NAME] as JournalTableState | undefined;
  const inventoryState = states[INVENTORY_TABLE_NAME] as InventoryTableState | undefined;
  const journal = journalTable(context, configuration);
  const { recordExpiration } = configuration.journal;
  const inventoryStatus = inventoryTableStatus(configuration, inventoryState);
  const { region, accountId } = context.config;
  const result = node('MetadataConfigurationResult', [
    node('DestinationResult', [node('TableBucketType', journal.type), node('TableBucketArn', journal.tableBucketArn), node('TableNamespace', journal.namespace)]),
    node('JournalTableConfigurationResult', [
      node('TableStatus', journalTableStatus(journalState)),
      errorNode(journalState?.error),
      node('TableName', journal.tableName),
      node('TableArn', journal.tableArn),
      node('RecordExpiration', [node('Expiration', recordExpiration.enabled ? 'ENABLED' : 'DISABLED'), node('Days', recordExpiration.days)]),
    ]),
    node('InventoryTableConfigurationResult', [
      node('ConfigurationState', configuration.inventory.enabled ? 'ENABLED' : 'DISABLED'),
      node('TableStatus', inventoryStatus),
      errorNode(inventoryStatus === 'FAILED' ? inventoryState?.error : undefined),
      node('TableName', configuration.inventory.enabled ? INVENTORY_TABLE_NAME : undefined),
      node('TableArn', configuration.inventory.tableId === undefined ? undefined : managedTableArn(region, accountId, configuration.inventory.tableId)),
    ]),
  ]);
  sendXml(context.res, 200, xmlDocument('GetBucketMetadataConfigurationResult', [result]));
}

/** GET /?metadataTable (V1's view of the journal table). */
export async function getBucketMetadataTableConfiguration(context: RequestContext): Promise<void> {
  const configuration = await requireConfiguration(context);
  const journalState = (await tableStates(context))[JOURNAL_TABLE_NAME] as JournalTableState | undefined;
  const journal = journalTable(context, configuration);
  sendXml(context.res, 200, xmlDocument('GetBucketMetadataTableConfigurationResult', [
    node('MetadataTableConfigurationResult', [node('S3TablesDestinationResult', [
      node('TableBucketArn', journal.tableBucketArn), node('TableName', journal.tableName), node('TableArn', journal.tableArn),
      node('TableNamespace', journal.namespace),
    ])]),
    node('Status', journalTableStatus(journalState)),
    errorNode(journalState?.error),
  ]));
}

// CreateTableBucket and CreateTable with the settings the model lets them carry: an
// encryptionConfiguration, a storageClassConfiguration and tags. Each is checked before anything is
// created (bad input writes nothing), then stored on the new bucket or table.
import * as catalog from './catalog-ops.js';
import type { TablesCall, TablesContext } from './catalog-ops.js';
import { bucketOfArn, tableOfArn } from './names.js';
import type { TablesAnswer } from './paging.js';
import { checkEncryption, checkStorageClass } from './settings-ops.js';
import * as tables from './table-ops.js';
import { addTags, checkTags } from './tags-ops.js';

interface CreationSettings {
  encryption?: string;
  storageClass?: string;
  tags?: Record<string, string>;
}

function creationSettingsOf(context: TablesContext, call: TablesCall): CreationSettings {
  const { encryptionConfiguration, storageClassConfiguration, tags } = call.body;
  return {
    encryption: encryptionConfiguration === undefined ? undefined : JSON.stringify(checkEncryption(context, encryptionConfiguration)),
    storageClass: storageClassConfiguration === undefined ? undefined : JSON.stringify(checkStorageClass(storageClassConfiguration)),
    tags: tags === undefined ? undefined : checkTags(tags),
  };
}

async function storeCreationSettings(context: TablesContext, ownerId: string, settings: CreationSettings): Promise<void> {
  if (settings.encryption !== undefined) await context.index.putTableSetting(ownerId, 'encryption', settings.encryption);
  if (settings.storageClass !== undefined) await context.index.putTableSetting(ownerId, 'storage-class', settings.storageClass);
  if (settings.tags !== undefined && Object.keys(settings.tags).length > 0) await addTags(context, ownerId, settings.tags);
}

export async function createTableBucket(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const settings = creationSettingsOf(context, call);
  const answer = await catalog.createTableBucket(context, call);
  const bucket = await context.index.getTableBucket(bucketOfArn(context.scope, (answer.body as { arn: string }).arn));
  if (bucket !== undefined) await storeCreationSettings(context, bucket.tableBucketId, settings);
  return answer;
}

export async function createTable(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const settings = creationSettingsOf(context, call);
  const answer = await tables.createTable(context, call);
  const { tableId } = tableOfArn(context.scope, (answer.body as { tableARN: string }).tableARN);
  await storeCreationSettings(context, tableId, settings);
  return answer;
}

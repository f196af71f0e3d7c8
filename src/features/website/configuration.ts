// PutBucketWebsite's XML body checked and read into the 'website' bucket setting, and the setting
// written back as GetBucketWebsite's XML. The checks and their messages follow S3's answers
// (InvalidArgument for a rule S3 refuses, MalformedXML for a body that is not a WebsiteConfiguration).
import { S3Error } from '../../frontend/errors.js';
import { asArray, node, parseXmlBody, type XmlNode } from '../../frontend/xml.js';
import type { WebsiteConfiguration, WebsiteRedirect, WebsiteRoutingRule } from '../../index/bucket-settings.js';

/** S3: a website configuration holds at most 50 routing rules. */
export const ROUTING_RULES_MAX = 50;
/** Keys and host names in a configuration are at most this long (S3's key limit). */
const CONFIGURATION_TEXT_CHARACTERS_MAX = 1024;
const DEFAULT_REDIRECT_CODE = 301;

type Fields = Record<string, unknown>;

function invalid(message: string): S3Error {
  return new S3Error('InvalidArgument', message);
}

function element(value: unknown): Fields {
  if (value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new S3Error('MalformedXML');
  return value as Fields;
}

/** An optional text child: once at most, text only, within the length limit. */
function text(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new S3Error('MalformedXML');
  if (value.length > CONFIGURATION_TEXT_CHARACTERS_MAX) throw invalid(`The ${name} is too long.`);
  return value;
}

function protocolOf(fields: Fields): WebsiteRedirect['protocol'] {
  const protocol = text(fields, 'Protocol');
  if (protocol === undefined) return undefined;
  if (protocol !== 'http' && protocol !== 'https') {
    throw invalid('Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.');
  }
  return protocol;
}

function httpCode(value: string, isValid: (code: number) => boolean, message: string): number {
  const code = /^\d{3}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!isValid(code)) throw invalid(message.replace('%s', value));
  return code;
}

function parseRedirect(value: unknown): WebsiteRedirect {
  const fields = element(value);
  const redirect: WebsiteRedirect = {
    hostName: text(fields, 'HostName'), protocol: protocolOf(fields),
    replaceKeyPrefixWith: text(fields, 'ReplaceKeyPrefixWith'), replaceKeyWith: text(fields, 'ReplaceKeyWith'),
  };
  const codeText = text(fields, 'HttpRedirectCode');
  if (codeText !== undefined) {
    redirect.httpRedirectCode = httpCode(codeText, (code) => code > 300 && code < 400, 'The provided HTTP redirect code (%s) is not valid. Valid codes are 3XX except 300.');
  }
  if (redirect.replaceKeyPrefixWith !== undefined && redirect.replaceKeyWith !== undefined) {
    throw invalid('You can only define ReplaceKeyPrefix or ReplaceKey but not both.');
  }
  if (Object.values(redirect).every((entry) => entry === undefined)) throw invalid('Redirect must contain at least one of the following: HostName, Protocol, ReplaceKeyPrefixWith, ReplaceKeyWith, HttpRedirectCode.');
  return redirect;
}

function parseRule(value: unknown): WebsiteRoutingRule {
  const fields = element(value);
  if (fields['Redirect'] === undefined) throw new S3Error('MalformedXML');
  const rule: WebsiteRoutingRule = { redirect: parseRedirect(fields['Redirect']) };
  if (fields['Condition'] !== undefined) {
    const condition = element(fields['Condition']);
    const keyPrefixEquals = text(condition, 'KeyPrefixEquals');
    const codeText = text(condition, 'HttpErrorCodeReturnedEquals');
    if (keyPrefixEquals === undefined && codeText === undefined) {
      throw invalid("Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.");
    }
    const httpErrorCodeReturnedEquals = codeText === undefined ? undefined
      : httpCode(codeText, (code) => code >= 400 && code < 600, 'The provided HTTP error code (%s) is not valid. Valid codes are 4XX or 5XX.');
    rule.condition = { keyPrefixEquals, httpErrorCodeReturnedEquals };
  }
  return rule;
}

function parseRedirectAll(value: unknown): WebsiteConfiguration['redirectAllRequestsTo'] {
  const fields = element(value);
  const hostName = text(fields, 'HostName');
  if (hostName === undefined || hostName === '') throw invalid('RedirectAllRequestsTo must contain a HostName.');
  return { hostName, protocol: protocolOf(fields) };
}

/** The 'website' setting a PutBucketWebsite body asks for, or the S3Error it is refused with. */
export function parseWebsiteConfiguration(body: Buffer): WebsiteConfiguration {
  const root = parseXmlBody(body)['WebsiteConfiguration'];
  if (root === undefined) throw new S3Error('MalformedXML');
  const fields = element(root);
  const rulesElement = fields['RoutingRules'] === undefined ? undefined : element(fields['RoutingRules']);
  const rules = asArray(rulesElement?.['RoutingRule'] as unknown);
  if (rules.length > ROUTING_RULES_MAX) throw invalid(`A website configuration holds at most ${ROUTING_RULES_MAX} routing rules.`);
  if (fields['RedirectAllRequestsTo'] !== undefined) {
    if (fields['IndexDocument'] !== undefined || fields['ErrorDocument'] !== undefined || rulesElement !== undefined) {
      throw invalid('RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.');
    }
    return { redirectAllRequestsTo: parseRedirectAll(fields['RedirectAllRequestsTo']), routingRules: [] };
  }
  if (fields['IndexDocument'] === undefined) throw invalid('A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty');
  const suffix = text(element(fields['IndexDocument']), 'Suffix');
  if (suffix === undefined || suffix === '' || suffix.includes('/')) throw invalid('The IndexDocument Suffix is not well formed');
  let errorDocumentKey: string | undefined;
  if (fields['ErrorDocument'] !== undefined) {
    errorDocumentKey = text(element(fields['ErrorDocument']), 'Key');
    if (errorDocumentKey === undefined || errorDocumentKey === '') throw invalid('The ErrorDocument Key is not well formed');
  }
  return { indexDocumentSuffix: suffix, errorDocumentKey, routingRules: rules.map(parseRule) };
}

/** The redirect code a rule answers with. */
export function redirectCodeOf(redirect: WebsiteRedirect): number {
  return redirect.httpRedirectCode ?? DEFAULT_REDIRECT_CODE;
}

function redirectNodes(redirect: WebsiteRedirect): XmlNode[] {
  return [
    node('HostName', redirect.hostName), node('HttpRedirectCode', redirect.httpRedirectCode), node('Protocol', redirect.protocol),
    node('ReplaceKeyPrefixWith', redirect.replaceKeyPrefixWith), node('ReplaceKeyWith', redirect.replaceKeyWith),
  ];
}

/** GetBucketWebsite's elements, in the order S3 writes them. */
export function websiteConfigurationNodes(configuration: WebsiteConfiguration): XmlNode[] {
  const redirectAll = configuration.redirectAllRequestsTo;
  if (redirectAll !== undefined) {
    return [node('RedirectAllRequestsTo', [node('HostName', redirectAll.hostName), node('Protocol', redirectAll.protocol)])];
  }
  const rules = configuration.routingRules.map((rule) => node('RoutingRule', [
    rule.condition === undefined ? node('Condition', undefined) : node('Condition', [
      node('HttpErrorCodeReturnedEquals', rule.condition.httpErrorCodeReturnedEquals), node('KeyPrefixEquals', rule.condition.keyPrefixEquals),
    ]),
    node('Redirect', redirectNodes(rule.redirect)),
  ]));
  return [
    node('IndexDocument', [node('Suffix', configuration.indexDocumentSuffix)]),
    configuration.errorDocumentKey === undefined ? node('ErrorDocument', undefined) : node('ErrorDocument', [node('Key', configuration.errorDocumentKey)]),
    rules.length === 0 ? node('RoutingRules', undefined) : node('RoutingRules', rules),
  ];
}

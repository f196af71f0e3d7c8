// The 'website' bucket setting: S3 static website hosting as Cairn keeps it (the index and error
// documents, or a redirect of every request, and the routing rules), and the check of its stored shape.
import { array, finiteNumber, oneOf, optional, record, string, type Fields } from './shape.js';

export const WEBSITE_PROTOCOLS = ['http', 'https'] as const;
export type WebsiteProtocol = (typeof WEBSITE_PROTOCOLS)[number];

/** Where a routing rule (or RedirectAllRequestsTo) sends a request; absent fields keep the request's own. */
export interface WebsiteRedirect {
  hostName?: string;
  protocol?: WebsiteProtocol;
  replaceKeyPrefixWith?: string;
  replaceKeyWith?: string;
  /** 3XX; S3's default is 301. */
  httpRedirectCode?: number;
}

/** When a rule applies: every condition given must hold (S3 allows either or both). */
export interface WebsiteCondition {
  keyPrefixEquals?: string;
  httpErrorCodeReturnedEquals?: number;
}

export interface WebsiteRoutingRule {
  condition?: WebsiteCondition;
  redirect: WebsiteRedirect;
}

export interface WebsiteConfiguration {
  /** Every request goes to this host (and protocol): no documents, no rules. */
  redirectAllRequestsTo?: { hostName: string; protocol?: WebsiteProtocol };
  indexDocumentSuffix?: string;
  errorDocumentKey?: string;
  routingRules: WebsiteRoutingRule[];
}

function checkRedirect(value: unknown, path: string): void {
  const redirect = record(value, path);
  for (const name of ['hostName', 'replaceKeyPrefixWith', 'replaceKeyWith']) optional(redirect, name, path, string);
  optional(redirect, 'protocol', path, (protocol, at) => oneOf(protocol, WEBSITE_PROTOCOLS, at));
  optional(redirect, 'httpRedirectCode', path, finiteNumber);
}

function checkRule(value: unknown, path: string): void {
  const rule: Fields = record(value, path);
  optional(rule, 'condition', path, (condition, at) => {
    optional(record(condition, at), 'keyPrefixEquals', at, string);
    optional(record(condition, at), 'httpErrorCodeReturnedEquals', at, finiteNumber);
  });
  checkRedirect(rule['redirect'], `${path}.redirect`);
}

export function parseWebsiteSetting(value: unknown): WebsiteConfiguration {
  const configuration = record(value, '');
  optional(configuration, 'redirectAllRequestsTo', '', (redirect, at) => {
    string(record(redirect, at)['hostName'], `${at}.hostName`);
    optional(record(redirect, at), 'protocol', at, (protocol, where) => oneOf(protocol, WEBSITE_PROTOCOLS, where));
  });
  optional(configuration, 'indexDocumentSuffix', '', string);
  optional(configuration, 'errorDocumentKey', '', string);
  array(configuration['routingRules'], 'routingRules').forEach((rule, position) => checkRule(rule, `routingRules[${position}]`));
  return value as WebsiteConfiguration;
}

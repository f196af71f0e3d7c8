// Parsed policies by their JSON text: a policy is parsed once, not on every request it governs.
// Bounded (least recently used out), so policies set and replaced over time do not grow memory.
import { parsePolicy, type ParsedPolicy, type PolicyParseOptions } from './policy.js';

const PARSED_POLICIES_CACHED_MAX = 1024;
const cache = new Map<string, ParsedPolicy>();

/** The parsed form of a stored (so already checked) policy text. */
export function parsedPolicy(text: string, options: PolicyParseOptions): ParsedPolicy {
  const cacheKey = `${options.kind}\n${options.accountId}\n${options.bucket ?? ''}\n${text}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) {
    // Map keeps insertion order: re-inserting marks the entry as the most recently used.
    cache.delete(cacheKey);
    cache.set(cacheKey, cached);
    return cached;
  }
  const parsed = parsePolicy(text, options);
  if (cache.size >= PARSED_POLICIES_CACHED_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, parsed);
  return parsed;
}

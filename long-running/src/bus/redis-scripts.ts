import { STREAM_PAYLOAD_FIELD } from '@enigma/core/bus/index';

/**
 * Lua scripts for the multi-step bus operations that must be atomic in Redis. Payloads stay opaque
 * JSON text in field STREAM_PAYLOAD_FIELD: Lua never decodes them (cjson would round numbers to 14 digits).
 */

/**
 * XAUTOCLAIM from the start of the pending list until `count` entries are claimed or the list is
 * exhausted, and read each claimed entry's new delivery count (XAUTOCLAIM does not return it).
 * KEYS[1] stream; ARGV group, consumer, minIdleMs, count. Returns { {id, fields, deliveries}, ... }.
 */
export const RECLAIM_SCRIPT = `
local key, group, consumer, minIdle, count = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local cursor = '0-0'
local out = {}
repeat
  local r = redis.call('XAUTOCLAIM', key, group, consumer, minIdle, cursor, 'COUNT', count - #out)
  cursor = r[1]
  for _, e in ipairs(r[2]) do
    local p = redis.call('XPENDING', key, group, e[1], e[1], 1)
    out[#out + 1] = { e[1], e[2], p[1][4] }
  end
until cursor == '0-0' or #out >= count
return out
`;

/**
 * Ack the entry in the origin and, only if it was still pending, append the dead letter: an entry is
 * dead-lettered at most once even when two consumers race. KEYS[1] stream, KEYS[2] dlq;
 * ARGV group, entry id, dead-letter JSON. Returns the DLQ id or false.
 */
export const DEAD_LETTER_SCRIPT = `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  return redis.call('XADD', KEYS[2], '*', '${STREAM_PAYLOAD_FIELD}', ARGV[3])
end
return false
`;

/**
 * Delete a dead letter and, only if it was still there, re-append its payload: a concurrent redrive
 * cannot duplicate it. KEYS[1] stream, KEYS[2] dlq; ARGV dlq id, payload JSON. Returns the new id or false.
 */
export const REDRIVE_SCRIPT = `
if redis.call('XDEL', KEYS[2], ARGV[1]) == 1 then
  return redis.call('XADD', KEYS[1], '*', '${STREAM_PAYLOAD_FIELD}', ARGV[2])
end
return false
`;

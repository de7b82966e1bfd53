// fn.yaml `subscriptions` and `schedules` as parseFunction checks them (event-checks.ts): each bad file
// is a usage error (exit 2) naming the field, its line:column and a next step; what Knative's webhooks
// accept is accepted. The cron and time zone cases were checked against Knative Eventing 0.45's
// webhook with `kubectl apply --dry-run=server` (its PingSource validation is robfig/cron's
// ParseStandard, after refusing @every; time zones go through Go's time.LoadLocation).
import {describe, expect, test} from '@jest/globals';
import {eventObjectNames} from '../../src/core/event-manifests.js';
import {cronProblem, timezoneProblem, validateBrokerName} from '../../src/core/event-checks.js';
import {parseFunction} from '../../src/core/function.js';
import {fnError} from '../support/fn-error.js';

/** fn.yaml with `body` after two lines of name and runtime: body's first line is line 3. */
const file = (body: string) => `name: hello\nruntime: node\n${body}`;
const long = (n: number) => 'a'.repeat(n);

interface Rejected {
  code: string;
  field: string;
  /** line:column */
  at: string;
  message: RegExp;
  suggestion: RegExp;
}

// title → fn.yaml after name and runtime → what the error must say.
const rejected: Array<[string, string, Rejected]> = [
  // ---- brokers and names
  ['an upper-case broker', 'subscriptions:\n  - broker: Default\n', {code: 'INVALID_BROKER', field: 'subscriptions[0].broker', at: '4:13', message: /"Default" is not a broker name: it must be lowercase letters, digits and '-'/, suggestion: /^e\.g\. broker: default$/}],
  ['a broker with an underscore', 'subscriptions:\n  - broker: my_broker\n', {code: 'INVALID_BROKER', field: 'subscriptions[0].broker', at: '4:13', message: /"my_broker" is not a broker name/, suggestion: /broker: default/}],
  ['a broker of 64 characters', `subscriptions:\n  - broker: ${long(64)}\n`, {code: 'INVALID_BROKER', field: 'subscriptions[0].broker', at: '4:13', message: /is 64 characters long; at most 63 are allowed/, suggestion: /broker: default/}],
  ['a subscription name that is not a DNS label', 'subscriptions:\n  - broker: default\n    name: Orders\n', {code: 'INVALID_NAME', field: 'subscriptions[0].name', at: '5:11', message: /"Orders" must be lowercase letters/, suggestion: /name: orders/}],

  // ---- exact attribute filters (a map)
  ['an empty attribute name', 'subscriptions:\n  - broker: default\n    filters: {"": x}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters', at: '5:14', message: /has an empty attribute name/, suggestion: /name a CloudEvents attribute/}],
  ['an upper-case attribute name: the lower-case fix', 'subscriptions:\n  - broker: default\n    filters: {Type: x}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters.Type', at: '5:15', message: /attribute "Type" is not a CloudEvents attribute name/, suggestion: /^use "type"$/}],
  ['a hyphenated attribute name', 'subscriptions:\n  - broker: default\n    filters: {content-type: x}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters.content-type', at: '5:15', message: /attribute "content-type" is not/, suggestion: /^use "contenttype"$/}],
  // Knative's webhook: "Attribute name must start with a letter and can only contain lowercase alphanumeric".
  ['an attribute name starting with a digit', 'subscriptions:\n  - broker: default\n    filters: {1type: x}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters["1type"]', at: '5:15', message: /attribute "1type" is not a CloudEvents attribute name: .*starting with a letter/, suggestion: /^use "type"$/}],
  ['a number as value: quote it', 'subscriptions:\n  - broker: default\n    filters: {type: 1}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters.type', at: '5:21', message: /must be a string \(got 1\)/, suggestion: /^quote it: type: "1"$/}],
  ['a boolean as value: quote it', 'subscriptions:\n  - broker: default\n    filters: {type: true}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters.type', at: '5:21', message: /must be a string \(got true\)/, suggestion: /^quote it: type: "true"$/}],
  ['a list as value: match any of them with any', 'subscriptions:\n  - broker: default\n    filters: {type: [a, b]}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters.type', at: '5:21', message: /must be one string \(got a list\)/, suggestion: /any: \[\{exact: \{type: a\}\}, \{exact: \{type: b\}\}\]/}],
  ['a map as value', 'subscriptions:\n  - broker: default\n    filters: {type: {a: b}}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters.type', at: '5:21', message: /must be a string \(got a map\)/, suggestion: /^give the value to match as a string, e\.g\. type: com\.example\.order$/}],
  ['an empty value', 'subscriptions:\n  - broker: default\n    filters: {type: ""}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters.type', at: '5:21', message: /is empty: an empty value would match every event/, suggestion: /remove type to match every value/}],
  ['no value at all (null) is an empty value', 'subscriptions:\n  - broker: default\n    filters:\n      type:\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters.type', at: '6:7', message: /is empty: an empty value would match every event/, suggestion: /remove type to match every value/}],
  ['a duplicate key in a filter map (the parser refuses it)', 'subscriptions:\n  - broker: default\n    filters: {type: a, type: b}\n', {code: 'INVALID_FN_YAML', field: 'subscriptions[0].filters.type', at: '5:24', message: /duplicate key "type" \(first at line 5\)/, suggestion: /fix fn\.yaml at that line/}],
  ['a duplicate key in a block filter map', 'subscriptions:\n  - broker: default\n    filters:\n      type: a\n      source: /x\n      type: b\n', {code: 'INVALID_FN_YAML', field: 'subscriptions[0].filters.type', at: '8:7', message: /duplicate key "type" \(first at line 6\)/, suggestion: /fix fn\.yaml/}],

  // ---- the filter dialect (a list)
  ['an unknown dialect key: did you mean', 'subscriptions:\n  - broker: default\n    filters:\n      - exakt: {type: a}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0]', at: '6:9', message: /must be an object with exactly one of exact, prefix, suffix, all, any, not, cesql \("exakt" is not one; did you mean "exact"\?\)/, suggestion: /filters: \[\{prefix/}],
  ['two keys in one expression: named, one item each', 'subscriptions:\n  - broker: default\n    filters:\n      - {exact: {type: a}, prefix: {source: b}}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0]', at: '6:9', message: /exactly one of .* \(it has 2: exact, prefix; each goes in its own list item\)/, suggestion: /filters: \[/}],
  ['an empty expression', 'subscriptions:\n  - broker: default\n    filters:\n      - {}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0]', at: '6:9', message: /exactly one of .* \(it has none\)/, suggestion: /filters: \[/}],
  ['a string as expression', 'subscriptions:\n  - broker: default\n    filters:\n      - exact\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0]', at: '6:9', message: /must be an object with exactly one of/, suggestion: /filters: \[/}],
  ['a string inside all (once a crash: "Cannot use \'in\' operator")', 'subscriptions:\n  - broker: default\n    filters:\n      - all: [exact]\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].all[0]', at: '6:15', message: /must be an object with exactly one of/, suggestion: /filters: \[/}],
  ['an empty all', 'subscriptions:\n  - broker: default\n    filters:\n      - all: []\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].all', at: '6:14', message: /must be a non-empty list of filter expressions/, suggestion: /^e\.g\. all: \[/}],
  ['an empty any', 'subscriptions:\n  - broker: default\n    filters:\n      - any: []\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].any', at: '6:14', message: /must be a non-empty list/, suggestion: /^e\.g\. any: \[/}],
  ['all given a map', 'subscriptions:\n  - broker: default\n    filters:\n      - all: {exact: {type: a}}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].all', at: '6:14', message: /must be a non-empty list/, suggestion: /all: \[/}],
  ['an empty cesql', 'subscriptions:\n  - broker: default\n    filters:\n      - cesql: ""\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].cesql', at: '6:16', message: /must be a CESQL expression/, suggestion: /cesql: "type LIKE/}],
  ['a blank cesql', 'subscriptions:\n  - broker: default\n    filters:\n      - cesql: "   "\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].cesql', at: '6:16', message: /must be a CESQL expression/, suggestion: /cesql/}],
  ['an exact with no attributes', 'subscriptions:\n  - broker: default\n    filters:\n      - exact: {}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].exact', at: '6:16', message: /must map attribute names to values/, suggestion: /^e\.g\. exact: \{type: com\.example\.order\}$/}],
  ['a bad attribute inside not', 'subscriptions:\n  - broker: default\n    filters:\n      - not: {exact: {Type: a}}\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].not.exact.Type', at: '6:23', message: /attribute "Type"/, suggestion: /use "type"/}],
  ['an empty value inside any', 'subscriptions:\n  - broker: default\n    filters:\n      - any: [{exact: {type: ""}}]\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].any[0].exact.type', at: '6:30', message: /is empty/, suggestion: /remove type/}],
  ['an unknown key nested in all', 'subscriptions:\n  - broker: default\n    filters:\n      - all: [{prefix: {type: a}}, {sufix: {type: b}}]\n', {code: 'INVALID_FILTER', field: 'subscriptions[0].filters[0].all[1]', at: '6:36', message: /"sufix" is not one; did you mean "suffix"\?/, suggestion: /filters/}],
  ['two exact filters on one attribute at the top level', 'subscriptions:\n  - broker: default\n    filters:\n      - exact: {type: a}\n      - exact: {type: b}\n', {code: 'DUPLICATE_FILTER', field: 'subscriptions[0].filters[1].exact.type', at: '7:17', message: /repeats an exact filter on "type" \(also at \[0\]\): an event has one type, so none would match both/, suggestion: /match either with any/}],
  ['two exact filters on one attribute inside all', 'subscriptions:\n  - broker: default\n    filters:\n      - all: [{exact: {type: a}}, {exact: {type: b}}]\n', {code: 'DUPLICATE_FILTER', field: 'subscriptions[0].filters[0].all[1].exact.type', at: '6:44', message: /repeats an exact filter on "type" \(also at \[0\]\)/, suggestion: /any/}],

  // ---- two subscriptions that are one Trigger, or the same wiring twice
  ['two identical subscriptions', 'subscriptions:\n  - broker: default\n    filters: {type: a}\n  - broker: default\n    filters: {type: a}\n', {code: 'DUPLICATE_SUBSCRIPTION', field: 'subscriptions[1]', at: '6:5', message: /subscribes to broker "default" with the same filters as subscriptions\[0\]: every event would arrive twice/, suggestion: /^remove subscriptions\[1\] from fn\.yaml$/}],
  ['the same filters in another order', 'subscriptions:\n  - broker: default\n    filters: {type: a, source: /s}\n  - broker: default\n    filters: {source: /s, type: a}\n', {code: 'DUPLICATE_SUBSCRIPTION', field: 'subscriptions[1]', at: '6:5', message: /same filters as subscriptions\[0\]/, suggestion: /remove subscriptions\[1\]/}],
  ['two subscriptions to all events of a broker', 'subscriptions:\n  - broker: default\n  - broker: default\n', {code: 'DUPLICATE_SUBSCRIPTION', field: 'subscriptions[1]', at: '5:5', message: /same filters as subscriptions\[0\]/, suggestion: /remove subscriptions\[1\]/}],
  ['two with the same explicit name', 'subscriptions:\n  - broker: default\n    name: orders\n  - broker: audit\n    name: orders\n', {code: 'DUPLICATE_SUBSCRIPTION', field: 'subscriptions[1].name', at: '7:11', message: /would be Trigger "hello-orders", as subscriptions\[0\] is/, suggestion: /^give subscriptions\[1\] another name$/}],
  ['an explicit name that is another one\'s default name', 'subscriptions:\n  - broker: default\n  - broker: audit\n    name: default\n', {code: 'DUPLICATE_SUBSCRIPTION', field: 'subscriptions[1].name', at: '6:11', message: /would be Trigger "hello-default", as subscriptions\[0\] is/, suggestion: /give subscriptions\[1\] another name/}],
  ['an explicit name that is the second default name', 'subscriptions:\n  - broker: default\n    filters: {type: a}\n  - broker: default\n    filters: {type: b}\n  - broker: audit\n    name: default-2\n', {code: 'DUPLICATE_SUBSCRIPTION', field: 'subscriptions[2].name', at: '9:11', message: /would be Trigger "hello-default-2", as subscriptions\[1\] is/, suggestion: /another name/}],

  // ---- delivery: retries, back-off and the dead-letter sink (Trigger spec.delivery)
  ['a backoffDelay without a unit', 'subscriptions:\n  - broker: default\n    delivery: {retry: 3, backoffDelay: "2"}\n', {code: 'INVALID_DELIVERY', field: 'subscriptions[0].delivery.backoffDelay', at: '5:40', message: /"2" is not a delay: a positive duration with a unit \(500ms, 2s, 1m\) or ISO 8601 \(PT0\.5S\)/, suggestion: /^e\.g\. backoffDelay: 1s$/}],
  ['a backoffDelay of 0s', 'subscriptions:\n  - broker: default\n    delivery: {retry: 3, backoffDelay: 0s}\n', {code: 'INVALID_DELIVERY', field: 'subscriptions[0].delivery.backoffDelay', at: '5:40', message: /"0s" is not a delay/, suggestion: /backoffDelay: 1s/}],
  ['a back-off without retries', 'subscriptions:\n  - broker: default\n    delivery:\n      backoffPolicy: linear\n', {code: 'INVALID_DELIVERY', field: 'subscriptions[0].delivery', at: '6:7', message: /sets a back-off but no retry/, suggestion: /add retry: 3/}],
  ['a dead-letter sink that is no sink', 'subscriptions:\n  - broker: default\n    delivery: {deadLetterSink: "svc:dlq"}\n', {code: 'INVALID_DELIVERY', field: 'subscriptions[0].delivery.deadLetterSink', at: '5:32', message: /"svc:dlq" is not a sink: give a function \(Knative Service\) name or ksvc:NAME, broker:NAME, or an http\(s\) URL/, suggestion: /deadLetterSink: dead-letters/}],
  ['the function as its own dead-letter sink', 'subscriptions:\n  - broker: default\n    delivery: {deadLetterSink: ksvc:hello}\n', {code: 'INVALID_DELIVERY', field: 'subscriptions[0].delivery.deadLetterSink', at: '5:32', message: /"ksvc:hello" is the function itself/, suggestion: /another function/}],
  ['the broker it receives from as the dead-letter sink', 'subscriptions:\n  - broker: orders\n    delivery: {deadLetterSink: broker:orders}\n', {code: 'INVALID_DELIVERY', field: 'subscriptions[0].delivery.deadLetterSink', at: '5:32', message: /is the broker this subscription receives from/, suggestion: /another broker/}],

  // ---- schedules: cron as Knative's PingSource webhook parses it
  ['a cron of 4 fields', 'schedules:\n  - cron: "* * * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /"\* \* \* \*" has 4 fields; a schedule has 5: minute hour day-of-month month day-of-week/, suggestion: /^e\.g\. cron: "\*\/5 \* \* \* \*"/}],
  ['a cron of 6 fields (seconds)', 'schedules:\n  - cron: "0 * * * * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /has 6 fields; a schedule has 5/, suggestion: /cron:/}],
  ['minute 60', 'schedules:\n  - cron: "60 * * * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /is not a valid schedule: minute 60 is out of range \(0-59\)/, suggestion: /cron:/}],
  ['hour 24', 'schedules:\n  - cron: "0 24 * * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /hour 24 is out of range \(0-23\)/, suggestion: /cron:/}],
  // croner reported these as "day: 31", "month: 12" and "day: -1": the value written minus its offset.
  ['day-of-month 32: the value written', 'schedules:\n  - cron: "0 0 32 * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /day-of-month 32 is out of range \(1-31\)/, suggestion: /cron:/}],
  ['day-of-month 0', 'schedules:\n  - cron: "0 0 0 * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /day-of-month 0 is out of range \(1-31\)/, suggestion: /cron:/}],
  ['month 13', 'schedules:\n  - cron: "0 0 * 13 *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /month 13 is out of range \(1-12\)/, suggestion: /cron:/}],
  // robfig/cron's day of week is 0-6: "end of range (7) above maximum (6)".
  ['day-of-week 7 (Sunday is 0 for Knative)', 'schedules:\n  - cron: "0 9 * * 7"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /day-of-week 7 is out of range \(0-6; Sunday is 0\)/, suggestion: /cron:/}],
  ['day-of-week range to 7', 'schedules:\n  - cron: "0 9 * * 1-7"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /day-of-week 7 is out of range/, suggestion: /cron:/}],
  ['a range that runs backwards', 'schedules:\n  - cron: "0 0 * * fri-mon"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /day-of-week range fri-mon runs backwards/, suggestion: /cron:/}],
  ['a step of 0', 'schedules:\n  - cron: "*/0 * * * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /minute step "0" must be a whole number of at least 1/, suggestion: /cron:/}],
  ['a word', 'schedules:\n  - cron: "0 0 * * someday"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /day-of-week "someday" is not a number or a name \(sun, mon, …\)/, suggestion: /cron:/}],
  ['L (last day of month)', 'schedules:\n  - cron: "0 0 L * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /uses L, W or #, which Knative's cron parser does not accept/, suggestion: /cron:/}],
  ['W (nearest weekday)', 'schedules:\n  - cron: "0 0 15W * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /uses L, W or #/, suggestion: /cron:/}],
  ['# (nth weekday)', 'schedules:\n  - cron: "0 0 * * 1#2"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /uses L, W or #/, suggestion: /cron:/}],
  // croner takes 5L as "the last Friday"; Knative: `failed to parse int from 5L`.
  ['5L (last Friday)', 'schedules:\n  - cron: "0 0 * * 5L"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /uses L, W or #/, suggestion: /cron:/}],
  // Knative refuses @every ("unsupported descriptor @every") although robfig/cron knows it.
  ['@every 5m: the cron that does it', 'schedules:\n  - cron: "@every 5m"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /"@every 5m": Knative's PingSource does not accept @every/, suggestion: /^use cron: "\*\/5 \* \* \* \*"$/}],
  ['@every 2h: the cron that does it', 'schedules:\n  - cron: "@every 2h"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /does not accept @every/, suggestion: /^use cron: "0 \*\/2 \* \* \*"$/}],
  ['@every with a bad duration', 'schedules:\n  - cron: "@every 5 minutes"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /does not accept @every/, suggestion: /^e\.g\. cron: "\*\/5 \* \* \* \*"/}],
  ['an unknown descriptor', 'schedules:\n  - cron: "@often"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /"@often" is not a schedule descriptor; accepted: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly$/, suggestion: /cron:/}],
  ['a CRON_TZ= prefix: the timezone field instead', 'schedules:\n  - cron: "CRON_TZ=Europe/Berlin 0 9 * * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /sets its time zone inline/, suggestion: /timezone field instead, e\.g\. timezone: Europe\/Berlin$/}],
  ['a TZ= prefix', 'schedules:\n  - cron: "TZ=UTC 0 9 * * *"\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].cron', at: '4:11', message: /sets its time zone inline/, suggestion: /timezone: UTC$/}],

  // ---- time zones
  ['an unknown time zone: did you mean', 'schedules:\n  - cron: "0 9 * * *"\n    timezone: Europe/Berln\n', {code: 'INVALID_TIMEZONE', field: 'schedules[0].timezone', at: '5:15', message: /"Europe\/Berln" is not an IANA time zone/, suggestion: /^did you mean timezone: Europe\/Berlin\?$/}],
  // Intl takes any case; Go's time.LoadLocation, which Knative uses, does not ("unknown time zone america/new_york").
  ['a time zone in the wrong case', 'schedules:\n  - cron: "0 9 * * *"\n    timezone: america/new_york\n', {code: 'INVALID_TIMEZONE', field: 'schedules[0].timezone', at: '5:15', message: /"america\/new_york" is not an IANA time zone as written: the names are case-sensitive/, suggestion: /^did you mean timezone: America\/New_York\?$/}],
  ['utc in lower case', 'schedules:\n  - cron: "0 9 * * *"\n    timezone: utc\n', {code: 'INVALID_TIMEZONE', field: 'schedules[0].timezone', at: '5:15', message: /case-sensitive/, suggestion: /timezone: UTC\?$/}],
  ['an offset', 'schedules:\n  - cron: "0 9 * * *"\n    timezone: "+05:00"\n', {code: 'INVALID_TIMEZONE', field: 'schedules[0].timezone', at: '5:15', message: /"\+05:00" is not an IANA time zone/, suggestion: /timezone: /}],

  // ---- the data an event carries
  // Knative's webhook: with application/json the data must be a JSON object ("cannot unmarshal array").
  ['a list as data', 'schedules:\n  - cron: "@hourly"\n    data: [1, 2]\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].data', at: '5:11', message: /is a list: Knative sends JSON data only as an object/, suggestion: /^wrap it in an object, e\.g\. data: \{items: \[1, 2\]\}$/}],
  ['a number as data', 'schedules:\n  - cron: "@hourly"\n    data: 42\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].data', at: '5:11', message: /must be a map \(sent as JSON\) or a string \(sent as text\)/, suggestion: /^quote it to send it as text: data: "42"$/}],
  ['data: with nothing after it', 'schedules:\n  - cron: "@hourly"\n    data:\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].data', at: '5:10', message: /must be a map \(sent as JSON\) or a string \(sent as text\), not null/, suggestion: /^remove data to send no data$/}],
  ['a string that is not a JSON object, as application/json', 'schedules:\n  - cron: "@hourly"\n    data: hello\n    contentType: application/json\n', {code: 'INVALID_SCHEDULE', field: 'schedules[0].data', at: '5:11', message: /is not a JSON object, which Knative requires with contentType application\/json/, suggestion: /write data as a map/}],
  ['a schedule name that is not a DNS label', 'schedules:\n  - cron: "@hourly"\n    name: Nightly\n', {code: 'INVALID_NAME', field: 'schedules[0].name', at: '5:11', message: /"Nightly" must be lowercase/, suggestion: /name: nightly/}],

  // ---- two schedules that are one PingSource
  ['a name that is another schedule\'s default name', 'schedules:\n  - cron: "0 9 * * *"\n  - cron: "@daily"\n    name: schedule-1\n', {code: 'DUPLICATE_SCHEDULE', field: 'schedules[1].name', at: '6:11', message: /would be PingSource "hello-schedule-1", as schedules\[0\] is/, suggestion: /^give schedules\[1\] another name$/}],
  ['two schedules of one name', 'schedules:\n  - cron: "0 9 * * *"\n    name: nightly\n  - cron: "@daily"\n    name: nightly\n', {code: 'DUPLICATE_SCHEDULE', field: 'schedules[1].name', at: '7:11', message: /would be PingSource "hello-nightly", as schedules\[0\] is/, suggestion: /another name/}],
];

describe('fn.yaml subscriptions and schedules: refused with the field, its position and a next step', () => {
  test.each(rejected)('%s', (_title, body, want) => {
    const e = fnError(() => parseFunction(file(body)));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: want.code, exitCode: 2});
    const prefix = `fn.yaml:${want.at}: ${want.field} `;
    expect(e.message.slice(0, prefix.length)).toBe(prefix);
    expect(e.message).toMatch(want.message);
    expect(e.suggestion).toMatch(want.suggestion);
    const [line, column] = want.at.split(':').map(Number);
    expect(e.details).toMatchObject({field: want.field, line, column});
  });
});

// What Knative accepts (the webhook's dry run took each of these).
const accepted: Array<[string, string]> = [
  ['a broker of 63 characters', `subscriptions:\n  - broker: ${long(63)}\n`],
  ['a subscription to all events', 'subscriptions:\n  - broker: default\n'],
  ['attribute names with digits', 'subscriptions:\n  - broker: default\n    filters: {type: a, ext1: b}\n'],
  ['the dialect nested: not, all, any, cesql', "subscriptions:\n  - broker: default\n    filters:\n      - not: {all: [{exact: {type: a}}, {any: [{prefix: {source: x}}, {not: {suffix: {subject: .pdf}}}]}]}\n      - cesql: \"type = 'a'\"\n"],
  ['two exact filters on one attribute inside any (either may match)', 'subscriptions:\n  - broker: default\n    filters:\n      - any: [{exact: {type: a}}, {exact: {type: b}}]\n'],
  ['an exact and a prefix on one attribute', 'subscriptions:\n  - broker: default\n    filters:\n      - exact: {type: a}\n      - prefix: {type: a}\n'],
  ['exact filters on one attribute in two separate all lists', 'subscriptions:\n  - broker: default\n    filters:\n      - any:\n          - all: [{exact: {type: a}}]\n          - all: [{exact: {type: b}}]\n'],
  ['two subscriptions on one broker with other filters', 'subscriptions:\n  - broker: default\n    filters: {type: a}\n  - broker: default\n    filters: {type: b}\n'],
  ['the same filters on two brokers', 'subscriptions:\n  - broker: default\n    filters: {type: a}\n  - broker: audit\n    filters: {type: a}\n'],
  ['delivery: retries with a back-off in fn\'s durations and in ISO 8601, dead letters to a function, a broker, a URL', 'subscriptions:\n  - broker: default\n    filters: {type: a}\n    delivery: {retry: 3, backoffPolicy: exponential, backoffDelay: 500ms, deadLetterSink: dlq}\n  - broker: default\n    filters: {type: b}\n    delivery: {retry: 0, backoffDelay: PT1M30S, deadLetterSink: broker:dead}\n  - broker: default\n    filters: {type: c}\n    delivery: {deadLetterSink: "https://dead.example.test/letters"}\n'],
  ['@hourly', 'schedules:\n  - cron: "@hourly"\n'],
  ['@midnight and @annually', 'schedules:\n  - cron: "@midnight"\n  - cron: "@annually"\n'],
  ['steps, ranges and lists', 'schedules:\n  - cron: "*/5 0-6,22,23 1-31/2 * *"\n'],
  // croner refused this ("stepping with numeric prefix"); robfig/cron reads N/step as N-max/step.
  ['a step from a single value', 'schedules:\n  - cron: "5/15 * * * *"\n'],
  ['names in any case, in ranges and with steps', 'schedules:\n  - cron: "0 9 * JAN-jun MON-fri/2"\n'],
  ['? for any', 'schedules:\n  - cron: "0 9 ? * *"\n'],
  ['Sunday as 0 and Saturday as 6', 'schedules:\n  - cron: "0 9 * * 0,6"\n'],
  ['surrounding spaces and doubled spaces', 'schedules:\n  - cron: "  0  9 * * *  "\n'],
  ['names that hold L and W (jul, wed)', 'schedules:\n  - cron: "0 9 * jul wed"\n'],
  ['February 31 (never fires, but Knative accepts it)', 'schedules:\n  - cron: "0 0 31 2 *"\n'],
  ['Europe/Berlin', 'schedules:\n  - cron: "0 9 * * *"\n    timezone: Europe/Berlin\n'],
  ['UTC', 'schedules:\n  - cron: "0 9 * * *"\n    timezone: UTC\n'],
  ['America/Argentina/Buenos_Aires', 'schedules:\n  - cron: "0 9 * * *"\n    timezone: America/Argentina/Buenos_Aires\n'],
  ['links: US/Pacific, Asia/Calcutta, Europe/Kyiv, EST, Etc/GMT+5', 'schedules:\n  - {cron: "@daily", timezone: US/Pacific}\n  - {cron: "@daily", timezone: Asia/Calcutta}\n  - {cron: "@daily", timezone: Europe/Kyiv}\n  - {cron: "@daily", timezone: EST}\n  - {cron: "@daily", timezone: Etc/GMT+5}\n'],
  ['data: a map, a string, a JSON object as application/json, a list under another content type', 'schedules:\n  - {cron: "@daily", data: {a: [1, 2]}}\n  - {cron: "@daily", data: hello}\n  - {cron: "@daily", data: \'{"a": 1}\', contentType: application/json}\n  - {cron: "@daily", data: "[1, 2]", contentType: text/plain}\n'],
];

describe('fn.yaml subscriptions and schedules: accepted as Knative accepts them', () => {
  test.each(accepted)('%s', (_title, body) => {
    expect(() => parseFunction(file(body))).not.toThrow();
  });

  test('default names on one broker do not clash: hello-default, hello-default-2', () => {
    const config = parseFunction(file('subscriptions:\n  - broker: default\n    filters: {type: a}\n  - broker: default\n    filters: {type: b}\n  - broker: audit\n'));
    expect(eventObjectNames(config.name, config).triggers).toEqual(['hello-default', 'hello-default-2', 'hello-audit']);
  });

  test('every problem of the file is listed in details.errors, in order', () => {
    const e = fnError(() => parseFunction(file('subscriptions:\n  - broker: Bad\n    filters: {Type: ""}\n')));
    expect(e.details?.errors).toEqual([
      'subscriptions[0].broker "Bad" is not a broker name: it must be lowercase letters, digits and \'-\', starting and ending with a letter or digit',
      'subscriptions[0].filters.Type attribute "Type" is not a CloudEvents attribute name: lower-case letters and digits, starting with a letter',
      'subscriptions[0].filters.Type is empty: an empty value would match every event',
    ]);
  });
});

describe('cronProblem and timezoneProblem', () => {
  test.each(['* * * * *', '0 9 * * 1-5', '@weekly', '@yearly', '0 0 1 1 *', '59 23 31 12 6', '+1 * * * *', '1, * * * *'])('%s is a schedule', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });

  test.each(['', '   ', '1-2-3 * * * *', '1/2/3 * * * *', '*/-1 * * * *', '0 0 * * 5#3'])('%j is not', (cron) => {
    expect(cronProblem(cron)).toMatchObject({message: expect.any(String), suggestion: expect.stringMatching(/cron:/)});
  });

  test('the time zone of a time zone problem is a real one', () => {
    expect(timezoneProblem('Europe/Berlin')).toBeUndefined();
    expect(timezoneProblem('Mars/Olympus_Mons')?.suggestion).toMatch(/^did you mean timezone: \S+\?$/);
    expect(timezoneProblem('europe/berlin')?.suggestion).toBe('did you mean timezone: Europe/Berlin?');
    // UTC is not in Intl's list of zones (it lists canonical regions), but is the likeliest meant.
    expect(timezoneProblem('UTX')?.suggestion).toBe('did you mean timezone: UTC?');
  });
});

describe('validateBrokerName (flags and arguments)', () => {
  test('a valid name is returned as it is', () => {
    expect(validateBrokerName('default')).toBe('default');
    expect(validateBrokerName(long(63))).toBe(long(63));
  });

  test.each([
    ['Default', /must be lowercase letters, digits and '-'/],
    ['my_broker', /must be lowercase letters/],
    ['-default', /starting and ending with a letter or digit/],
    ['', /must be lowercase letters/],
    [long(64), /is 64 characters long; at most 63 are allowed/],
  ])('%j is refused, naming the flag and the value', (name, why) => {
    const e = fnError(() => validateBrokerName(name));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'INVALID_BROKER', exitCode: 2});
    expect(e.message).toMatch(new RegExp(`^--broker "${name}" is not a broker name: it `));
    expect(e.message).toMatch(why);
    expect(e.suggestion).toBe('e.g. default');
    expect(e.details).toEqual({field: '--broker', value: name});
  });

  test('the field named is the one given', () => {
    expect(() => validateBrokerName('Bad', 'broker')).toThrow(/^broker "Bad" is not a broker name/);
  });
});

# The same summary as `tlsgate audit summary --format json`, by hand in jq (the README's old recipe,
# extended): one pass with reduce over the lines.
def inc($k): .[$k | tostring] += 1;
reduce inputs as $l ({lines: 0, traffic: 0, first: null, last: null, by_mode: {}, by_decision: {}, by_outcome: {},
                      errors: {}, tls_versions: {}, ciphers: {}, hosts: {}, clients: {}, instances: {},
                      aws_calls: 0, fips_calls: 0, aws_services: {}, aws_regions: {}, aws_operations: {},
                      aws_access_key_ids: {}, violations: {}};
  .lines += 1
  | .first = (if .first == null or $l.time < .first then $l.time else .first end)
  | .last = (if .last == null or $l.time > .last then $l.time else .last end)
  | (if $l.instance then .instances |= inc($l.instance) else . end)
  | if $l.event == "violation" then
      reduce ($l.violations[]) as $c (.;
        .violations[$c] |= (if . == null then {count: 1, first: $l.time, last: $l.time, example: ($l | tojson)}
                            else .count += 1 | .last = $l.time end))
    elif $l.event == "request" or $l.event == "tunnel" then
      .traffic += 1
      | .by_mode |= inc($l.mode) | .by_decision |= inc($l.decision) | .by_outcome |= inc($l.outcome)
      | (if $l.outcome == "error" then .errors |= inc($l.error) else . end)
      | (if $l.tls_version then .tls_versions |= inc($l.tls_version) else . end)
      | (if $l.cipher then .ciphers |= inc($l.cipher) else . end)
      | (if $l.host then .hosts |= inc($l.host) else . end)
      | (if $l.client then .clients |= inc($l.client | sub(":[0-9]+$"; "")) else . end)
      | (if $l.aws_service then
           .aws_calls += 1 | .aws_services |= inc($l.aws_service)
           | (if $l.fips_endpoint then .fips_calls += 1 else . end)
           | (if $l.aws_region then .aws_regions |= inc($l.aws_region) else . end)
           | (if $l.aws_operation then .aws_operations |= inc($l.aws_operation) else . end)
           | (if $l.aws_access_key_id then .aws_access_key_ids |= inc($l.aws_access_key_id) else . end)
         else . end)
    else . end)
| .hosts |= (to_entries | sort_by(-.value) | .[:10] | from_entries)
| .clients |= (to_entries | sort_by(-.value) | .[:10] | from_entries)

#!/usr/bin/env python3
"""Writes N realistic tlsgate audit lines (requests, tunnels, violations, errors, AWS fields,
evidence fields) to stdout, deterministically, for bench/audit_summary.sh."""
import hashlib, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 500000
rng = random.Random(7)
hosts = ["s3.us-east-1.amazonaws.com", "s3-fips.us-east-1.amazonaws.com", "sts.us-west-2.amazonaws.com",
         "dynamodb.eu-west-1.amazonaws.com", "kms-fips.us-east-2.amazonaws.com", "api.example.com",
         "evil.example.org", "sqs.us-east-1.amazonaws.com"]
ops = ["GetObject", "PutObject", "AssumeRole", "Query", "Decrypt", "SendMessage", "ListBuckets"]
keys = ["AKIAEXAMPLE%04d" % i for i in range(20)]
chain = "0" * 64
seq = 0
out = sys.stdout
for i in range(1, n + 1):
    t = 1764806400 + i // 50
    ms = (i * 7) % 1000
    ts = "2025-12-04T%02d:%02d:%02d.%03dZ" % ((t // 3600) % 24, (t // 60) % 60, t % 60, ms)
    h = rng.choice(hosts)
    tunnel = rng.random() < 0.3
    mode = "tunnel" if tunnel else "forward"
    aws = h.endswith("amazonaws.com")
    denied = h == "evil.example.org"
    err = not denied and rng.random() < 0.02
    tls = "TLSv1.3" if rng.random() < 0.8 else "TLSv1.2"
    cipher = "TLS_AES_128_GCM_SHA256" if tls == "TLSv1.3" else "ECDHE-RSA-AES128-GCM-SHA256"
    decision = "deny" if denied else "allow"
    viol = '["host_not_allowed"]' if denied else "[]"
    client = "127.0.0.%d:%d" % (rng.randint(1, 30), rng.randint(30000, 60000))
    parts = ['{"time":"%s","event":"%s","mode":"%s","client":"%s","host":"%s","port":443' % (ts, "tunnel" if tunnel else "request", mode, client, h)]
    parts.append(',"method":%s,"path":%s,"status":%d' % ('"CONNECT"' if tunnel else '"GET"', 'null' if tunnel else '"/bucket/key-%d?versionId=REDACTED"' % (i % 1000), 403 if denied else (502 if err else 200)))
    parts.append(',"upstream":%s,"tls_version":%s,"cipher":%s,"decision":"%s"' % ('null' if denied or err else '"52.216.1.%d:443"' % (i % 250), 'null' if denied or err else '"%s"' % tls, 'null' if denied or err else '"%s"' % cipher, decision))
    parts.append(',"outcome":"%s","error":%s,"violations":%s,"reason":%s' % ("error" if err else "ok", '"upstream_unreachable"' if err else "null", viol, '"the destination host is not in policy.allow_hosts"' if denied else "null"))
    parts.append(',"bytes_in":%d,"bytes_out":%d,"duration_ms":%.3f' % (rng.randint(100, 5000), rng.randint(100, 100000), rng.random() * 50))
    if tunnel:
        parts.append(',"sni":"%s","alpn":["h2","http/1.1"],"client_tls_max":"TLSv1.3"' % h)
    if aws:
        svc = h.split(".")[0].replace("-fips", "")
        region = h.split(".")[1]
        parts.append(',"aws_partition":"aws","aws_service":"%s","aws_region":"%s","fips_endpoint":%s' % (svc, region, "true" if "-fips" in h else "false"))
        if not tunnel:
            parts.append(',"aws_operation":"%s","sigv4_scope":"%s/%s","aws_access_key_id":"%s"' % (rng.choice(ops), svc, region, rng.choice(keys)))
    record = "".join(parts)
    lines = [record]
    if denied:
        lines.append(record.replace('"event":"request"', '"event":"violation"').replace('"event":"tunnel"', '"event":"violation"'))
    for text in lines:
        seq += 1
        body = text + ',"instance":"gw-bench","seq":%d' % seq
        chain = hashlib.sha256((chain + body + "}").encode()).hexdigest()
        out.write(body + ',"chain":"%s"}\n' % chain)

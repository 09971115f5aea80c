#!/usr/bin/env python3
"""Generate config/aws-endpoints.json, tlsgate's catalog of AWS endpoint host names.

Refresh (after upgrading botocore: `python3 -m pip install -U botocore`):

    python3 config/generate-aws-endpoints.py -o config/aws-endpoints.json

Options: --data-dir DIR reads another botocore `data` directory; --date YYYY-MM-DD (or the
SOURCE_DATE_EPOCH environment variable) fixes the recorded generation date. The same botocore data
and date always give byte-identical output (sorted keys, one host per line, no timestamps).

Input: botocore's data/endpoints.json (partitions, services, regions, variants, pseudo-regions) and
the `metadata` of each service model (data/<service>/<version>/service-2.json[.gz]), which gives
the SigV4 signing name of each endpoint prefix (`api.ecr` signs as `ecr`, `email` as `ses`).

Output ("format": 1):
  partitions  [{"id", "dnsSuffix", "suffixes"}]: every DNS suffix the partition uses (its dnsSuffix,
              the variant suffixes such as the dual-stack `api.aws`, service-specific suffixes).
  signing     {service: signing names joined by "|"}, only for services whose SigV4 signing name
              differs from the endpoint prefix (credentialScope.service or the models' signingName).
  hosts       {host: [partition index, service, region, flags, fipsAlternative?]}
              service     the endpoint prefix (botocore's service key: "s3", "dynamodb", "api.ecr").
              region      the real region: credentialScope.region when present (pseudo-regions such
                          as "fips-us-east-1" and global endpoints such as "aws-global" name it).
              flags       "f" FIPS endpoint (hostname of a fips-tagged variant or of a fips
                          pseudo-region; GovCloud hosts without "fips" in the name can be FIPS),
                          "d" dual-stack, "g" global (the region is not part of the host name).
                          A standard host name that says "-fips" itself (GovCloud's
                          compute-optimizer-fips.us-gov-east-1.amazonaws.com) is FIPS too.
              fipsAlternative  for a non-FIPS host, the FIPS host of the same service and region
                          (same dual-stack-ness preferred); absent when the data has none.
Only host names the data lists are catalogued: an endpoint's standard host name and the variants
the endpoint itself lists. Templates are never applied to variants an endpoint does not list (an
SDK does so and builds names such as s3-fips.ap-southeast-1.amazonaws.com that do not exist), and
pseudo-regions without an explicit hostname are skipped.
"""

import argparse
import datetime
import gzip
import json
import os
import re
import sys

FORMAT = 1
FIPS_NAME_RE = re.compile(r"(^|[.-])fips($|[.-])")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9_-]{1,63}$")


def expand(template, service, region, dns_suffix):
    return template.replace("{service}", service).replace("{region}", region).replace("{dnsSuffix}", dns_suffix)


def find_variant(data, tags):
    for variant in (data or {}).get("variants", []):
        if sorted(variant.get("tags", [])) == tags:
            return variant
    return None


def signing_names_from_models(data_dir):
    """endpointPrefix -> set of signingName, from the newest version of each service model."""
    names = {}
    for service in sorted(os.listdir(data_dir)):
        service_dir = os.path.join(data_dir, service)
        if not os.path.isdir(service_dir):
            continue
        versions = sorted(v for v in os.listdir(service_dir) if os.path.isdir(os.path.join(service_dir, v)))
        if not versions:
            continue
        base = os.path.join(service_dir, versions[-1], "service-2.json")
        if os.path.exists(base + ".gz"):
            with gzip.open(base + ".gz", "rt", encoding="utf-8") as f:
                metadata = json.load(f).get("metadata", {})
        elif os.path.exists(base):
            with open(base, encoding="utf-8") as f:
                metadata = json.load(f).get("metadata", {})
        else:
            continue
        prefix = metadata.get("endpointPrefix")
        if prefix:
            names.setdefault(prefix, set()).add(metadata.get("signingName", prefix))
    return names


class Source:
    """One way a host name appears in the data."""

    def __init__(self, partition, service, key, region, fips, dualstack, signing, pseudo, variant):
        self.partition, self.service, self.key, self.region = partition, service, key, region
        self.fips, self.dualstack, self.signing = fips, dualstack, signing
        self.pseudo, self.variant = pseudo, variant


def real_region(key, endpoint, service_defaults, regions, host):
    scope = endpoint.get("credentialScope", {}).get("region") or \
        service_defaults.get("credentialScope", {}).get("region")
    if scope:
        return scope
    if key in regions:
        return key
    for text in (key, host):
        for region in sorted(regions, key=lambda r: (-len(r), r)):
            if re.search(r"(^|[.-])" + re.escape(region) + r"($|[.-])", text):
                return region
    return key


def collect(endpoints_data, model_signing):
    partitions = []
    sources = {}  # host -> [Source]
    skipped = []
    for p_index, partition in enumerate(endpoints_data["partitions"]):
        p_suffix = partition["dnsSuffix"]
        p_defaults = partition.get("defaults", {})
        regions = set(partition.get("regions", {}))
        suffixes = {p_suffix}
        for variant in p_defaults.get("variants", []):
            if variant.get("dnsSuffix"):
                suffixes.add(variant["dnsSuffix"])
        for service, service_data in sorted(partition["services"].items()):
            s_defaults = service_data.get("defaults", {})
            for d in [s_defaults] + s_defaults.get("variants", []):
                if d.get("dnsSuffix"):
                    suffixes.add(d["dnsSuffix"])
            for key, endpoint in sorted(service_data.get("endpoints", {}).items()):
                pseudo = key not in regions
                scope_service = endpoint.get("credentialScope", {}).get("service") or \
                    s_defaults.get("credentialScope", {}).get("service")
                signing = set(model_signing.get(service, ()))
                if scope_service:
                    signing.add(scope_service)
                if not signing:
                    signing = {service}
                key_fips = pseudo and "fips" in key.lower()
                key_dualstack = pseudo and "dualstack" in key.lower()

                # The standard host name.
                if pseudo and "hostname" not in endpoint:
                    skipped.append(f"{partition['partition']}/{service}/{key}: pseudo-region without hostname")
                else:
                    template = endpoint.get("hostname") or s_defaults.get("hostname") or p_defaults["hostname"]
                    dns = endpoint.get("dnsSuffix") or s_defaults.get("dnsSuffix") or p_suffix
                    host = expand(template, service, key, dns).lower()
                    add(sources, skipped, host, Source(
                        p_index, service, key, real_region(key, endpoint, s_defaults, regions, host),
                        key_fips or FIPS_NAME_RE.search(host) is not None,
                        key_dualstack or "dualstack" in host.split("."), signing, pseudo, False))

                # The variants the endpoint lists (never the defaults' templates alone).
                for listed in endpoint.get("variants", []):
                    tags = sorted(listed.get("tags", []))
                    merged = {}
                    for data in (endpoint, s_defaults, p_defaults):
                        found = listed if data is endpoint else find_variant(data, tags)
                        for k, v in (found or {}).items():
                            merged.setdefault(k, v)
                    template = merged.get("hostname")
                    if not template:
                        skipped.append(f"{partition['partition']}/{service}/{key} {tags}: no hostname")
                        continue
                    dns = merged.get("dnsSuffix") or endpoint.get("dnsSuffix") or \
                        s_defaults.get("dnsSuffix") or p_suffix
                    host = expand(template, service, key, dns).lower()
                    add(sources, skipped, host, Source(
                        p_index, service, key, real_region(key, endpoint, s_defaults, regions, host),
                        "fips" in tags or key_fips, "dualstack" in tags or key_dualstack, signing, pseudo, True))
        partitions.append({"id": partition["partition"], "dnsSuffix": p_suffix, "suffixes": suffixes,
                           "regions": regions})
    # Explicit host names under a suffix the partition does not declare (ISO partitions' dual-stack
    # names such as lambda.us-isof-east-1.api.aws.hci.ic.gov): the labels after the region.
    for host, found in sources.items():
        part = partitions[found[0].partition]
        if any(host.endswith("." + suffix) for suffix in part["suffixes"]):
            continue
        labels = host.split(".")
        for i, label in enumerate(labels[:-1]):
            if label in part["regions"] and i + 1 < len(labels) - 1:
                part["suffixes"].add(".".join(labels[i + 1:]))
                break
    partitions = [{"id": p["id"], "dnsSuffix": p["dnsSuffix"],
                   "suffixes": sorted(p["suffixes"], key=lambda s: (-len(s), s))} for p in partitions]
    return partitions, sources, skipped


def add(sources, skipped, host, source):
    if not HOST_RE.match(host):
        skipped.append(f"{host!r}: not a DNS host name")
        return
    sources.setdefault(host, []).append(source)


def primary(host, candidates):
    """The source a host's record describes when several services or regions list the same name."""
    def rank(s):
        named = host.startswith(s.service + ".") or host.startswith(s.service + "-")
        return (not named, s.pseudo, s.variant, s.service, s.key)
    return min(candidates, key=rank)


def build(endpoints_data, model_signing):
    partitions, sources, skipped = collect(endpoints_data, model_signing)
    merged = {}
    for host, candidates in sources.items():
        best = primary(host, candidates)
        same = [s for s in candidates if s.service == best.service]
        signing = set().union(*(s.signing for s in same))
        merged[host] = {
            "partition": best.partition, "service": best.service, "region": best.region,
            "keys": {s.key for s in same},
            "fips": any(s.fips for s in candidates), "dualstack": any(s.dualstack for s in candidates),
            "signing": signing,
        }
    # FIPS hosts by (partition, service, real region): alternatives for the non-FIPS ones.
    fips_hosts = {}
    for host, r in merged.items():
        if r["fips"]:
            fips_hosts.setdefault((r["partition"], r["service"], r["region"]), []).append(host)
    hosts, signing = {}, {}
    for host in sorted(merged):
        r = merged[host]
        alternative = None
        if not r["fips"]:
            candidates = fips_hosts.get((r["partition"], r["service"], r["region"]), [])
            if candidates:
                alternative = min(candidates, key=lambda h: (
                    merged[h]["dualstack"] != r["dualstack"],   # same dual-stack-ness first
                    not (merged[h]["keys"] & r["keys"]),        # a variant of the same endpoint first
                    "fips" not in h.split(".")[0],              # then a name that says FIPS
                    len(h), h))
        flags = ("f" if r["fips"] else "") + ("d" if r["dualstack"] else "") + \
            ("g" if not re.search(r"(^|[.-])" + re.escape(r["region"]) + r"($|[.-])", host) else "")
        record = [r["partition"], r["service"], r["region"], flags]
        if alternative:
            record.append(alternative)
        if r["signing"] != {r["service"]}:
            signing.setdefault(r["service"], set()).update(r["signing"])
        hosts[host] = record
    return partitions, {k: "|".join(sorted(v)) for k, v in sorted(signing.items())}, hosts, skipped


def render(meta, partitions, signing, hosts):
    """Compact JSON with one host per line: small, and diffs of a refresh stay readable."""
    out = ["{"]
    for k, v in meta.items():
        out.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=True)},")
    out.append(' "partitions": [')
    out.append(",\n".join("  " + json.dumps(p, separators=(",", ":")) for p in partitions))
    out.append(" ],")
    out.append(' "signing": {')
    out.append(",\n".join(f"  {json.dumps(k)}:{json.dumps(v)}" for k, v in signing.items()))
    out.append(" },")
    out.append(' "hosts": {')
    out.append(",\n".join(f"{json.dumps(h)}:{json.dumps(r, separators=(',', ':'))}" for h, r in hosts.items()))
    out.append(" }")
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="botocore data directory (default: the installed botocore's)")
    parser.add_argument("--botocore-version", help="version to record (default: the installed botocore's)")
    parser.add_argument("--date", help="generation date to record, YYYY-MM-DD (default: SOURCE_DATE_EPOCH or today, UTC)")
    parser.add_argument("-o", "--output", help="write here (atomically) instead of standard output")
    parser.add_argument("-v", "--verbose", action="store_true", help="list skipped entries on standard error")
    args = parser.parse_args()

    data_dir, version = args.data_dir, args.botocore_version
    if not data_dir or not version:
        import botocore
        data_dir = data_dir or os.path.join(os.path.dirname(botocore.__file__), "data")
        version = version or botocore.__version__
    date = args.date
    if not date:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        moment = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch \
            else datetime.datetime.now(datetime.timezone.utc)
        date = moment.strftime("%Y-%m-%d")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        parser.error("--date must be YYYY-MM-DD")

    with open(os.path.join(data_dir, "endpoints.json"), encoding="utf-8") as f:
        endpoints_data = json.load(f)
    partitions, signing, hosts, skipped = build(endpoints_data, signing_names_from_models(data_dir))
    meta = {
        "format": FORMAT,
        "about": "AWS endpoint host names for tlsgate. Generated by config/generate-aws-endpoints.py "
                 "from botocore's data/endpoints.json; do not edit. Refresh: "
                 "python3 config/generate-aws-endpoints.py -o config/aws-endpoints.json",
        "botocoreVersion": version,
        "endpointsVersion": endpoints_data.get("version"),
        "generated": date,
        "record": "host: [partition index, service, region, flags (f FIPS, d dual-stack, g global), "
                  "FIPS alternative (optional)]; signing: service -> SigV4 signing names joined by |",
    }
    text = render(meta, partitions, signing, hosts)
    if args.verbose:
        for line in skipped:
            print("skipped " + line, file=sys.stderr)
    print(f"{len(hosts)} hosts, {len(skipped)} entries skipped, {len(text.encode())} bytes", file=sys.stderr)
    if args.output:
        tmp = args.output + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, args.output)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()

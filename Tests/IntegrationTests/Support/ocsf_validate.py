#!/usr/bin/env python3
"""Validates tlsgate's OCSF audit lines with the PyPI package ocsf-emitter (OCSF 1.5.0 models
generated from the schema, plus its validate(): class and category identity, type_uid, sibling
names, schema version). HTTP Activity (4002) and Network Activity (4001) lines are validated;
evidence lines (restart, checkpoint; tlsgate's own layout) are counted apart. Prints one JSON
object: {"validated": {class_uid: n}, "evidence": n, "errors": [...]}; exit 1 on any error."""
import json, sys

from ocsf_emitter import validate
from ocsf_emitter._models import HttpActivity, NetworkActivity

MODELS = {4002: HttpActivity, 4001: NetworkActivity}
validated, evidence, errors = {}, 0, []
for number, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    obj = json.loads(line)
    if obj.get("event") in ("restart", "checkpoint"):
        evidence += 1
        continue
    model = MODELS.get(obj.get("class_uid"))
    if model is None:
        errors.append("line %d: class_uid %r is not one this test expects" % (number, obj.get("class_uid")))
        continue
    try:
        validate(model.model_validate(obj))
    except Exception as e:  # pydantic.ValidationError, ocsf_emitter.errors.InvalidFindingError
        errors.append("line %d: %s %s" % (number, str(e)[:400], getattr(e, "field_errors", "")))
        continue
    validated[str(obj["class_uid"])] = validated.get(str(obj["class_uid"]), 0) + 1
print(json.dumps({"validated": validated, "evidence": evidence, "errors": errors}))
sys.exit(1 if errors else 0)

#!/usr/bin/env python3
"""Validates simulator responses against the Workload Security OpenAPI schemas.

Reads one JSON document on stdin:
    {"spec": "<path to the OpenAPI JSON>",
     "items": [{"label": "...", "schema": "<components/schemas name, or 'error'>", "body": {...}}]}
and prints one JSON list on stdout: [{"label": ..., "ok": true|false, "errors": [...]}].

Every object schema of the spec is made strict first: `additionalProperties: false`, recursively,
so a misnamed field fails instead of passing as an unknown extra. `readOnly` fields are allowed (these
are responses); formats (int32, int64, double) are checked.

Exit status: 0 when the check ran (whatever its verdicts), 3 when the Python packages are missing,
2 for bad input.

Needs: openapi-schema-validator (0.6.x), which brings jsonschema.
"""
import copy
import json
import sys

try:
    import openapi_schema_validator as osv
except ImportError as error:  # pragma: no cover - reported to the Rust side
    print(f"MISSING-PACKAGES: {error}", file=sys.stderr)
    sys.exit(3)

# The error body the manager answers with (reference §2.6); not in the spec.
ERROR_SCHEMA = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
    "additionalProperties": False,
}


def strict(node):
    """Sets additionalProperties: false on every object schema that lists properties."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            strict(value)
    elif isinstance(node, list):
        for value in node:
            strict(value)
    return node


def validator_for(schema, components):
    cls = getattr(osv, "OAS30ReadValidator", None) or osv.OAS30Validator
    document = {"allOf": [schema], "components": components}
    return cls(document, format_checker=osv.oas30_format_checker)


def main():
    try:
        request = json.load(sys.stdin)
        with open(request["spec"], encoding="utf-8") as file:
            spec = json.load(file)
    except (OSError, ValueError, KeyError) as error:
        print(f"bad input: {error}", file=sys.stderr)
        return 2
    components = strict(copy.deepcopy(spec.get("components", {})))
    schemas = components.get("schemas", {})
    results = []
    for item in request.get("items", []):
        name = item["schema"]
        if name == "error":
            schema = ERROR_SCHEMA
        elif name in schemas:
            schema = {"$ref": f"#/components/schemas/{name}"}
        else:
            results.append({"label": item["label"], "ok": False, "errors": [f"no schema named {name}"]})
            continue
        validator = validator_for(schema, components)
        errors = sorted(validator.iter_errors(item["body"]), key=lambda e: list(e.absolute_path))
        messages = []
        for error in errors[:10]:
            path = "/".join(str(part) for part in error.absolute_path) or "(root)"
            messages.append(f"{path}: {error.message[:300]}")
        results.append({"label": item["label"], "ok": not errors, "errors": messages})
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

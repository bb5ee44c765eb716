"""/api/docs/: a server-rendered reference generated from the OpenAPI schema.

No JavaScript (the site's CSP allows only our own scripts, and none inline), no CDN: the
endpoints, their query parameters (documented from the FilterSets) and an example of each
response are read from the same schema /api/schema/ serves.
"""

from __future__ import annotations

import json
from functools import lru_cache

from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator

from incidents.api.views import PublicPagination

MAX_DEPTH = 30  # every $ref and allOf counts as a level

STRING_EXAMPLES = {
    "date": "2017-07-15",
    "date-time": "2025-01-01T00:00:00Z",
    "uri": "https://example.org/",
    "email": "name@example.org",
}


def example(node: dict, components: dict, depth: int = 0):
    """A plausible value for an OpenAPI schema node (first enum value, typed placeholders)."""
    if depth > MAX_DEPTH:
        return None
    if "$ref" in node:
        return example(components[node["$ref"].rsplit("/", 1)[-1]], components, depth + 1)
    for key in ("allOf", "oneOf", "anyOf"):
        if node.get(key):
            return example(node[key][0], components, depth + 1)
    if "example" in node:
        return node["example"]
    if node.get("enum"):
        return next((value for value in node["enum"] if value is not None), None)
    kind = node.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1 style ["string", "null"]
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in node:
        if "properties" in node:
            return {
                name: example(prop, components, depth + 1)
                for name, prop in node["properties"].items()
            }
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            return {"name": example(extra, components, depth + 1)}
        return {}
    if kind == "array":
        return [example(node.get("items", {}), components, depth + 1)]
    if kind == "integer":
        return max(node.get("minimum", 1), 1)
    if kind == "number":
        return 42.0
    if kind == "boolean":
        return True
    if kind == "string":
        return STRING_EXAMPLES.get(node.get("format"), "string")
    return None


def _type_label(schema: dict) -> str:
    if schema.get("type") == "array":
        return _("list of %(type)s") % {"type": _type_label(schema.get("items", {}))}
    label = schema.get("type", "")
    if schema.get("format"):
        label += f" ({schema['format']})"
    return label


def _parameter(parameter: dict) -> dict:
    schema = parameter.get("schema", {})
    return {
        "name": parameter["name"],
        "location": parameter["in"],
        "required": parameter.get("required", False),
        "type": _type_label(schema),
        "enum": (schema.get("items") or schema).get("enum"),
        "pattern": schema.get("pattern"),
        "description": parameter.get("description", ""),
    }


STATUS_LABELS = {
    "200": gettext_lazy("OK"),
    "400": gettext_lazy("Bad Request: a query parameter is invalid"),
    "404": gettext_lazy("Not Found"),
    "429": gettext_lazy("Too Many Requests: wait (see the Retry-After header) and try again"),
}


@lru_cache(maxsize=8)
def endpoints(language: str) -> tuple[dict, list[dict]]:
    """(schema info, endpoints) in `language`; generated once per process and language."""
    with translation.override(language):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        components = schema.get("components", {}).get("schemas", {})
        result = []
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                parameters = [_parameter(p) for p in operation.get("parameters", [])]
                responses = []
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {}).get("application/json", {})
                    body = example(content["schema"], components) if content else None
                    responses.append(
                        {
                            "code": code,
                            "label": STATUS_LABELS.get(code, response.get("description", "")),
                            "example": json.dumps(body, indent=2, ensure_ascii=False)
                            if body is not None
                            else "",
                        }
                    )
                result.append(
                    {
                        "id": operation.get("operationId", f"{method}-{path}"),
                        "method": method.upper(),
                        "path": path,
                        "link": path if "{" not in path else "",
                        "summary": operation.get("summary", ""),
                        "description": operation.get("description", ""),
                        "parameters": parameters,
                        "responses": responses,
                    }
                )
        return schema["info"], result


@require_safe
def api_docs(request):
    info, operations = endpoints(translation.get_language())
    return render(
        request,
        "api/docs.html",
        {
            "info": info,
            "endpoints": operations,
            "page_size": PublicPagination.page_size,
            "max_page_size": PublicPagination.max_page_size,
        },
    )

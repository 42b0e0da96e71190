"""The API's documentation page: the OpenAPI document, read.

The page lists every operation, its parameters and answers from the same
document ``/api/v1/schema/`` serves, so it works without JavaScript; where
scripts run, Swagger UI (served from this site, drf-spectacular-sidecar)
adds a console to try each request.
"""

from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from .views import openapi_document


def _operations(document):
    """[(method, path, operation)] of the document's operations, as they are listed."""
    return [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "parameters": [
                {
                    "name": parameter["name"],
                    "where": parameter["in"],
                    "description": parameter.get("description", ""),
                    "schema": _describe(parameter.get("schema", {})),
                }
                for parameter in operation.get("parameters", [])
            ],
            "responses": [
                {"status": status, "description": answer.get("description", "")}
                for status, answer in operation.get("responses", {}).items()
            ],
            "anchor": operation.get("operationId", ""),
        }
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
    ]


def _describe(schema):
    """A parameter's syntax in a few words: "array of string (country-slug)", "integer 1–100"."""
    if schema.get("type") == "array":
        return f"{_describe(schema.get('items', {}))}, repeatable"
    words = schema.get("format") or schema.get("type", "")
    if "enum" in schema:
        words = " | ".join(schema["enum"])
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        words += f" {low}–{high}"
    elif low is not None:
        words += f" ≥ {low}"
    if schema.get("maxLength"):
        words += f", ≤ {schema['maxLength']} characters"
    return words


@method_decorator(csrf_exempt, name="dispatch")
class DocsView(TemplateView):
    template_name = "api/docs.html"
    # A page to read: any other method is a 405, as everywhere in the API.
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = openapi_document(self.request)
        context.update(
            {
                "info": document.get("info", {}),
                "operations": _operations(document),
                "schema_url": reverse("api:schema"),
                "releases_url": self.request.build_absolute_uri(reverse("api:releases")),
                "crumbs": [{"name": _("JSON API"), "url": ""}],
            }
        )
        return context

"""The OpenAPI 3.1 document of an app, built once from its frozen routes.

The document matches what FastAPI publishes for the same handlers (operation ids,
summaries, parameters, request bodies, the 422 response, ``Body_<id>`` components), so
generated clients and API gateways configured against a FastAPI app keep working.

It is built in two passes: the first reads every route and registers each type it
needs with a ``SchemaSet``; the schema generators then run once for the whole app; the
second pass writes the operations. Building per type or per route would make the cost
grow with the number of routes times the number of models.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

from fastcore._planning.form_models import form_body_schema, form_models
from fastcore._planning.forms import schema_type
from fastcore._planning.msgpack import MSGPACK_MEDIA_TYPE
from fastcore._planning.param_models import doc_fields
from fastcore._status import body_allowed
from fastcore.dependencies import Dependant, ParamField
from fastcore.openapi.constants import METHODS_WITH_BODY
from fastcore.openapi.schemas import (
    HTTP_VALIDATION_ERROR,
    REF_PREFIX,
    VALIDATION_ERROR,
    Schema,
    SchemaSet,
    deep_update,
    field_schema,
    is_ref_like,
    jsonable,
    title_from,
)
from fastcore.params import File
from fastcore.responses import JSONResponse
from fastcore.routing import APIRoute, effective_routes

__all__ = ["build_openapi", "openapi_document"]

#: The order of operations within a path: the order of the OpenAPI Path Item's fields.
#: NOTE: FastAPI iterates a set here, so its order for multi-method routes varies by run.
METHOD_ORDER = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
PARAM_SOURCES = ("path", "query", "header", "cookie")
STATUS_RANGES = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}


def _validation_response() -> Schema:
    """A fresh 422 entry: each operation gets its own, as ``openapi_extra`` may change it."""
    schema = {"$ref": REF_PREFIX + "HTTPValidationError"}
    return {"description": "Validation Error", "content": {"application/json": {"schema": schema}}}


def build_openapi(app: Any) -> dict[str, Any]:
    """The document for an app, from its settings, routes and webhooks (the app is frozen)."""
    app.freeze()
    return _document(
        _Plans(app._plan),
        title=app.title,
        version=app.version,
        openapi_version=getattr(app, "openapi_version", "3.1.0"),
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        webhooks=app.webhooks.routes,
        tags=app.openapi_tags,
        servers=app.servers,
        terms_of_service=app.terms_of_service,
        contact=app.contact,
        license_info=app.license_info,
        separate_input_output_schemas=app.separate_input_output_schemas,
        external_docs=app.openapi_external_docs,
    )


def openapi_document(make_planner: Callable[[], Any], **given: Any) -> dict[str, Any]:
    """The document for routes outside a started app (``get_openapi``'s keywords in ``given``).

    A route that has no plan yet is planned for the document alone, by the route planner
    ``make_planner()`` returns (called once, on first need); it is not served by that.
    """
    return _document(_Plans(None, make_planner), **given)


def _document(plans: _Plans, **given: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"title": given["title"]}
    for key, option in _INFO_KEYS:
        if given[option]:
            info[key] = given[option]
    info["version"] = given["version"]
    output: dict[str, Any] = {"openapi": given["openapi_version"], "info": info}
    if given["servers"]:
        output["servers"] = given["servers"]
    schemas = SchemaSet(separate_input_output=given["separate_input_output_schemas"])
    routes = _route_docs(given["routes"], schemas, plans)
    webhooks = _route_docs(given["webhooks"] or (), schemas, plans)
    schemas.resolve()
    operation_ids: set[str] = set()
    security: dict[str, Any] = {}
    output["paths"] = _paths(routes, operation_ids, security)
    webhook_paths = _paths(webhooks, operation_ids, security)
    if webhook_paths:
        output["webhooks"] = webhook_paths
    components: dict[str, Any] = {}
    if schemas.components:
        components["schemas"] = schemas.components
    if security:
        components["securitySchemes"] = security
    if components:
        output["components"] = components
    if given["tags"]:
        output["tags"] = given["tags"]
    if given["external_docs"]:
        output["externalDocs"] = given["external_docs"]
    result: dict[str, Any] = jsonable(output)
    return result


#: ``info`` keys after the title, in the order FastAPI's ``Info`` model writes them.
_INFO_KEYS = (
    ("summary", "summary"),
    ("description", "description"),
    ("termsOfService", "terms_of_service"),
    ("contact", "contact"),
    ("license", "license_info"),
)


class _Plans:
    """Each route's plan: the app's own, or one made for the document alone.

    Callback and webhook routes are never served, so never planned by the app; routes given
    to ``get_openapi`` before their app started are not planned yet either.
    """

    def __init__(self, planner: Any, make_planner: Callable[[], Any] | None = None) -> None:
        self._planner = planner
        self._make_planner = make_planner
        self._made: dict[int, Any] = {}

    def get(self, route: APIRoute) -> Any:
        if route.plan is not None:
            return route.plan
        found = self._made.get(id(route))
        if found is None:
            if self._planner is None:
                assert self._make_planner is not None  # an app's _Plans has its planner
                self._planner = self._make_planner()
            found = self._made[id(route)] = self._planner(route)
        return found


def _route_docs(routes: Sequence[Any], schemas: SchemaSet, plans: _Plans) -> list[_RouteDoc]:
    # NOTE: an included router's routes as included, a RouteContext's route as served
    return [
        _RouteDoc(route, schemas, plans)
        for route in effective_routes(routes)
        if isinstance(route, APIRoute) and route.include_in_schema
    ]


def _paths(
    docs: list[_RouteDoc], operation_ids: set[str], security: dict[str, Any]
) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for doc in docs:
        paths.setdefault(doc.route.path_format, {}).update(doc.operations(operation_ids))
        security.update(doc.security_schemes)
    return paths


# -- the dependency tree ------------------------------------------------------------------


def _security_scheme(call: Any) -> tuple[str, dict[str, Any]] | None:
    """``(name, definition)`` for a security object (OAuth2, API key, HTTP auth), else None.

    Any callable with a ``scheme_name`` and an OpenAPI ``model`` (a dict, a pydantic model
    or a msgspec Struct) is one, so fastcore's security classes and FastAPI's both count.
    """
    name = getattr(call, "scheme_name", None)
    model = getattr(call, "model", None)
    if not isinstance(name, str) or model is None:
        return None
    dump = getattr(model, "model_dump", None)
    if callable(dump):
        return name, dump(by_alias=True, exclude_none=True, mode="json")
    definition = model if isinstance(model, dict) else jsonable(model)
    return name, {k: v for k, v in definition.items() if v is not None}


def _walk(root: Dependant) -> tuple[list[Dependant], list[tuple[str, dict[str, Any], list[str]]]]:
    """The dependants in FastAPI's order (the route first, then depth first), each once.

    Also the security schemes met on the way, each with the OAuth2 scopes that the
    ``Security(...)`` markers above it ask for.
    """
    seen: list[Any] = []
    found: list[Dependant] = []
    security: list[tuple[str, dict[str, Any], list[str]]] = []
    stack: list[tuple[Dependant, list[str], bool]] = [(root, [], True)]
    while stack:
        dep, parent_scopes, is_root = stack.pop()
        if dep.cache_key in seen:
            continue
        seen.append(dep.cache_key)
        found.append(dep)
        scopes = parent_scopes + [s for s in dep.scopes if s not in parent_scopes]
        scheme = None if is_root else _security_scheme(dep.call)
        if scheme is not None:
            security.append((*scheme, scopes))
        stack.extend((sub.dependant, scopes, False) for sub in reversed(dep.dependencies))
    return found, security


def _doc_name(field: ParamField) -> str:
    """The parameter's name on the wire as the docs show it: the alias keeps its case."""
    marker = field.marker
    if marker.alias:
        return marker.alias
    if field.source == "header" and getattr(marker, "convert_underscores", True):
        return field.name.replace("_", "-")
    return field.name


#: ``http.client.responses``, built from the same enum without importing http.client (and with
#: it the email parser, ~0.4 MiB of RSS).
_PHRASES: dict[int, str] = {status.value: status.phrase for status in HTTPStatus}


def _status_text(code: Any) -> str | None:
    text = STATUS_RANGES.get(str(code).upper())
    if text is not None:
        return text
    try:
        return _PHRASES.get(int(code))
    except (TypeError, ValueError):
        return None


# -- one route ----------------------------------------------------------------------------


class _RouteDoc:
    """One route: what it needs registered (first pass) and its operations (second pass)."""

    def __init__(self, route: APIRoute, schemas: SchemaSet, plans: _Plans) -> None:
        plan = plans.get(route)
        self.route = route
        self.schemas = schemas
        self.operation_id = route.operation_id or route.unique_id
        dependants, security = _walk(route.dependant)
        self._collect_params(dependants)
        self._collect_security(security)
        #: The route reads and answers MessagePack too (fastcore/_planning/msgpack.py): its JSON
        #: request body and response are documented under that media type as well.
        # NOTE: a custom route class's plan wraps the route's own (``route_plan``)
        own = getattr(route, "route_plan", None) or plan
        self.msgpack = getattr(own, "msgpack", None) is not None
        self._collect_body(plan)
        self._collect_responses(route, plan)
        #: FastAPI documents only the APIRoutes among ``callbacks=``, each by its own path.
        self.callbacks = [
            _RouteDoc(cb, schemas, plans)
            for cb in route.callbacks or ()
            if isinstance(cb, APIRoute)
        ]

    # first pass: what the route needs -------------------------------------------------
    def _collect_params(self, dependants: list[Dependant]) -> None:
        fields = [p for d in dependants for p in d.params if p.source != "body"]
        self.has_params = bool(fields)  # NOTE: hidden ones count for the 422, as in FastAPI
        shown = [f for p in fields if p.marker.include_in_schema for f in doc_fields(p)]
        shown.sort(key=lambda p: PARAM_SOURCES.index(p.source))
        self.params = [(p, self.schemas.add(p.annotation)) for p in shown]

    def _collect_security(self, found: list[tuple[str, dict[str, Any], list[str]]]) -> None:
        self.security_schemes: dict[str, Any] = {}
        requirements: dict[str, list[str]] = {}
        for name, definition, scopes in found:
            self.security_schemes[name] = definition
            merged = requirements.setdefault(name, [])
            merged.extend(s for s in scopes if s not in merged)
        self.security = [{name: scopes} for name, scopes in requirements.items()]

    def _collect_body(self, route_plan: Any) -> None:
        plan = route_plan.needs.body_plan
        self.body_fields: list[tuple[ParamField, int]] = []
        self.embed = False
        self.body_media_type = "application/json"
        if plan is None:
            return
        from fastcore.dependencies.utils import _get_flat_body_params

        # NOTE: FastAPI's body model lists the route's own body parameters first, then its
        # dependencies' (a key once, where first declared); the plan reads them in call order
        order: dict[str, int] = {}
        for param in _get_flat_body_params(self.route.dependant):
            order.setdefault(param.key, len(order))
        fields = sorted(plan.fields, key=lambda f: order.get(f.key, len(order)))
        self.body_fields = [(f, self.schemas.add(schema_type(f))) for f in fields]
        self.embed = getattr(plan, "doc_embed", plan.embed)
        self.body_media_type = plan.media_type
        if any(isinstance(f.marker, File) for f in plan.fields):
            self.body_media_type = "multipart/form-data"
        if self.embed:
            self.schemas.reserve(self.body_name)

    def _collect_responses(self, route: APIRoute, plan: Any) -> None:
        model = route.response_field
        cls = plan.response_class
        if cls is None:
            cls = JSONResponse
        self.status = _documented_status(route, cls, plan.status_code)
        self.media_type: str | None = getattr(cls, "media_type", None)
        self.is_json = isinstance(cls, type) and issubclass(cls, JSONResponse)
        self.response: int | None = None
        if model is not None and self.is_json and self.media_type:
            self.response = self.schemas.add(model, "serialization")
        # A route that yields (fastcore/_planning/streaming.py): JSON Lines or SSE item schemas.
        self.stream_item: int | None = None
        if getattr(route.plan, "item_type", None) is not None:
            self.stream_item = self.schemas.add(route.plan.item_type, "serialization")
        self.extra_models: dict[Any, int] = {}
        for code, extra in route.responses.items():
            if isinstance(extra, dict) and extra.get("model") is not None:
                self.extra_models[code] = self.schemas.add(extra["model"], "serialization")

    @property
    def body_name(self) -> str:
        return "Body_" + self.route.unique_id

    # second pass: the operations ------------------------------------------------------
    def operations(self, operation_ids: set[str]) -> dict[str, Any]:
        """``{method: operation}`` for each of the route's methods."""
        methods = sorted(self.route.methods, key=_method_rank)
        out: dict[str, Any] = {}
        for method in methods:
            out[method.lower()] = self._operation(method, operation_ids)
        return out

    def _operation(self, method: str, operation_ids: set[str]) -> dict[str, Any]:
        route = self.route
        op: dict[str, Any] = {}
        if route.tags:
            op["tags"] = list(route.tags)
        op["summary"] = route.summary or title_from(str(route.name))
        if route.description:
            op["description"] = route.description
        op["operationId"] = self._operation_id(operation_ids)
        parameters = self._parameters()
        if parameters:
            op["parameters"] = parameters
        if method in METHODS_WITH_BODY and self.body_fields:
            op["requestBody"] = self._request_body()
        if route.callbacks:
            op["callbacks"] = {
                cb.route.name: {cb.route.path: cb.operations(operation_ids)}
                for cb in self.callbacks
            }
        op["responses"] = self._responses()
        if route.deprecated:
            op["deprecated"] = True
        if self.security:
            op["security"] = copy.deepcopy(self.security)
        if route.openapi_extra:
            deep_update(op, copy.deepcopy(route.openapi_extra))
        return op

    def _operation_id(self, operation_ids: set[str]) -> str:
        if self.operation_id in operation_ids:
            name = getattr(self.route.endpoint, "__name__", "<unnamed endpoint>")
            warnings.warn(
                f"Duplicate Operation ID {self.operation_id} for function {name}", stacklevel=4
            )
        operation_ids.add(self.operation_id)
        return self.operation_id

    def _parameters(self) -> list[dict[str, Any]]:
        """Path, query, header and cookie parameters; one per (in, name), required wins."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for field, handle in self.params:
            param = self._parameter(field, handle)
            key = (param["in"], param["name"])
            if key not in found or param["required"]:
                found[key] = param
        return list(found.values())

    def _parameter(self, field: ParamField, handle: int) -> dict[str, Any]:
        name = _doc_name(field)
        base = self.schemas.get(handle)
        # NOTE: a parameter model's field is titled from its key (``x_tag``), not the header
        title = getattr(field, "title_name", name)
        schema = field_schema(base, field, title, generated_title="$ref" not in base)
        param: dict[str, Any] = {
            "name": name,
            "in": field.source,
            "required": field.required,
            "schema": schema,
        }
        marker = field.marker
        if marker.description:
            param["description"] = marker.description
        examples = marker.json_schema_extra.get("openapi_examples")
        if examples:
            param["examples"] = examples
        if marker.deprecated:
            param["deprecated"] = True
        return param

    def _request_body(self) -> dict[str, Any]:
        if self.embed:
            self.schemas.add_component(self.body_name, self._body_component())
            schema: Schema = {"$ref": REF_PREFIX + self.body_name}
            required = any(f.required for f, _ in self.body_fields)
        else:
            field, handle = self.body_fields[0]
            base = self.schemas.get(handle)
            schema = field_schema(base, field, field.key, generated_title="$ref" not in base)
            required = field.required
        media: dict[str, Any] = {"schema": schema}
        examples = self.body_fields[0][0].marker.json_schema_extra.get("openapi_examples")
        if examples and not self.embed:
            media["examples"] = examples
        body: dict[str, Any] = {"content": {self.body_media_type: media}}
        if self.msgpack and self.body_media_type == "application/json":
            body["content"][MSGPACK_MEDIA_TYPE] = copy.deepcopy(media)
        if required:
            body["required"] = True
        return body

    def _body_component(self) -> Schema:
        """FastAPI's ``Body_<operation id>`` model: one property per body parameter."""
        if any(form_models(f) for f, _ in self.body_fields):
            return self._form_model_component()
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field, handle in self.body_fields:
            base = self.schemas.get(handle)
            properties[field.key] = field_schema(
                base, field, field.key, generated_title=not is_ref_like(base)
            )
            if field.required:
                required.append(field.key)
        component: Schema = {"properties": properties, "type": "object"}
        if required:
            component["required"] = required
        component["title"] = self.body_name
        return component

    def _form_model_component(self) -> Schema:
        """A form with models: the plain fields as properties, the models under ``allOf``."""
        fields = []
        for field, handle in self.body_fields:
            base = self.schemas.get(handle)
            # NOTE: as FastAPI: a model group is titled unless its schema is a bare $ref
            titled = "$ref" not in base if form_models(field) else not is_ref_like(base)
            fields.append((field, field_schema(base, field, field.key, generated_title=titled)))
        return form_body_schema(fields, self.body_name)

    def _response_schema(self, handle: int | None, field_name: str) -> Schema:
        if handle is None:
            return {} if self.is_json else {"type": "string"}
        schema = self.schemas.get(handle)
        if "$ref" not in schema:
            schema["title"] = title_from(field_name)
        return schema

    def _responses(self) -> dict[str, Any]:
        route = self.route
        status = str(self.status)
        main: dict[str, Any] = {"description": route.response_description}
        responses: dict[str, Any] = {status: main}
        # NOTE: as FastAPI: the route's own status_code decides, a response class's default
        # (a redirect's 307) does not.
        body_ok = route.status_code is None or body_allowed(route.status_code)
        stream = self._stream_content()
        if body_ok and stream is not None:
            main["content"] = stream
        elif body_ok and self.media_type:
            schema = self._response_schema(self.response, "Response_" + route.unique_id)
            main["content"] = {self.media_type: {"schema": schema}}
            if self.msgpack:
                main["content"][MSGPACK_MEDIA_TYPE] = {"schema": copy.deepcopy(schema)}
        for code, extra in route.responses.items():
            if isinstance(extra, dict):
                self._extra_response(responses, code, extra)
        needs_422 = self.has_params or bool(self.body_fields)
        if needs_422 and not any(k in responses for k in ("422", "4XX", "default")):
            responses["422"] = _validation_response()
            # NOTE: shared, not copied: the document is copied whole (jsonable) at the end.
            self.schemas.add_component("ValidationError", VALIDATION_ERROR)
            self.schemas.add_component("HTTPValidationError", HTTP_VALIDATION_ERROR)
        return responses

    def _stream_content(self) -> dict[str, Any] | None:
        if getattr(self.route.plan, "mode", None) is None:
            return None
        from fastcore._planning.streaming import openapi_content

        item = None if self.stream_item is None else self.schemas.get(self.stream_item)
        return openapi_content(self.route.plan, item)

    def _extra_response(self, responses: dict[str, Any], code: Any, extra: dict[str, Any]) -> None:
        """One of the route's ``responses=`` entries, merged in as FastAPI merges it."""
        given = copy.deepcopy(extra)
        given.pop("model", None)
        key = str(code).upper()
        key = "default" if key == "DEFAULT" else key
        target = responses.setdefault(key, {})
        handle = self.extra_models.get(code)
        if handle is not None:
            schema = self._response_schema(handle, f"Response_{code}_{self.route.unique_id}")
            media = self.media_type or "application/json"
            content = given.setdefault("content", {}).setdefault(media, {})
            deep_update(content.setdefault("schema", {}), schema)
        description = (
            given.get("description")
            or target.get("description")
            or _status_text(code)
            or "Additional Response"
        )
        deep_update(target, given)
        target["description"] = description


def _documented_status(route: APIRoute, cls: Any, planned: int) -> int:
    """The route's status code, else its response class's default (a redirect's 307)."""
    if route.status_code is not None:
        return route.status_code
    try:
        default = inspect.signature(cls.__init__).parameters["status_code"].default
    except (KeyError, TypeError, ValueError):
        return planned
    return default if isinstance(default, int) else planned


def _method_rank(method: str) -> tuple[int, str]:
    rank = METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER)
    return rank, method

"""OpenAPI features beyond one route's operation, each built on FastAPI and on fastcore.

Callbacks, webhooks, ``generate_unique_id_function`` (and the docs routes kept outside it),
``separate_input_output_schemas``, the types FastAPI documents through pydantic (dataclasses,
datetimes, Decimals, ...), servers behind a proxy, ``get_openapi`` and ``app.openapi``
overrides. Each app is written once against the framework module and the two documents (or
what a client sees) must be equal.

NOTE: no ``from __future__ import annotations``: the factories annotate with local names.
"""

import dataclasses
import datetime
import decimal
import enum
import importlib
import uuid
from typing import Annotated, Any

import fastapi
import fastapi.openapi.utils
import fastapi.testclient
import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, computed_field

import fastcore
import fastcore.openapi.utils
import fastcore.testclient
from fastcore.routing import APIRoute


class Invoice(BaseModel):
    id: str
    title: str | None = None
    total: float


class InvoiceEvent(BaseModel):
    description: str
    paid: bool


class Received(BaseModel):
    ok: bool


class Subscription(BaseModel):
    username: str
    start_date: datetime.datetime


class Note(BaseModel):
    text: str
    #: A Decimal is read as number or string and written as a string: two schemas.
    amount: decimal.Decimal = decimal.Decimal(0)


class Priced(BaseModel):
    price: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def with_tax(self) -> float:
        return self.price * 1.2


class Size(enum.Enum):
    small = "s"
    large = "l"
    medium = "m"


@dataclasses.dataclass
class Point:
    x: int
    label: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)


def _client(fw: Any, app: Any, **kw: Any) -> Any:
    module = fastapi.testclient if fw is fastapi else fastcore.testclient
    return module.TestClient(app, **kw)


def _documents(factory: Any, **client: Any) -> tuple[Any, Any]:
    """The served documents, FastAPI's first."""
    found = []
    for fw in (fastapi, fastcore):
        response = _client(fw, factory(fw), **client).get("/openapi.json")
        assert response.status_code == 200, response.text
        found.append(response.json())
    return found[0], found[1]


def _same_document(factory: Any, **client: Any) -> dict[str, Any]:
    theirs, ours = _documents(factory, **client)
    assert ours == theirs
    validate(ours)
    return ours  # type: ignore[no-any-return]


# -- callbacks and webhooks -----------------------------------------------------------


def callbacks_app(fw: Any) -> Any:
    app = fw.FastAPI()
    events = fw.APIRouter()

    @events.post("{$callback_url}/invoices/{$request.body.id}", response_model=Received)
    def invoice_notification(body: InvoiceEvent) -> Any:
        return None

    @app.post("/invoices/", callbacks=events.routes)
    def create_invoice(invoice: Invoice, callback_url: str | None = None) -> dict[str, Any]:
        return {"msg": "Invoice received"}

    # Callbacks given to a router and to include_router reach its routes too.
    shared = fw.APIRouter()

    @shared.get("{$request.query.url}/ping")
    def ping() -> dict[str, Any]:
        return {}

    payments = fw.APIRouter(callbacks=events.routes)

    @payments.post("/payments/")
    def pay(amount: float) -> dict[str, Any]:
        return {}

    app.include_router(payments, callbacks=shared.routes)
    return app


def test_callbacks_are_documented_as_fastapi_documents_them() -> None:
    # The same callback route documented under two operations: FastAPI warns, so do we.
    with pytest.warns(UserWarning, match="Duplicate Operation ID invoice_notification"):
        doc = _same_document(callbacks_app)
    callbacks = doc["paths"]["/invoices/"]["post"]["callbacks"]
    assert list(callbacks) == ["invoice_notification"]
    expression = "{$callback_url}/invoices/{$request.body.id}"
    assert list(callbacks["invoice_notification"]) == [expression]
    assert list(doc["paths"]["/payments/"]["post"]["callbacks"]) == ["ping", "invoice_notification"]
    assert "InvoiceEvent" in doc["components"]["schemas"]


def test_callback_routes_are_not_served() -> None:
    client = fastcore.testclient.TestClient(callbacks_app(fastcore))
    assert client.post("/invoices/", json={"id": "1", "total": 2}).json() == {
        "msg": "Invoice received"
    }
    assert client.post("/invoices/1", json={}).status_code == 404


def webhooks_app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.webhooks.post("new-subscription")
    def new_subscription(body: Subscription) -> None:
        """We POST this to the URL you registered for `new-subscription`."""

    @app.webhooks.delete("cancelled", tags=["billing"], summary="Gone")
    def cancelled(username: str) -> None:
        return None

    @app.get("/users/")
    def read_users() -> list[str]:
        return ["Rick"]

    return app


def test_webhooks_are_documented_as_fastapi_documents_them() -> None:
    doc = _same_document(webhooks_app)
    assert list(doc["webhooks"]) == ["new-subscription", "cancelled"]
    assert list(doc["paths"]) == ["/users/"]


def test_webhooks_router_can_be_given() -> None:
    def factory(fw: Any) -> Any:
        hooks = fw.APIRouter()

        @hooks.post("ping")
        def ping(body: Note) -> None:
            return None

        return fw.FastAPI(webhooks=hooks)

    assert list(_same_document(factory)["webhooks"]) == ["ping"]


def test_a_path_only_a_document_can_have_fails_when_the_app_starts() -> None:
    app = fastcore.FastCore()

    @app.get("items")
    def items() -> list[str]:
        return []

    with pytest.raises(fastcore.FastCoreError, match="'items' must start with '/'"):
        app.freeze()


# -- generate_unique_id_function ------------------------------------------------------


def _tag_and_name(route: Any) -> str:
    """The official full-stack template's function: it reads the route's first tag."""
    return f"{route.tags[0]}-{route.name}"


def _upper(route: Any) -> str:
    return route.name.upper()


def _router_level(route: Any) -> str:
    return f"router-{route.name}"


def _include_level(route: Any) -> str:
    return f"include-{route.name}"


def unique_ids_app(fw: Any) -> Any:
    app = fw.FastAPI(generate_unique_id_function=_tag_and_name)

    @app.post("/items/", tags=["items"])
    def create_item(item: Note, q: int = 0) -> Note:
        return item

    @app.get("/own/", tags=["x"], generate_unique_id_function=_upper)
    def own(q: Annotated[str, fw.Body(embed=True)]) -> dict[str, Any]:
        return {}

    plain = fw.APIRouter(tags=["users"])

    @plain.get("/users/")
    def users(q: int = 0) -> list[str]:
        return []

    with_own = fw.APIRouter(generate_unique_id_function=_router_level)

    @with_own.put("/stock/")
    def stock(note: Note, count: int) -> dict[str, Any]:
        return {}

    given = fw.APIRouter()

    @given.patch("/given/")
    def given_route(note: Note, count: int) -> dict[str, Any]:
        return {}

    app.include_router(plain)
    app.include_router(with_own)
    app.include_router(given, generate_unique_id_function=_include_level)
    return app


def test_unique_ids_come_from_route_router_include_then_app() -> None:
    doc = _same_document(unique_ids_app)
    ids = {path: next(iter(item.values()))["operationId"] for path, item in doc["paths"].items()}
    assert ids == {
        "/items/": "items-create_item",
        "/own/": "OWN",
        "/users/": "users-users",
        "/stock/": "router-stock",
        "/given/": "include-given_route",
    }
    assert "Body_OWN" in doc["components"]["schemas"]


def test_docs_routes_never_go_through_the_apps_function() -> None:
    calls: list[str] = []

    def record(route: Any) -> str:
        calls.append(route.path)
        return _tag_and_name(route)

    app = fastcore.FastCore(generate_unique_id_function=record)

    @app.get("/items/", tags=["items"])
    def items() -> list[str]:
        return []

    client = fastcore.testclient.TestClient(app)
    for url in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(url).status_code == 200, url
    assert calls == ["/items/"]


# -- schemas --------------------------------------------------------------------------


@pytest.mark.parametrize("separate", [True, False])
def test_separate_input_output_schemas(separate: bool) -> None:
    def factory(fw: Any) -> Any:
        app = fw.FastAPI(separate_input_output_schemas=separate)

        @app.post("/notes/")
        def create(note: Note) -> Note:
            return note

        @app.post("/prices/")
        def price(p: Priced) -> Priced:
            return p

        return app

    names = set(_same_document(factory)["components"]["schemas"])
    if separate:
        assert {"Note-Input", "Note-Output", "Priced-Input", "Priced-Output"} <= names
    else:
        # NOTE: computed fields make the output a different schema all the same (FastAPI).
        assert {"Note", "Priced-Input", "Priced-Output"} <= names
        assert "Note-Input" not in names


def extra_types_app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.put("/things/{thing_id}")
    def things(
        thing_id: uuid.UUID,
        at: Annotated[datetime.datetime, fw.Body()],
        every: Annotated[datetime.timedelta, fw.Body()],
        day: Annotated[datetime.date, fw.Body()],
        repeat_at: Annotated[datetime.time | None, fw.Body()] = None,
        price: Annotated[decimal.Decimal, fw.Body()] = decimal.Decimal("1.5"),
        raw: Annotated[bytes | None, fw.Body()] = None,
        ids: Annotated[frozenset[int], fw.Body()] = frozenset(),
        size: Size = Size.small,
    ) -> dict[str, Any]:
        return {}

    return app


def test_extra_data_types_are_documented_as_pydantic_documents_them() -> None:
    doc = _same_document(extra_types_app)
    body = doc["components"]["schemas"]["Body_things_things__thing_id__put"]["properties"]
    assert body["at"]["format"] == "date-time"
    assert body["every"]["format"] == "duration"
    assert doc["components"]["schemas"]["Size"]["enum"] == ["s", "l", "m"]


def dataclasses_app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.post("/points/")
    def create(point: Point) -> Point:
        return point

    @app.get("/points/", response_model=list[Point])
    def points() -> Any:
        return []

    return app


def test_dataclass_bodies_and_responses_are_documented_as_fastapi_does() -> None:
    doc = _same_document(dataclasses_app)
    point = doc["components"]["schemas"]["Point"]
    assert point["properties"]["x"] == {"type": "integer", "title": "X"}
    assert point["required"] == ["x"]


def test_a_redirect_response_class_documents_its_default_status() -> None:
    def factory(fw: Any) -> Any:
        responses = importlib.import_module(f"{fw.__name__}.responses")
        app = fw.FastAPI()

        @app.get("/go", response_class=responses.RedirectResponse)
        def go() -> Any:
            return "https://example.com"

        return app

    doc = _same_document(factory)
    assert list(doc["paths"]["/go"]["get"]["responses"]) == ["307"]


# -- the document's settings ----------------------------------------------------------


def settings_app(fw: Any) -> Any:
    app = fw.FastAPI(
        servers=[{"url": "https://stag.example.com", "description": "Staging"}],
        root_path_in_servers=False,
        openapi_external_docs={"description": "More", "url": "https://example.com/docs"},
        deprecated=True,
    )

    @app.get("/app")
    def read_main() -> dict[str, Any]:
        return {}

    @app.get("/hidden", include_in_schema=False)
    def hidden() -> dict[str, Any]:
        return {}

    return app


def test_app_settings_in_the_document() -> None:
    doc = _same_document(settings_app, root_path="/api/v1")
    assert doc["servers"] == [{"url": "https://stag.example.com", "description": "Staging"}]
    assert doc["externalDocs"]["url"] == "https://example.com/docs"
    assert doc["paths"]["/app"]["get"]["deprecated"] is True


@pytest.mark.parametrize("root_path", ["/api/v1", "/api/v1/"])
def test_root_path_is_the_first_server(root_path: str) -> None:
    def factory(fw: Any) -> Any:
        app = fw.FastAPI(servers=[{"url": "https://prod.example.com"}])

        @app.get("/app")
        def read_main() -> dict[str, Any]:
            return {}

        return app

    doc = _same_document(factory, root_path=root_path)
    assert doc["servers"] == [{"url": "/api/v1"}, {"url": "https://prod.example.com"}]


def test_app_wide_include_in_schema_false_hides_every_route() -> None:
    def factory(fw: Any) -> Any:
        app = fw.FastAPI(include_in_schema=False)

        @app.get("/app")
        def read_main() -> dict[str, Any]:
            return {}

        return app

    assert _same_document(factory)["paths"] == {}


def test_swagger_ui_init_oauth_reaches_the_page() -> None:
    app = fastcore.FastCore(swagger_ui_init_oauth={"clientId": "me"})
    page = fastcore.testclient.TestClient(app).get("/docs").text
    assert 'ui.initOAuth({"clientId": "me"})' in page


# -- get_openapi and app.openapi overrides ---------------------------------------------


def test_get_openapi_has_fastapis_signature() -> None:
    import inspect

    ours = inspect.signature(fastcore.openapi.utils.get_openapi)
    theirs = inspect.signature(fastapi.openapi.utils.get_openapi)
    assert list(ours.parameters) == list(theirs.parameters)
    for name, param in theirs.parameters.items():
        assert ours.parameters[name].default == param.default, name
        assert ours.parameters[name].kind == param.kind, name


def custom_openapi_app(fw: Any) -> Any:
    utils = importlib.import_module(f"{fw.__name__}.openapi.utils")
    app = fw.FastAPI()

    @app.get("/items/")
    async def read_items() -> list[dict[str, Any]]:
        return [{"name": "Foo"}]

    @app.webhooks.post("ping")
    def ping(body: Note) -> None:
        return None

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema  # type: ignore[no-any-return]
        schema = utils.get_openapi(
            title="Custom title",
            version="2.5.0",
            summary="Custom",
            routes=app.routes,
            webhooks=app.webhooks.routes,
            separate_input_output_schemas=False,
        )
        schema["info"]["x-logo"] = {"url": "https://example.com/logo.png"}
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi
    return app


def test_app_openapi_can_be_replaced() -> None:
    doc = _same_document(custom_openapi_app)
    assert doc["info"]["x-logo"] == {"url": "https://example.com/logo.png"}
    assert "Note" in doc["components"]["schemas"]


def test_served_document_follows_a_rebuilt_document() -> None:
    """A new document from app.openapi() is served, not the bytes of the previous one."""
    app = fastcore.FastCore()
    client = fastcore.testclient.TestClient(app)
    assert client.get("/openapi.json").json()["info"]["title"] == "FastAPI"
    app.openapi_schema = {**app.openapi(), "info": {"title": "Changed", "version": "1"}}
    assert client.get("/openapi.json").json()["info"]["title"] == "Changed"


def test_route_classes_are_fastcores() -> None:
    assert fastcore.routing.APIRoute is APIRoute

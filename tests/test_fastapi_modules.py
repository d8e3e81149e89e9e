"""FastAPI's semi-internal modules that libraries import, under fastcore's names.

Where fastcore honours a function, it is compared with FastAPI 0.165's on the same input;
where it does not, importing the name raises an ImportError that names the FastAPI feature.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import fastapi.datastructures
import fastapi.dependencies.utils
import fastapi.openapi.models
import fastapi.utils
import pytest

import fastcore
from fastcore import Depends, Query
from fastcore.routing import is_default

#: module -> names FastAPI has there and libraries import (fastapi-cache2, fastapi-users, ...).
NAMES = {
    "security.base": ["SecurityBase"],
    "dependencies.utils": [
        "get_dependant",
        "get_flat_params",
        "get_parameterless_sub_dependant",
        "get_typed_annotation",
        "get_typed_return_annotation",
        "get_typed_signature",
        "lenient_issubclass",
    ],
    "dependencies.models": ["Dependant"],
    "openapi.models": ["OpenAPI", "OAuthFlows", "APIKey", "APIKeyIn", "Example", "Schema"],
    "openapi.constants": ["METHODS_WITH_BODY", "REF_PREFIX", "REF_TEMPLATE"],
    "openapi.utils": ["get_openapi"],
    "types": ["DecoratedCallable", "DependencyCacheKey", "IncEx", "ModelNameMap", "UnionType"],
    "utils": [
        "deep_dict_update",
        "generate_unique_id",
        "get_path_param_names",
        "get_value_or_default",
        "is_body_allowed_for_status_code",
    ],
    "concurrency": [
        "contextmanager_in_threadpool",
        "iterate_in_threadpool",
        "run_in_threadpool",
        "run_until_first_complete",
    ],
    "datastructures": ["Default", "DefaultPlaceholder"],
    "param_functions": ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query"],
    "params": ["Body", "Cookie", "Depends", "File", "Form", "Header", "Param", "Path", "Query"],
    "encoders": ["jsonable_encoder"],
    "logger": ["logger"],
    "cli": ["main"],
    "applications": ["FastAPI"],
    "_form_limits": ["_FormLimits"],
    "_compat": [
        "PYDANTIC_VERSION_MINOR_TUPLE",
        "Undefined",
        "lenient_issubclass",
        "sequence_types",
    ],
}


@pytest.mark.parametrize("module", sorted(NAMES))
def test_fastapi_names_exist_in_both(module: str) -> None:
    ours = importlib.import_module(f"fastcore.{module}")
    theirs = importlib.import_module(f"fastapi.{module}")
    for name in NAMES[module]:
        assert hasattr(theirs, name), f"fastapi.{module}.{name}"
        assert hasattr(ours, name), f"fastcore.{module}.{name}"


def test_compat_values_are_fastapis() -> None:
    """Test suites branch on ``fastapi._compat.PYDANTIC_VERSION_MINOR_TUPLE`` (FastAPI's own)."""
    import fastapi._compat

    from fastcore import _compat

    assert _compat.PYDANTIC_VERSION_MINOR_TUPLE == fastapi._compat.PYDANTIC_VERSION_MINOR_TUPLE
    assert _compat.Undefined is fastapi._compat.Undefined
    assert set(_compat.sequence_types) == set(fastapi._compat.sequence_types)
    with pytest.raises(ImportError, match="fastapi._compat.ModelField"):
        exec("from fastcore._compat import ModelField")


def test_security_base_is_the_class_every_scheme_extends() -> None:
    from fastcore.security import HTTPBearer, OAuth2PasswordBearer
    from fastcore.security.base import SecurityBase

    assert isinstance(HTTPBearer(), SecurityBase)
    assert isinstance(OAuth2PasswordBearer(tokenUrl="t"), SecurityBase)


class Item:
    pass


def _endpoint(item: Item, q: int = 1, *, flag: bool | None = None) -> Item:
    return item


def _stringly(item: Item, q: int = 1) -> list[Item]:
    return [item]


@pytest.mark.parametrize("call", [_endpoint, _stringly])
def test_typed_signature_matches_fastapi(call: Any) -> None:
    from fastcore.dependencies.utils import get_typed_return_annotation, get_typed_signature

    assert get_typed_signature(call) == fastapi.dependencies.utils.get_typed_signature(call)
    theirs = fastapi.dependencies.utils.get_typed_return_annotation(call)
    assert get_typed_return_annotation(call) == theirs


def test_typed_signature_sees_through_a_decorator() -> None:
    """A caching decorator reads the wrapped endpoint's signature (fastapi-cache2 does)."""
    import functools

    from fastcore.dependencies.utils import get_typed_return_annotation, get_typed_signature

    @functools.wraps(_stringly)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _stringly(*args, **kwargs)

    assert list(get_typed_signature(wrapper).parameters) == ["item", "q"]
    assert get_typed_signature(wrapper).parameters["item"].annotation is Item
    assert get_typed_return_annotation(wrapper) == list[Item]
    assert get_typed_return_annotation(lambda: None) is None


def common(limit: Annotated[int, Query()] = 10) -> int:
    return limit


def read(item_id: int, q: str | None = None, c: Annotated[int, Depends(common)] = 0) -> None:
    pass


def test_get_dependant_reads_where_each_parameter_comes_from() -> None:
    from fastcore.dependencies.utils import (
        get_dependant,
        get_flat_dependant,
        get_flat_params,
        get_parameterless_sub_dependant,
    )

    dependant = get_dependant(path="/items/{item_id}", call=read)
    assert [p.name for p in dependant.path_params] == ["item_id"]
    assert [p.name for p in dependant.query_params] == ["q"]
    assert [d.name for d in dependant.dependencies] == ["c"]
    assert [p.name for p in get_flat_dependant(dependant).query_params] == ["limit", "q"]
    assert [p.name for p in get_flat_params(dependant)] == ["item_id", "limit", "q"]
    sub = get_parameterless_sub_dependant(depends=Depends(common), path="/items/{item_id}")
    assert [p.name for p in sub.query_params] == ["limit"]


@pytest.mark.parametrize("name", ["solve_dependencies", "request_body_to_args", "analyze_param"])
def test_unhonoured_internals_raise_import_error_naming_the_feature(name: str) -> None:
    with pytest.raises(ImportError, match=f"fastapi.dependencies.utils.{name}"):
        exec(f"from fastcore.dependencies.utils import {name}")


def test_default_placeholder_behaves_as_fastapis_and_routing_honours_it() -> None:
    from fastcore.datastructures import Default, DefaultPlaceholder
    from fastcore.responses import JSONResponse

    for mod_default, mod_cls in (
        (Default, DefaultPlaceholder),
        (fastapi.datastructures.Default, fastapi.datastructures.DefaultPlaceholder),
    ):
        value = mod_default(0)
        assert isinstance(value, mod_cls)
        assert not value
        assert value == mod_default(0)
        assert value != mod_default(1)
    assert is_default(Default(JSONResponse))
    router = fastcore.APIRouter(default_response_class=Default(JSONResponse))
    assert is_default(router.default_response_class)


@pytest.mark.parametrize("code", [None, 100, 200, 204, 205, 299, 304, 404, "default", "2XX", "204"])
def test_is_body_allowed_for_status_code_matches_fastapi(code: Any) -> None:
    from fastcore.utils import is_body_allowed_for_status_code

    assert is_body_allowed_for_status_code(code) == fastapi.utils.is_body_allowed_for_status_code(
        code
    )


def test_utils_match_fastapi() -> None:
    from fastcore.utils import deep_dict_update, get_path_param_names, get_value_or_default

    ours = {"a": {"b": 1, "l": [1]}, "c": 1}
    theirs = {"a": {"b": 1, "l": [1]}, "c": 1}
    update = {"a": {"d": 2, "l": [2]}, "c": {"x": 1}}
    deep_dict_update(ours, update)
    fastapi.utils.deep_dict_update(theirs, update)
    assert ours == theirs
    assert get_path_param_names("/a/{x}/{y:path}") == fastapi.utils.get_path_param_names(
        "/a/{x}/{y:path}"
    )
    from fastcore.datastructures import Default

    assert get_value_or_default(Default(1), Default(2), 3) == 3
    assert get_value_or_default(Default(1), Default(2)) == Default(1)


def test_utils_refuses_create_model_field_clearly() -> None:
    with pytest.raises(ImportError, match="create_model_field"):
        exec("from fastcore.utils import create_model_field")


def test_generate_operation_id_for_path_warns_as_fastapi_does() -> None:
    from fastcore.exceptions import FastAPIDeprecationWarning
    from fastcore.utils import generate_operation_id_for_path

    with pytest.warns(FastAPIDeprecationWarning):
        assert generate_operation_id_for_path(name="read", path="/a/{b}", method="GET") == (
            "read_a__b__get"
        )


def test_iterate_in_threadpool_runs_each_step_off_the_loop() -> None:
    from fastcore.concurrency import iterate_in_threadpool

    main = threading.get_ident()

    def numbers() -> Iterator[tuple[int, bool]]:
        for i in range(3):
            yield i, threading.get_ident() != main

    async def collect() -> list[tuple[int, bool]]:
        return [x async for x in iterate_in_threadpool(numbers())]

    assert asyncio.run(collect()) == [(0, True), (1, True), (2, True)]


def test_contextmanager_in_threadpool_enters_and_exits_off_the_loop() -> None:
    from fastcore.concurrency import contextmanager_in_threadpool

    seen: list[Any] = []
    main = threading.get_ident()

    @contextlib.contextmanager
    def resource() -> Iterator[str]:
        seen.append(("enter", threading.get_ident() != main))
        try:
            yield "r"
        except ValueError as exc:
            seen.append(("error", str(exc)))
            raise
        finally:
            seen.append(("exit", threading.get_ident() != main))

    async def use(fail: bool) -> None:
        async with contextmanager_in_threadpool(resource()) as value:
            assert value == "r"
            if fail:
                raise ValueError("boom")

    asyncio.run(use(False))
    assert seen == [("enter", True), ("exit", True)]
    seen.clear()
    with pytest.raises(ValueError, match="boom"):
        asyncio.run(use(True))
    assert seen == [("enter", True), ("error", "boom"), ("exit", True)]


def test_openapi_models_read_fastcores_document_as_fastapis_do() -> None:
    from fastcore.openapi import models

    app = fastcore.FastCore()

    @app.get("/items/{item_id}")
    def read(item_id: int, q: str | None = None) -> dict[str, int]:
        return {"item_id": item_id}

    doc = app.openapi()
    ours = models.OpenAPI.model_validate(doc).model_dump(by_alias=True, exclude_none=True)
    theirs = fastapi.openapi.models.OpenAPI.model_validate(doc).model_dump(
        by_alias=True, exclude_none=True
    )
    assert ours == theirs == doc
    flows = {"password": {"tokenUrl": "token", "scopes": {"me": "Read"}}}
    assert models.OAuthFlows(**flows).model_dump(exclude_none=True) == (
        fastapi.openapi.models.OAuthFlows(**flows).model_dump(exclude_none=True)
    )
    key = models.APIKey(**{"in": models.APIKeyIn.header}, name="X-Key")
    assert key.model_dump(by_alias=True, mode="json", exclude_none=True) == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Key",
    }


def test_logger_is_fastcores_logger() -> None:
    import logging

    from fastcore.logger import logger

    assert logger is logging.getLogger("fastcore")

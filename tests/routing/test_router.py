"""The router, compiled and pure: what a request's method and path find."""

from __future__ import annotations

import inspect
import re
import uuid
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastcore.exceptions import FastCoreError, RouteConflictError
from tests.support.builds import both_builds

UUID = "12345678-9abc-def0-1234-56789ABCDEF0"


def make(mod: ModuleType, *routes: tuple[str, str]) -> object:
    """A router with ``(method, template)`` routes, each targeting ``"METHOD template"``."""
    router = mod.Router()
    for method, template in routes:
        router.add(method, template, f"{method} {template}")
    return router


def found(mod: ModuleType, target: str, params: dict[str, object]) -> tuple[int, object, object]:
    return (mod.FOUND, target, params)


# --- static -------------------------------------------------------------------------------------


def test_static_routes_match_exactly(router_impl):
    r = make(router_impl, ("GET", "/"), ("GET", "/items"), ("POST", "/items"))
    assert r.match("GET", "/") == found(router_impl, "GET /", {})
    assert r.match("GET", "/items") == found(router_impl, "GET /items", {})
    assert r.match("POST", "/items") == found(router_impl, "POST /items", {})
    assert r.match("GET", "/item") == (router_impl.NOT_FOUND, None, None)


def test_status_constants(router_impl):
    assert (router_impl.FOUND, router_impl.METHOD_NOT_ALLOWED, router_impl.NOT_FOUND) == (0, 1, 2)


def test_params_dict_is_new_on_every_match(router_impl):
    r = make(router_impl, ("GET", "/s"), ("GET", "/p/{x}"))
    for path in ("/s", "/p/1"):
        first = r.match("GET", path)[2]
        first["junk"] = 1
        assert "junk" not in r.match("GET", path)[2]


def test_target_is_returned_as_is(router_impl):
    target = object()
    r = router_impl.Router()
    r.add("GET", "/a/{x}", target)
    assert r.match("GET", "/a/1")[1] is target


# --- parameters and converters ------------------------------------------------------------------


def test_str_parameters(router_impl):
    r = make(router_impl, ("GET", "/users/{user_id}/posts/{post_id}"), ("GET", "/s/{name:str}"))
    assert r.match("GET", "/users/ada/posts/7") == found(
        router_impl, "GET /users/{user_id}/posts/{post_id}", {"user_id": "ada", "post_id": "7"}
    )
    assert r.match("GET", "/s/héllo wörld") == found(
        router_impl, "GET /s/{name:str}", {"name": "héllo wörld"}
    )
    assert r.match("GET", "/users/ada/posts")[0] == router_impl.NOT_FOUND


@pytest.mark.parametrize(
    ("segment", "value"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        ("9" * 40, int("9" * 40)),
        ("123456789012345678", 123456789012345678),
    ],
)
def test_int_converter(router_impl, segment, value):
    status, _, params = make(router_impl, ("GET", "/n/{n:int}")).match("GET", f"/n/{segment}")
    assert status == router_impl.FOUND
    assert params == {"n": value} and type(params["n"]) is int


@pytest.mark.parametrize("segment", ["abc", "-1", "+1", "1.5", "1a", " 1", "١٢", "²", "1_000"])
def test_int_converter_refuses(router_impl, segment):
    r = make(router_impl, ("GET", "/n/{n:int}"))
    assert r.match("GET", f"/n/{segment}") == (router_impl.NOT_FOUND, None, None)


@pytest.mark.parametrize(("segment", "value"), [("1.5", 1.5), ("3", 3.0), ("0.25", 0.25)])
def test_float_converter(router_impl, segment, value):
    status, _, params = make(router_impl, ("GET", "/f/{x:float}")).match("GET", f"/f/{segment}")
    assert status == router_impl.FOUND
    assert params == {"x": value} and type(params["x"]) is float


@pytest.mark.parametrize(
    "segment", ["1.", ".5", "1e5", "nan", "inf", "1.2.3", "-1.0", "1,5", "٣.٥"]
)
def test_float_converter_refuses(router_impl, segment):
    r = make(router_impl, ("GET", "/f/{x:float}"))
    assert r.match("GET", f"/f/{segment}")[0] == router_impl.NOT_FOUND


@pytest.mark.parametrize("segment", [UUID, UUID.lower(), UUID.upper()])
def test_uuid_converter(router_impl, segment):
    status, _, params = make(router_impl, ("GET", "/u/{id:uuid}")).match("GET", f"/u/{segment}")
    assert status == router_impl.FOUND
    assert params == {"id": uuid.UUID(UUID)} and type(params["id"]) is uuid.UUID


@pytest.mark.parametrize(
    "segment",
    [
        UUID.replace("-", ""),  # canonical form only
        UUID[:-1],
        UUID + "0",
        UUID.replace("1", "g"),
        "{" + UUID[1:-1] + "}",
        UUID.replace("-", "_"),
        UUID[:8] + "5" + UUID[9:],
    ],
)
def test_uuid_converter_refuses(router_impl, segment):
    r = make(router_impl, ("GET", "/u/{id:uuid}"))
    assert r.match("GET", f"/u/{segment}")[0] == router_impl.NOT_FOUND


def test_path_converter_takes_the_rest(router_impl):
    r = make(router_impl, ("GET", "/files/{file_path:path}"))
    target = "GET /files/{file_path:path}"
    assert r.match("GET", "/files/a/b/c.txt") == found(
        router_impl, target, {"file_path": "a/b/c.txt"}
    )
    assert r.match("GET", "/files/a/") == found(router_impl, target, {"file_path": "a/"})
    assert r.match("GET", "/files/a//b") == found(router_impl, target, {"file_path": "a//b"})
    assert r.match("GET", "/files/") == found(router_impl, target, {"file_path": ""})
    assert r.match("GET", "/files")[0] == router_impl.NOT_FOUND


def test_path_converter_after_other_parameters(router_impl):
    r = make(router_impl, ("GET", "/{n:int}/{rest:path}"))
    assert r.match("GET", "/3/x/y") == found(
        router_impl, "GET /{n:int}/{rest:path}", {"n": 3, "rest": "x/y"}
    )
    r = make(router_impl, ("GET", "/{p:path}"))
    assert r.match("GET", "/") == found(router_impl, "GET /{p:path}", {"p": ""})


def test_empty_segments_do_not_match_parameters(router_impl):
    r = make(router_impl, ("GET", "/a/{x}"), ("GET", "/b/{x}/c"), ("GET", "/d//e"))
    assert r.match("GET", "/a/")[0] == router_impl.NOT_FOUND
    assert r.match("GET", "/b//c")[0] == router_impl.NOT_FOUND
    assert r.match("GET", "/d//e") == found(router_impl, "GET /d//e", {})


def test_paths_without_leading_slash_are_not_found(router_impl):
    r = make(router_impl, ("GET", "/{p:path}"), ("GET", "/a"))
    assert r.match("GET", "")[0] == router_impl.NOT_FOUND
    assert r.match("GET", "a")[0] == router_impl.NOT_FOUND


# --- priority, backtracking, trailing slashes ---------------------------------------------------


def test_static_segment_beats_parameter(router_impl):
    r = make(router_impl, ("GET", "/users/{id}"), ("GET", "/users/me"))
    assert r.match("GET", "/users/me") == found(router_impl, "GET /users/me", {})
    assert r.match("GET", "/users/you") == found(router_impl, "GET /users/{id}", {"id": "you"})


def test_typed_converters_beat_str_and_path_is_last(router_impl):
    r = make(
        router_impl,
        ("GET", "/a/{p:path}"),
        ("GET", "/a/{s}"),
        ("GET", "/a/{u:uuid}"),
        ("GET", "/a/{f:float}"),
        ("GET", "/a/{i:int}"),
    )
    assert r.match("GET", "/a/12")[1] == "GET /a/{i:int}"
    assert r.match("GET", "/a/1.5")[1] == "GET /a/{f:float}"
    assert r.match("GET", f"/a/{UUID}")[1] == "GET /a/{u:uuid}"
    assert r.match("GET", "/a/word")[1] == "GET /a/{s}"
    assert r.match("GET", "/a/x/y") == found(router_impl, "GET /a/{p:path}", {"p": "x/y"})
    assert r.match("GET", "/a/") == found(router_impl, "GET /a/{p:path}", {"p": ""})


def test_backtracks_when_a_deeper_segment_fails(router_impl):
    r = make(router_impl, ("GET", "/a/{x}/b"), ("GET", "/a/static/c"))
    assert r.match("GET", "/a/static/b") == found(router_impl, "GET /a/{x}/b", {"x": "static"})
    assert r.match("GET", "/a/static/c") == found(router_impl, "GET /a/static/c", {})
    r = make(router_impl, ("GET", "/a/{x:int}/b"), ("GET", "/a/{y}/c"), ("GET", "/a/{z:path}"))
    assert r.match("GET", "/a/1/c") == found(router_impl, "GET /a/{y}/c", {"y": "1"})
    assert r.match("GET", "/a/1/b") == found(router_impl, "GET /a/{x:int}/b", {"x": 1})
    assert r.match("GET", "/a/1/d") == found(router_impl, "GET /a/{z:path}", {"z": "1/d"})


def test_trailing_slash_is_significant(router_impl):
    r = make(router_impl, ("GET", "/items"), ("GET", "/users/{id}/"))
    assert r.match("GET", "/items/")[0] == router_impl.NOT_FOUND
    assert r.match("GET", "/users/1")[0] == router_impl.NOT_FOUND
    assert r.match("GET", "/users/1/") == found(router_impl, "GET /users/{id}/", {"id": "1"})
    r.add("GET", "/items/", "slash")
    assert r.match("GET", "/items/")[1] == "slash"
    assert r.match("GET", "/items")[1] == "GET /items"


# --- 405 and 404 --------------------------------------------------------------------------------


def test_method_not_allowed_lists_sorted_methods(router_impl):
    r = make(router_impl, ("PUT", "/a"), ("GET", "/a"), ("DELETE", "/a"), ("POST", "/p/{x}"))
    assert r.match("PATCH", "/a") == (
        router_impl.METHOD_NOT_ALLOWED,
        ("DELETE", "GET", "PUT"),
        None,
    )
    assert r.match("GET", "/p/1") == (router_impl.METHOD_NOT_ALLOWED, ("POST",), None)


def test_router_does_not_add_head(router_impl):
    r = make(router_impl, ("GET", "/a"))
    assert r.match("HEAD", "/a") == (router_impl.METHOD_NOT_ALLOWED, ("GET",), None)


def test_method_found_by_backtracking_before_answering_405(router_impl):
    r = make(router_impl, ("GET", "/a/b"), ("POST", "/a/{x}"), ("PUT", "/a/{x:path}"))
    assert r.match("POST", "/a/b") == found(router_impl, "POST /a/{x}", {"x": "b"})
    assert r.match("PUT", "/a/b") == found(router_impl, "PUT /a/{x:path}", {"x": "b"})
    # The allowed methods come from the first route in priority order: the static one.
    assert r.match("DELETE", "/a/b") == (router_impl.METHOD_NOT_ALLOWED, ("GET",), None)
    assert r.match("DELETE", "/a/c") == (router_impl.METHOD_NOT_ALLOWED, ("POST",), None)


def test_405_allowed_from_first_matching_node(router_impl):
    r = make(router_impl, ("GET", "/a/{x:int}"), ("POST", "/a/{y}"), ("PUT", "/a/{y}"))
    assert r.match("DELETE", "/a/1") == (router_impl.METHOD_NOT_ALLOWED, ("GET",), None)
    assert r.match("DELETE", "/a/z") == (router_impl.METHOD_NOT_ALLOWED, ("POST", "PUT"), None)
    assert r.match("POST", "/a/1") == found(router_impl, "POST /a/{y}", {"y": "1"})


def test_405_after_backtracking_deeper(router_impl):
    r = make(router_impl, ("GET", "/a/{x}/b"), ("POST", "/a/{x:int}/b"))
    assert r.match("PUT", "/a/1/b") == (router_impl.METHOD_NOT_ALLOWED, ("POST",), None)
    assert r.match("GET", "/a/1/b") == found(router_impl, "GET /a/{x}/b", {"x": "1"})


def test_not_found(router_impl):
    r = make(router_impl, ("GET", "/a"), ("GET", "/b/{x:int}"))
    not_found = (router_impl.NOT_FOUND, None, None)
    assert r.match("GET", "/c") == not_found
    assert r.match("GET", "/b/x") == not_found
    assert r.match("GET", "/b/1/2") == not_found
    assert router_impl.Router().match("GET", "/") == not_found


def test_same_shape_different_methods_keep_their_names(router_impl):
    r = make(router_impl, ("GET", "/a/{x}"), ("POST", "/a/{y:str}"))
    assert r.match("GET", "/a/1") == found(router_impl, "GET /a/{x}", {"x": "1"})
    assert r.match("POST", "/a/1") == found(router_impl, "POST /a/{y:str}", {"y": "1"})


# --- start-up errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/a", "/a"),
        ("/a/{x}", "/a/{y}"),
        ("/a/{x}", "/a/{y:str}"),
        ("/a/{x:int}/b", "/a/{y:int}/b"),
        ("/f/{p:path}", "/f/{q:path}"),
    ],
)
def test_duplicate_route_names_both_templates(router_impl, first, second):
    r = make(router_impl, ("GET", first), ("POST", second))
    with pytest.raises(RouteConflictError) as info:
        r.add("GET", second, None)
    assert repr(first) in str(info.value) and repr(second) in str(info.value)
    assert "GET" in str(info.value)


def test_different_shapes_do_not_conflict(router_impl):
    r = make(
        router_impl,
        ("GET", "/a/{x:int}"),
        ("GET", "/a/{x}"),
        ("GET", "/a/{x:float}"),
        ("GET", "/a/{x:uuid}"),
        ("GET", "/a/{x:path}"),
        ("GET", "/a/b"),
        ("GET", "/a/b/"),
    )
    assert r.match("GET", "/a/b")[1] == "GET /a/b"


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("a/b", "start with '/'"),
        ("", "start with '/'"),
        ("/a/{x", "unbalanced"),
        ("/a/x}", "unbalanced"),
        ("/a/{{x}}", "unbalanced"),
        ("/a/{x/y}", "unbalanced"),
        ("/a/{x}.json", "partial segments are unsupported"),
        ("/a/v{x}", "partial segments are unsupported"),
        ("/a/{x}{y}", "partial segments are unsupported"),
        ("/a/{x:foo}", "unknown converter 'foo'"),
        ("/a/{x:}", "unknown converter ''"),
        ("/a/{x:Int}", "unknown converter 'Int'"),
        ("/a/{1x}", "not a Python identifier"),
        ("/a/{}", "not a Python identifier"),
        ("/a/{x-y}", "not a Python identifier"),
        ("/a/{ x }", "not a Python identifier"),
        ("/a/{:int}", "not a Python identifier"),
        ("/a/{x}/{x}", "'x' appears more than once"),
        ("/a/{x}/{x:int}", "'x' appears more than once"),
        ("/a/{p:path}/b", "'p' must be last"),
        ("/a/{p:path}/", "'p' must be last"),
    ],
)
def test_malformed_templates_are_refused(router_impl, template, words):
    for attempt in (
        lambda: router_impl.Router().add("GET", template, None),
        lambda: router_impl.parse_template(template),
    ):
        with pytest.raises(RouteConflictError) as info:
            attempt()
        assert words in str(info.value)
        assert repr(template) in str(info.value)
        assert isinstance(info.value, FastCoreError) and isinstance(info.value, ValueError)


def test_refused_route_leaves_router_unchanged(router_impl):
    r = make(router_impl, ("GET", "/a/{x}"))
    with pytest.raises(RouteConflictError):
        r.add("GET", "/a/{y}", None)
    assert r.match("GET", "/a/1") == found(router_impl, "GET /a/{x}", {"x": "1"})


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.add(b"GET", "/a", None),
        lambda r: r.add("GET", b"/a", None),
        lambda r: r.add("GET", None, None),
        lambda r: r.match(None, "/a"),
        lambda r: r.match("GET", b"/a"),
    ],
)
def test_non_str_arguments_are_type_errors(router_impl, call):
    with pytest.raises(TypeError):
        call(router_impl.Router())


def test_str_subclasses_are_type_errors_too(router_impl):
    """The compiled build's typed arguments take exact str only; the pure one agrees."""

    class Text(str):
        pass

    with pytest.raises(TypeError):
        router_impl.parse_template(Text("/a"))
    with pytest.raises(TypeError):
        router_impl.Router().match("GET", Text("/a"))
    with pytest.raises(TypeError):
        router_impl.parse_template(None)


# --- parse_template -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "pairs"),
    [
        ("/", []),
        ("/items/", []),
        ("/items/{item_id}", [("item_id", "str")]),
        ("/s/{name:str}", [("name", "str")]),
        (
            "/u/{id:uuid}/{n:int}/{x:float}/{rest:path}",
            [("id", "uuid"), ("n", "int"), ("x", "float"), ("rest", "path")],
        ),
    ],
)
def test_parse_template(router_impl, template, pairs):
    assert router_impl.parse_template(template) == pairs


# --- scale ---------------------------------------------------------------------------------------


def test_a_thousand_routes_all_match(router_impl):
    r = router_impl.Router()
    for i in range(1000):
        r.add("GET", f"/r{i}/items/{{item_id}}", ("param", i))
        r.add("GET", f"/s{i}", ("static", i))
        r.add("POST", f"/n/{{n:int}}/k{i}", ("int", i))
    for i in range(1000):
        assert r.match("GET", f"/r{i}/items/x{i}") == (
            router_impl.FOUND,
            ("param", i),
            {"item_id": f"x{i}"},
        )
        assert r.match("GET", f"/s{i}") == (router_impl.FOUND, ("static", i), {})
        assert r.match("POST", f"/n/{i}/k{i}") == (router_impl.FOUND, ("int", i), {"n": i})
    assert r.match("GET", "/r1000/items/x")[0] == router_impl.NOT_FOUND


# --- the two builds agree -----------------------------------------------------------------------

BUILDS = both_builds("router")
needs_both = pytest.mark.skipif(len(BUILDS) < 2, reason="the compiled build is not built")


def _signature(obj: object) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@needs_both
def test_public_names_and_signatures_agree():
    compiled, pure = BUILDS
    assert compiled.__all__ == pure.__all__ == sorted(pure.__all__)
    for name in ("FOUND", "METHOD_NOT_ALLOWED", "NOT_FOUND"):
        assert getattr(compiled, name) == getattr(pure, name)
    sig = inspect.signature
    assert str(sig(compiled.parse_template)) == str(sig(pure.parse_template))
    public = {n for n in dir(pure.Router) if not n.startswith("_")}
    assert public == {n for n in dir(compiled.Router) if not n.startswith("_")} == {"add", "match"}
    for name in public:
        assert str(sig(getattr(compiled.Router, name))) == str(sig(getattr(pure.Router, name)))
    made = _signature(compiled.Router)
    if made is not None:  # an extension type exposes it through its text signature
        assert made.parameters == sig(pure.Router).parameters


@needs_both
@pytest.mark.parametrize(
    "template", ["a", "/{x", "/{x}.json", "/{x:nope}", "/{x}/{x}", "/{p:path}/a"]
)
def test_builds_give_the_same_error_messages(template):
    messages = set()
    for mod in BUILDS:
        with pytest.raises(RouteConflictError) as info:
            mod.parse_template(template)
        messages.add(str(info.value))
    assert len(messages) == 1


_TEMPLATE_PIECES = [
    "a",
    "b",
    "1",
    "",
    "x.y",
    "{p}",
    "{p:int}",
    "{p:float}",
    "{p:uuid}",
    "{p:str}",
    "{p:path}",
    "{q}",
    "{x",
    "{p:bad}",
]
_PATH_PIECES = ["a", "b", "1", "12", "007", "1.5", "", "x.y", UUID, "zz", "é"]
_METHODS = ["GET", "POST", "PUT"]

templates = st.lists(st.sampled_from(_TEMPLATE_PIECES), max_size=4).map(
    # Number the parameters so most templates are valid; `{q}` twice still repeats a name.
    lambda pieces: "/" + "/".join(piece.replace("{p", f"{{p{i}") for i, piece in enumerate(pieces))
)
paths = st.lists(st.sampled_from(_PATH_PIECES), max_size=5).map(lambda segs: "/" + "/".join(segs))


_SAMPLES = {"int": "12", "float": "1.5", "uuid": UUID, "str": "zz", "path": "a/b", "": "a"}


def _instance(template: str) -> str:
    """A path that the template would match if it is valid: each parameter filled in."""
    return re.sub(r"\{[^/]*\}", lambda m: _SAMPLES.get(m[0][1:-1].partition(":")[2], "x"), template)


def _outcome(call):
    try:
        return ("ok", call())
    except RouteConflictError as exc:
        return ("error", str(exc))


def _comparable(result):
    status, target, params = result
    if params is not None:
        params = {name: (type(value), value) for name, value in params.items()}
    return status, id(target) if status == 0 else target, params


@needs_both
@settings(max_examples=300, deadline=None)
@given(
    routes=st.lists(st.tuples(st.sampled_from(_METHODS), templates), max_size=12),
    requests=st.lists(
        st.tuples(st.sampled_from([*_METHODS, "DELETE"]), paths), min_size=1, max_size=12
    ),
)
def test_builds_agree_on_random_tables(routes, requests):
    routers = [mod.Router() for mod in BUILDS]
    for method, template in routes:
        target = object()
        outcomes = [_outcome(lambda r=r: r.add(method, template, target)) for r in routers]
        assert outcomes[0] == outcomes[1]
        assert _outcome(lambda: BUILDS[0].parse_template(template)) == _outcome(
            lambda: BUILDS[1].parse_template(template)
        )
    requests += [(method, _instance(template)) for method in _METHODS for _, template in routes]
    for method, path in requests:
        compiled, pure = (_comparable(r.match(method, path)) for r in routers)
        assert compiled == pure


_CONVERTER_ROUTER = [
    ("GET", "/{i:int}/int"),
    ("GET", "/{f:float}/float"),
    ("GET", "/{u:uuid}/uuid"),
    ("GET", "/{s}/str"),
]
segments = st.one_of(
    st.text(st.characters(exclude_characters="/"), max_size=40),
    st.from_regex(r"[0-9]{1,40}(\.[0-9]{0,30})?", fullmatch=True),
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
)


@needs_both
@settings(max_examples=500, deadline=None)
@given(segment=segments, kind=st.sampled_from(["int", "float", "uuid", "str"]))
def test_builds_agree_on_converters(segment, kind):
    """The compiled checks and conversions are C code; they must agree with Python's."""
    compiled, pure = (
        _comparable(make(mod, *_CONVERTER_ROUTER).match("GET", f"/{segment}/{kind}"))
        for mod in BUILDS
    )
    assert compiled[0] == pure[0] and compiled[2] == pure[2]

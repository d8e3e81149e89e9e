"""Form bodies: urlencoded and multipart, parsed while the body streams in.

python-multipart (the parser FastAPI uses through Starlette) is fed each chunk as it is
received, so a large upload goes to a spooled temporary file part by part and is never
held whole in memory. The limits and the 400 answers for a body that breaks them are
Starlette's (1000 files, 1000 fields, 1 MiB per non-file part), so clients see the same
messages.

A route whose body parameters are ``Form()``/``File()`` gets a ``FormPlan`` instead of the
JSON ``BodyPlan``: it reads the stream itself and then validates each field with the same
converters as query parameters, FastAPI's rules applied (an empty value is a missing one;
an empty file input is no file).
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote_plus

from fastcore import _validation as validation
from fastcore._planning.defaults import validated_default
from fastcore._planning.form_models import FormModelReader, form_models, is_nullable_form_model
from fastcore._planning.request_io import client_disconnect
from fastcore._validation import hints as t
from fastcore.dependencies import ParamField
from fastcore.exceptions import HTTPException
from fastcore.params import File

if TYPE_CHECKING:
    from starlette.datastructures import FormData, UploadFile

__all__ = [
    "FormError",
    "FormLimits",
    "FormPlan",
    "parse_form",
    "receive_chunks",
    "schema_type",
]

Errors = list[dict[str, Any]]
Validator = Callable[[Any, tuple[Any, ...]], tuple[Any, Errors]]
_MISSING: Any = object()

# PERF: python_multipart (~0.55 MiB RSS per worker, mostly tempfile -> random -> hashlib,
# which it imports) is imported by the functions that parse a form body, not by this module: every
# app imports this module to plan its routes, few of them receive forms.


class FormError(Exception):
    """A form body that cannot be parsed or breaks a limit; answered 400 with ``message``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _ds() -> Any:
    """``starlette.datastructures``, imported when a form is read (~1.7 MiB RSS otherwise)."""
    import starlette.datastructures

    return starlette.datastructures


#: Starlette's threshold: smaller uploads stay in memory, larger ones go to disk.
_SPOOL_MAX_SIZE = 1024 * 1024


def _upload_class() -> type[UploadFile]:
    """FastAPI's UploadFile subclass, as FastAPI hands to handlers."""
    from fastcore.datastructures import UploadFile as FastAPIUploadFile

    return FastAPIUploadFile


@dataclasses.dataclass(frozen=True)
class FormLimits:
    """Starlette's defaults; ``max_part_size`` bounds a non-file field and part headers."""

    max_files: int = 1000
    max_fields: int = 1000
    max_part_size: int = 1024 * 1024


async def receive_chunks(receive: Any) -> AsyncGenerator[bytes, None]:
    """The body's chunks as the ASGI server delivers them, nothing kept."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise client_disconnect()
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


def _decode(data: bytes | bytearray, charset: str) -> str:
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1")


class _Urlencoded:
    """``a=1&b=2`` parsed incrementally, each field bounded as Starlette bounds it."""

    def __init__(self, limits: FormLimits) -> None:
        self.limits = limits
        self.items: list[tuple[str, UploadFile | str]] = []
        self.name = bytearray()
        self.value = bytearray()
        self.size = 0

    def on_field_start(self) -> None:
        self.name, self.value, self.size = bytearray(), bytearray(), 0

    def _grow(self, n: int) -> None:
        self.size += n
        if self.size > self.limits.max_part_size:
            kb = self.limits.max_part_size // 1024
            raise FormError(f"Field exceeded maximum size of {kb}KB.")

    def on_field_name(self, data: bytes, start: int, end: int) -> None:
        self._grow(end - start)
        self.name += data[start:end]

    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        self._grow(end - start)
        self.value += data[start:end]

    def on_field_end(self) -> None:
        if len(self.items) >= self.limits.max_fields:
            raise FormError(
                f"Too many fields. Maximum number of fields is {self.limits.max_fields}."
            )
        name = unquote_plus(self.name.decode("latin-1"))
        self.items.append((name, unquote_plus(self.value.decode("latin-1"))))

    async def parse(self, chunks: AsyncIterator[bytes]) -> FormData:
        from python_multipart.multipart import QuerystringParser

        parser = QuerystringParser(
            {
                "on_field_start": self.on_field_start,
                "on_field_name": self.on_field_name,
                "on_field_data": self.on_field_data,
                "on_field_end": self.on_field_end,
            }
        )
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
        return cast("FormData", _ds().FormData(self.items))


@dataclasses.dataclass
class _Part:
    disposition: bytes = b""
    headers: list[tuple[bytes, bytes]] = dataclasses.field(default_factory=list)
    name: str = ""
    data: bytearray = dataclasses.field(default_factory=bytearray)
    file: UploadFile | None = None


class _Multipart:
    """A multipart body; file data is written after each chunk, fields kept in memory.

    The parser's callbacks are synchronous, so file data they see is queued and written
    (awaiting the thread pool once the file is on disk) before the next chunk is fed:
    at most one received chunk of file data is in memory at a time.
    """

    def __init__(self, boundary: bytes, charset: str, limits: FormLimits) -> None:
        self.boundary, self.charset, self.limits = boundary, charset, limits
        self.items: list[tuple[str, UploadFile | str]] = []
        self.part = _Part()
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.header_size = 0
        self.files = 0
        self.fields = 0
        self.pending: list[tuple[UploadFile, bytes]] = []
        self.finished: list[UploadFile] = []
        self.opened: list[UploadFile] = []

    def on_part_begin(self) -> None:
        self.part = _Part()
        self.header_size = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        if part.file is not None:
            self.pending.append((part.file, data[start:end]))
            return
        if len(part.data) + (end - start) > self.limits.max_part_size:
            kb = self.limits.max_part_size // 1024
            raise FormError(f"Part exceeded maximum size of {kb}KB.")
        part.data += data[start:end]

    def on_part_end(self) -> None:
        part = self.part
        if part.file is None:
            self.items.append((part.name, _decode(part.data, self.charset)))
        else:
            self.finished.append(part.file)
            self.items.append((part.name, part.file))

    def _header_grow(self, n: int) -> None:
        # SECURITY: part headers are kept in memory; bound them like a field's data.
        self.header_size += n
        if self.header_size > self.limits.max_part_size:
            kb = self.limits.max_part_size // 1024
            raise FormError(f"Part headers exceeded maximum size of {kb}KB.")

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_grow(end - start)
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_grow(end - start)
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        name, value = bytes(self.header_name).lower(), bytes(self.header_value)
        if name == b"content-disposition":
            self.part.disposition = value
        self.part.headers.append((name, value))
        self.header_name, self.header_value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(self.part.disposition)
        if b"name" not in options:
            raise FormError('The Content-Disposition header field "name" must be provided.')
        self.part.name = _decode(options[b"name"], self.charset)
        if b"filename" not in options:
            self.fields += 1
            if self.fields > self.limits.max_fields:
                raise FormError(
                    f"Too many fields. Maximum number of fields is {self.limits.max_fields}."
                )
            return
        self.files += 1
        if self.files > self.limits.max_files:
            raise FormError(f"Too many files. Maximum number of files is {self.limits.max_files}.")
        # PERF: tempfile imported here, not at module level: it pulls shutil, bz2, lzma,
        # random and hashlib (~0.5 MiB RSS per worker), which an app without uploads never needs.
        import tempfile

        # NOTE: no context manager: the file outlives this call; the form closes it
        spooled = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX_SIZE)  # noqa: SIM115
        upload = _upload_class()(
            spooled,  # type: ignore[arg-type]
            size=0,
            filename=_decode(options[b"filename"], self.charset),
            headers=_ds().Headers(raw=self.part.headers),
        )
        self.opened.append(upload)
        self.part.file = upload

    async def _flush(self) -> None:
        for upload, data in self.pending:
            await upload.write(data)
        for upload in self.finished:
            await upload.seek(0)
        self.pending.clear()
        self.finished.clear()

    async def parse(self, chunks: AsyncIterator[bytes]) -> FormData:
        from python_multipart.exceptions import FormParserError
        from python_multipart.multipart import MultipartParser

        parser = MultipartParser(
            self.boundary,
            {
                "on_part_begin": self.on_part_begin,
                "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end,
                "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value,
                "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
            },
        )
        try:
            async for chunk in chunks:
                parser.write(chunk)
                await self._flush()
            parser.finalize()
            await self._flush()
        except BaseException as exc:
            for upload in self.opened:
                upload.file.close()  # NOTE: closing removes the temporary file
            if isinstance(exc, FormParserError):
                raise FormError("Invalid multipart data.") from exc
            raise
        return cast("FormData", _ds().FormData(self.items))


def _charset(params: dict[bytes, bytes]) -> str:
    try:
        return codecs.lookup(params.get(b"charset", b"utf-8").decode("latin-1")).name
    except LookupError:
        return "latin-1"


async def parse_form(
    content_type: bytes | str | None,
    chunks: AsyncGenerator[bytes, None],
    limits: FormLimits = FormLimits(),
) -> FormData:
    """The form in a body, by its content type; any other content type is an empty form.

    ``chunks`` is closed on the way out, so a body abandoned half-read (a limit, a parse
    error) leaves no suspended generator behind.
    """
    async with contextlib.aclosing(chunks):
        return await _parse_form(content_type, chunks, limits)


async def _parse_form(
    content_type: bytes | str | None, chunks: AsyncGenerator[bytes, None], limits: FormLimits
) -> FormData:
    if not content_type:
        return cast("FormData", _ds().FormData())
    from python_multipart.multipart import parse_options_header

    main, params = parse_options_header(content_type)
    if main == b"multipart/form-data":
        if b"boundary" not in params:
            raise FormError("Missing boundary in multipart.")
        return await _Multipart(params[b"boundary"], _charset(params), limits).parse(chunks)
    if main == b"application/x-www-form-urlencoded":
        return await _Urlencoded(limits).parse(chunks)
    return cast("FormData", _ds().FormData())


# ---- validation of the parsed form against the route's Form()/File() parameters ----------


def _is_empty_file(value: Any) -> bool:
    # NOTE: browsers send an empty filename and no content when no file was chosen.
    return isinstance(value, _ds().UploadFile) and value.filename == "" and value.size == 0


def _base(tp: Any) -> Any:
    tp, _ = t.split_annotated(tp)
    return t.non_none(tp) if t.is_optional(tp) else tp


def _item_type(tp: Any) -> Any | None:
    """The element type of ``list[X]``/``Sequence[X]``..., or None for anything else."""
    base = _base(tp)
    origin = typing.get_origin(base)
    if origin in (list, set, frozenset, tuple, Sequence, typing.Sequence):
        args = typing.get_args(base)
        return _base(args[0]) if args else Any
    return None


def _upload_error(value: Any, loc: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "type": "value_error",
        "loc": list(loc),
        "msg": f"Value error, Expected UploadFile, received: {type(value)}",
        "input": value,
        "ctx": {"error": {}},
    }


async def _as_bytes(value: Any) -> Any:
    if isinstance(value, _ds().UploadFile):
        return await value.read()
    return value


def _check_bytes(value: Any, errs: Errors) -> Any:
    # NOTE: pydantic's lax bytes: a text field's value is taken as its UTF-8 encoding.
    if isinstance(value, list):
        return [v.encode() if isinstance(v, str) else v for v in value]
    return value.encode() if isinstance(value, str) else value


def _checker(field: ParamField) -> Callable[[Any, Errors], Any]:
    """Validation of one present (non-empty) value: the query converter, or an upload check."""
    item = _item_type(field.annotation)
    loc = ("body", field.key)
    base = item if item is not None else _base(field.annotation)
    if t.is_class(base) and issubclass(base, _ds().UploadFile):
        if item is None:
            return lambda v, errs: (
                v if isinstance(v, _ds().UploadFile) else errs.append(_upload_error(v, loc))
            )

        def check_list(values: list[Any], errs: Errors) -> Any:
            errs.extend(
                _upload_error(v, (*loc, i))
                for i, v in enumerate(values)
                if not isinstance(v, _ds().UploadFile)
            )
            return values

        return check_list
    if (item if item is not None else _base(field.annotation)) is bytes:
        return _check_bytes
    convert, tp = validation.converter(field.annotation), field.annotation

    def check(value: Any, errs: Errors) -> Any:
        try:
            return convert(value)
        except validation.InvalidValue as exc:
            errs.extend({**e, "loc": [*loc, *e["loc"]]} for e in exc.errors)
        except Exception as exc:
            found = validation.errors_for(tp, value, loc)
            errs.extend(
                found
                or [{"type": "value_error", "loc": list(loc), "msg": str(exc), "input": value}]
            )
        return None

    return check


class _FieldReader:
    """One Form()/File() parameter: picked out of the FormData, made bytes if asked, checked."""

    def __init__(self, field: ParamField) -> None:
        self.field = field
        self.key = field.key
        item = _item_type(field.annotation)
        self.many = item is not None
        wanted = item if item is not None else _base(field.annotation)
        self.wants_bytes = isinstance(field.marker, File) and wanted is bytes
        self.check = _checker(field)

    def raw(self, form: FormData) -> Any:
        if self.many:
            values = [v for v in form.getlist(self.key) if not _is_empty_file(v)]
            return values or _MISSING
        value = form.get(self.key, _MISSING)
        if value == "" or _is_empty_file(value):
            return _MISSING  # NOTE: FastAPI: an empty form value is a missing one
        return value

    async def read(self, form: FormData, errors: Errors) -> Any:
        raw = self.raw(form)
        field = self.field
        if raw is _MISSING:
            if field.required:
                errors.append(validation.missing(("body", self.key)))
                return None
            if field.validate_default:
                return validated_default(field, ("body", self.key), errors)
            return field.default_factory() if field.default_factory else field.default
        if self.wants_bytes:
            raw = [await _as_bytes(v) for v in raw] if self.many else await _as_bytes(raw)
        return self.check(raw, errors)


class _ChoicesReader(_FieldReader):
    """A Form()/File() parameter with ``AliasChoices``, read as FastAPI reads it: the first
    name that has a value (an empty value counts as none; for a list, any item counts, an
    empty string included) is read and named in an error; none: missing as the first name."""

    def __init__(self, field: ParamField) -> None:
        super().__init__(field)
        self.names: tuple[str, ...] = tuple(field.marker.alias_choices)
        self.checks = {name: _checker(dataclasses.replace(field, key=name)) for name in self.names}

    def raw(self, form: FormData) -> Any:
        for name in self.names:
            if self.many:
                values = [v for v in form.getlist(name) if not _is_empty_file(v)]
                if values:
                    return name, values
                continue
            value = form.get(name, _MISSING)
            if value is not _MISSING and value != "" and not _is_empty_file(value):
                return name, value
        return None, _MISSING

    async def read(self, form: FormData, errors: Errors) -> Any:
        name, raw = self.raw(form)
        field = self.field
        if raw is _MISSING:
            if field.required:
                errors.append(validation.missing(("body", self.key)))
                return None
            if field.validate_default:
                return validated_default(field, ("body", self.key), errors)
            return field.default_factory() if field.default_factory else field.default
        if self.wants_bytes:
            raw = [await _as_bytes(v) for v in raw] if self.many else await _as_bytes(raw)
        return self.checks[name](raw, errors)


def _field_reader(field: ParamField) -> _FieldReader:
    """The reader of a Form()/File() parameter; one with ``AliasChoices`` tries its names."""
    if len(getattr(field.marker, "alias_choices", ())) > 1:
        return _ChoicesReader(field)
    return _FieldReader(field)


class FormPlan:
    """Turns a form body into the values of the route's Form() and File() parameters."""

    is_form = True

    def __init__(
        self,
        fields: Sequence[ParamField],
        validator_for: Callable[[Any], Validator],
        limits: FormLimits = FormLimits(),
    ) -> None:
        self.fields = tuple(fields)
        self.limits = limits
        # NOTE: as FastAPI: a lone form model (or union of models) is the body's schema
        # itself, not a Body_ object; a nullable one is documented as a Body_ object anyway.
        self.embed = not (len(self.fields) == 1 and form_models(self.fields[0]))
        self.doc_embed = self.embed or is_nullable_form_model(self.fields[0])
        self.readers: tuple[FormModelReader | _FieldReader, ...] = tuple(
            FormModelReader(f, validator_for) if form_models(f) else _field_reader(f)
            for f in self.fields
        )
        self.media_type: str = getattr(
            self.fields[0].marker, "media_type", "application/x-www-form-urlencoded"
        )
        if any(isinstance(f.marker, File) for f in self.fields):
            self.media_type = "multipart/form-data"

    async def read(
        self,
        scope: dict[str, Any],
        receive: Any,
        chunks: AsyncGenerator[bytes, None] | None = None,
    ) -> FormData:
        """The whole form, file parts spooled; a malformed body is a 400 as in Starlette.

        Read from ``receive``, or from ``chunks`` (a Request's ``stream()``) when given.
        """
        ctype = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                ctype = value
                break
        if chunks is None:
            chunks = receive_chunks(receive)
        try:
            return await parse_form(ctype, chunks, self.limits)
        except FormError as exc:
            raise HTTPException(400, exc.message) from None

    async def values(self, form: FormData) -> tuple[dict[str, Any], Errors]:
        """The parameters by wire key, and every error, reported as FastAPI reports them."""
        out: dict[str, Any] = {}
        errors: Errors = []
        for reader in self.readers:
            out[reader.key] = await reader.read(form, errors)
        return out, errors


def schema_type(field: ParamField) -> Any:
    """The type to document a body parameter as: a File()'s bytes are an upload, as in FastAPI."""
    if not isinstance(field.marker, File):
        return field.annotation
    tp = field.annotation
    item = _item_type(tp)
    if (item if item is not None else _base(tp)) is not bytes:
        return tp
    upload = _upload_class()
    doc: Any = list[upload] if item is not None else upload  # type: ignore[valid-type]
    return doc | None if t.is_optional(t.split_annotated(tp)[0]) else doc

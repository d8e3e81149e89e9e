"""A parameter's default under pydantic's ``validate_default``, as FastAPI 0.165 applies it.

``Query(validate_default=True)`` (or ``Annotated[..., Field(validate_default=True)]``) makes
the default of a missing value go through the parameter's validation, as a sent value would:
``BeforeValidator``s run, constraints hold (``Query(gt=0, validate_default=True) = -1`` is a
422 naming the default as its input), a ``default_factory`` is called once per request. Only
such fields come here; every other default is returned as it is, by the readers themselves.
"""

from __future__ import annotations

from typing import Any

from fastcore.dependencies import ParamField

__all__ = ["validated_default"]


def validated_default(field: ParamField, loc: tuple[Any, ...], errors: list[Any]) -> Any:
    """The field's default (its factory's value) validated under ``loc``; None and its
    errors added to ``errors`` when the default does not validate."""
    from fastcore._planning.bodies import validator_for  # NOTE: bodies imports this module

    factory = field.default_factory
    value = factory() if factory is not None else field.default
    result, errs = validator_for(field.annotation)(value, loc)
    if errs:
        errors.extend(errs)
        return None
    return result

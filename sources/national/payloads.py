"""Typed models (pydantic) of the national answers that carry figures, so types are checked before use.

A structural fault (no `values` list, an unknown gender, a period that is not a year, an unknown valueType)
rejects the whole answer with NationalSourceError naming the URL. A figure that is not a finite number (text,
NaN, Infinity, a bool) only marks its own cell INVALID: the rest of the answer is still good, and the
validation step (sources/national/plausibility.py) rejects that cell with a warning.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from sources.national.http import shape_error

INVALID = "ogiltigt"  # status of a figure that is not a finite number (as parse_swedish_number marks text)

# Skolverket's valueType → the reason code of Swedish official statistics ('' = a real figure)
VALUE_TYPE_STATUS = {
    "EXISTS": "",
    "MISSING": ".",
    "OMITTED_DUE_TO_BASED_ON_FEW_PUPILS": "..",
    "ROUNDED_OFF_DUE_TO_FEW_PUPILS_NOT_ELIGIBLE": "~100",
    "TEACHERS_EXCLUDED_DUE_TO_NO_REQUIRED_LEGITIMATION": "*",
}


def _int_to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _digits_to_int(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _text_or_none(value: Any) -> Any:
    return None if value is None else str(value)


def _lenient_bool(value: Any) -> bool | None:
    """Kolada's flags as v3 (true/false), v2 (0/1) or text send them; anything else is unknown, not a fault."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


Code = Annotated[StrictStr, BeforeValidator(_int_to_str), Field(min_length=1)]
OptionalCode = Annotated[StrictStr | None, BeforeValidator(_int_to_str)]
# Free text of a catalogue (a description, a title of a member): whatever it is, as text.
Text = Annotated[str | None, BeforeValidator(_text_or_none)]
Flag = Annotated[bool | None, BeforeValidator(_lenient_bool)]
Year = Annotated[StrictInt, BeforeValidator(_digits_to_int)]
# strict: '239,1', 'NaN' and true are not numbers; allow_inf_nan=False: JSON's NaN/Infinity (and 1e999) are not
FiniteNumber = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class KoladaPage(_Model):
    values: list[Any]
    next_url: StrictStr | None = None


class KoladaCell(_Model):
    gender: Literal["T", "K", "M"]
    status: StrictStr | None = None
    value: FiniteNumber | None = None
    count: StrictInt | None = None
    isdeleted: bool | None = None  # v3 keeps withdrawn values, flagged


class KoladaMunicipalityItem(_Model):
    kpi: Code
    municipality: Code
    period: Year
    values: list[Any]

    @property
    def unit(self) -> str:
        return self.municipality


class KoladaKpi(_Model):
    """A KPI of Kolada's catalogue (/kpi); the field names are KPI_SCHEMA's (sources/national/kolada_api.py)."""

    id: Code
    title: Code
    description: Text = None
    operating_area: Text = None
    auspice: Text = Field(None, validation_alias=AliasChoices("auspice", "auspices"))  # v2: auspices
    is_divided_by_gender: Flag = None
    has_ou_data: Flag = None
    municipality_type: Text = None
    perspective: Text = None
    publication_date: Text = None
    publ_period: Text = None


class KoladaMunicipality(_Model):
    id: Code
    title: Code
    type: OptionalCode = None  # K kommun, L region


class KoladaOu(_Model):
    id: Code
    title: Code
    municipality: OptionalCode = None


class KoladaGroupMember(_Model):
    member_id: Code = Field(validation_alias=AliasChoices("member_id", "id"))  # v2: id, title
    member_title: Text = Field(None, validation_alias=AliasChoices("member_title", "title"))


class KoladaGroup(_Model):
    id: Code
    title: Code
    members: list[KoladaGroupMember]


class KoladaOuItem(_Model):
    kpi: Code
    ou: Code
    period: Year
    values: list[Any]

    @property
    def unit(self) -> str:
        return self.ou


class StatisticEntry(_Model):
    """One figure of Planned Educations: text with decimal comma. A number (even NaN) is kept as its text so
    parse_swedish_number marks a non-finite one INVALID, cell by cell."""

    value: StrictStr | StrictInt | StrictFloat | None = None
    valueType: Literal[tuple(VALUE_TYPE_STATUS)]  # type: ignore[valid-type]  # noqa: N815 (the API's name)
    timePeriod: Code | None = None  # noqa: N815


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "svaret"
    return f"{where}: {first['msg']}"


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], raw: Any, url: str, what_sv: str) -> M:
    """raw as `model`, or the shape error for the whole answer."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problem = _problem(exc)
        raise shape_error(f"{what_sv} ({problem})", f"{model.__name__} ({problem})", url) from None


def parse_kolada_cell(raw: Any, url: str) -> tuple[KoladaCell, bool]:
    """(cell, value_is_valid): a cell whose only fault is its value comes back with value None."""
    try:
        return KoladaCell.model_validate(raw), True
    except ValidationError as exc:
        if isinstance(raw, dict) and all(e["loc"][:1] == ("value",) for e in exc.errors()):
            return parse(KoladaCell, {**raw, "value": None}, url, "värdecellen"), False
        problem = _problem(exc)
        raise shape_error(f"värdecellen ({problem})", f"value cell ({problem})", url) from None

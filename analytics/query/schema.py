"""JSON schema of a query spec for one dataset: its measures, columns and values as
enums, so a language model's structured output (Ollama ``format=``) can only name
what the file holds. The schema describes the JSON that
:func:`analytics.query.spec.spec_from_json` reads."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.dataset_model import DatasetModel
from analytics.query.plan import (
    available_measures,
    frame_model,
    groupable_columns,
    values_of,
)
from analytics.query.spec import COMPARES, MAX_LIMIT, TIME_GRAINS
from analytics.schema import DATE

#: Columns with more values than this get a free-text value in the schema.
MAX_ENUM_VALUES = 60


def spec_json_schema(
    model: DatasetModel,
    frame: pd.DataFrame | None = None,
    *,
    max_values: int = MAX_ENUM_VALUES,
) -> dict[str, Any]:
    """A JSON schema (draft 2020-12 subset: object, array, enum, const, anyOf) of a
    query on this dataset. With ``frame``, each filter column's values are listed (up to
    ``max_values``; beyond that any text, checked by :func:`validate`)."""
    if frame is not None:
        model = frame_model(frame, model)
    measures = available_measures(model, frame)
    columns = groupable_columns(model)
    has_dates = (
        bool(frame[DATE].notna().any())
        if frame is not None
        else bool(model.role_column(DATE))
    )
    group_names = [c.name for c in columns] + (list(TIME_GRAINS) if has_dates else [])
    filter_options: list[dict[str, Any]] = []
    for column in columns:
        values_schema: dict[str, Any] = {"type": "string"}
        if frame is not None and column.field in frame:
            values = values_of(frame, column.field)
            if len(values) <= max_values:
                values_schema = {"type": "string", "enum": values}
        filter_options.append(
            {
                "type": "object",
                "properties": {
                    "column": {"const": column.name},
                    "values": {"type": "array", "items": values_schema, "minItems": 1},
                },
                "required": ["column", "values"],
                "additionalProperties": False,
            }
        )
    properties: dict[str, Any] = {
        "measures": {
            "type": "array",
            "items": {"type": "string", "enum": measures},
            "minItems": 1,
        },
        "group_by": {
            "type": "array",
            "items": {"type": "string", "enum": group_names},
        },
        "filters": {
            "type": "array",
            "items": {"anyOf": filter_options}
            if filter_options
            else {"type": "object"},
        },
        "compare": {"type": ["string", "null"], "enum": [*COMPARES, None]},
        "sort": {
            "type": "object",
            "properties": {
                "by": {"type": ["string", "null"], "enum": [*measures, None]},
                "order": {"type": "string", "enum": ["asc", "desc"]},
            },
            "additionalProperties": False,
        },
        "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_LIMIT},
    }
    if has_dates:
        properties["date_range"] = {
            "type": "object",
            "properties": {
                "start": {"type": ["string", "null"], "format": "date"},
                "end": {"type": ["string", "null"], "format": "date"},
            },
            "additionalProperties": False,
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Query on this dataset",
        "type": "object",
        "properties": properties,
        "required": ["measures"],
        "additionalProperties": False,
    }

"""Typed questions about one dataset, answered exactly: the query spec, its checks
against the dataset model, the engine, and the JSON schema of a spec for a dataset.

Pure (no Dash/Flask). Typical use::

    from analytics.query import run, spec_from_json
    result = run(frame, spec_from_json({"measures": ["revenue"], "group_by": ["Region"]}), model)
    result.to_json()
"""

from analytics.query.engine import (
    QueryTable,
    filter_rows,
    order_figures,
    run,
    table,
)
from analytics.query.plan import (
    MIN_ID_COVERAGE,
    NOT_SET,
    available_measures,
    frame_model,
    groupable_columns,
    known_share,
    match_values,
    validate,
    values_of,
)
from analytics.query.schema import spec_json_schema
from analytics.query.spec import (
    COMPARES,
    MEASURES,
    TIME_GRAINS,
    Filter,
    QueryError,
    QueryResult,
    QuerySpec,
    spec_from_json,
    spec_to_json,
)

__all__ = [
    "NOT_SET",
    "QueryTable",
    "table",
    "COMPARES",
    "MEASURES",
    "MIN_ID_COVERAGE",
    "TIME_GRAINS",
    "Filter",
    "QueryError",
    "QueryResult",
    "QuerySpec",
    "available_measures",
    "filter_rows",
    "frame_model",
    "groupable_columns",
    "known_share",
    "match_values",
    "order_figures",
    "run",
    "spec_from_json",
    "spec_json_schema",
    "spec_to_json",
    "validate",
    "values_of",
]

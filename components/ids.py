"""Every component id used by both layouts and callbacks."""

# shell
URL = "url"
PAGE = "page"

# upload page
UPLOAD_DROPZONE = "upload-dropzone"
UPLOAD_STATUS = "upload-status"
UPLOAD_PROGRESS = "upload-progress"
SHEET_URL_INPUT = "sheet-url-input"
SHEET_URL_BUTTON = "sheet-url-button"

# dashboard: session and filters
SESSION_ID = "session-id"
DASHBOARD_ALERTS = "dashboard-alerts"
FILTER_DATES = "filter-dates"
FILTER_CATEGORY = "filter-category"
FILTER_SKU = "filter-sku"
CLEAR_FILTERS = "clear-filters"
FILTER_SUMMARY = "filter-summary"
DOWNLOAD_DATA_CSV = "download-data-csv"
DOWNLOAD_DATA_XLSX = "download-data-xlsx"
DOWNLOAD_SKUS_CSV = "download-skus-csv"
DOWNLOAD_SKUS_XLSX = "download-skus-xlsx"

# dashboard: figures
KPI_ROW = "kpi-row"
GRANULARITY = "granularity"
TIMESERIES_GRAPH = "timeseries-graph"
MARGIN_GRAPH = "margin-graph"
CATEGORY_GRAPH = "category-graph"
SKU_BARS_GRAPH = "sku-bars-graph"
SKU_BARS_METRIC = "sku-bars-metric"
PARETO_GRAPH = "pareto-graph"
PARETO_METRIC = "pareto-metric"
SEASONALITY_GRAPH = "seasonality-graph"

# SKU ranking and drill-down
SKU_TABLE = "sku-table"
SKU_COUNT = "sku-count"
SKU_SELECTED = "sku-selected"
SKU_DETAIL = "sku-detail"
SKU_DETAIL_BODY = "sku-detail-body"

# forecast
FORECAST_METRIC = "forecast-metric"
FORECAST_FREQ = "forecast-freq"
FORECAST_HORIZON = "forecast-horizon"
FORECAST_MODEL = "forecast-model"
FORECAST_RUN = "forecast-run"
FORECAST_CANCEL = "forecast-cancel"
FORECAST_PROGRESS = "forecast-progress"
FORECAST_GRAPH = "forecast-graph"
FORECAST_INFO = "forecast-info"

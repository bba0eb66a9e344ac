"""Every component id used by both layouts and callbacks."""

# shell
URL = "url"
PAGE = "page"
SERVICE_ALERT = "service-alert"

# upload page
UPLOAD_DROPZONE = "upload-dropzone"
UPLOAD_STATUS = "upload-status"
UPLOAD_PROGRESS = "upload-progress"
SHEET_URL_INPUT = "sheet-url-input"
SHEET_URL_BUTTON = "sheet-url-button"
DEMO_BUTTON = "demo-button"
DEMO_BADGE = "demo-badge"

# dashboard: session and filters
SESSION_ID = "session-id"
DASHBOARD_ALERTS = "dashboard-alerts"
FILTER_DATES = "filter-dates"
FILTER_CATEGORY = "filter-category"
FILTER_SKU = "filter-sku"
CLEAR_FILTERS = "clear-filters"
FILTER_SUMMARY = "filter-summary"
#: the "Add filter" column picker and the chosen column filters ({column: [values]})
FILTER_ADD = "filter-add"
FILTER_DIMENSIONS = "filter-dimensions"
#: every filter of the dashboard as one dict (components.filters.filter_state)
FILTERS = "filters"
FILTER_DIMS_BOX = "filter-dims-box"
#: types of the per-column dict ids ({"type": DIM_VALUES, "column": <name>})
DIM_VALUES = "dim-values"
DIM_REMOVE = "dim-remove"
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
BREAKDOWN_BY = "breakdown-by"
BREAKDOWN_GRAPH = "breakdown-graph"
BREAKDOWN_TABLE = "breakdown-table"
BREAKDOWN_NOTE = "breakdown-note"

# SKU ranking and drill-down
SKU_TABLE = "sku-table"
SKU_COUNT = "sku-count"
SKU_HIDE_FEW = "sku-hide-few"
SKU_MIN_SALES = "sku-min-sales"
SKU_SELECTED = "sku-selected"
SKU_DETAIL = "sku-detail"
SKU_DETAIL_BODY = "sku-detail-body"

# forecast
FORECAST_METRIC = "forecast-metric"
FORECAST_FREQ = "forecast-freq"
FORECAST_HORIZON = "forecast-horizon"
FORECAST_MODEL = "forecast-model"
FORECAST_BY = "forecast-by"
FORECAST_RUN = "forecast-run"
FORECAST_CANCEL = "forecast-cancel"
FORECAST_PROGRESS = "forecast-progress"
FORECAST_GRAPH = "forecast-graph"
FORECAST_INFO = "forecast-info"

# data quality and mapping review
QUALITY_CARD = "quality-card"
MAPPING_ROLE = (
    "mapping-role"  # pattern-matching id: {"type": MAPPING_ROLE, "role": <role>}
)
MAPPING_APPLY = "mapping-apply"
MAPPING_UNDO = "mapping-undo"
MAPPING_ORIGIN = "mapping-origin"
VIEW_ONLY = "view-only"
MAPPING_DROP_DUPLICATES = "mapping-drop-duplicates"
MAPPING_STATUS = "mapping-status"
QUALITY_COLUMNS = "quality-columns"
RELOAD = "reload"
SHEET_SELECT = "sheet-select"
SHEET_APPLY = "sheet-apply"
SHEET_STATUS = "sheet-status"
SHEET_RELOAD = "sheet-reload"

# insights and chat
INSIGHTS_BODY = "insights-body"
CHAT_MESSAGES = "chat-messages"
CHAT_INPUT = "chat-input"
CHAT_SEND = "chat-send"
CHAT_SEND_SPINNER = "chat-send-spinner"
CHAT_CANCEL = "chat-cancel"
CHAT_RETRY = "chat-retry"
#: type of the suggested-question chips' dict ids ({"type": CHAT_SUGGESTION, "index": i})
CHAT_SUGGESTION = "chat-suggestion"
CHAT_PENDING = "chat-pending"
CHAT_STREAM_BOX = "chat-stream-box"
CHAT_STATUS = "chat-status"
CHAT_STREAM = "chat-stream"

# one-page report (PDF) and e-mail brief
REPORT_PDF = "report-pdf"
REPORT_PDF_LETTER = "report-pdf-letter"
REPORT_MARKDOWN = "report-markdown"
REPORT_HTML = "report-html"

# share links
SHARE_OPEN = "share-open"
SHARE_MODAL = "share-modal"
SHARE_HOURS = "share-hours"
SHARE_EXPORTS = "share-exports"
SHARE_CREATE = "share-create"
SHARE_RESULT = "share-result"
SHARE_LIST = "share-list"
SHARE_REVOKE = "share-revoke"

# dashboard: customers section
CUSTOMERS_SECTION = "customers-section"
CUSTOMERS_KPIS = "customers-kpis"
CUSTOMERS_NOTES = "customers-notes"
CUSTOMERS_MONTHLY_GRAPH = "customers-monthly-graph"
CUSTOMERS_COHORT_GRAPH = "customers-cohort-graph"
CUSTOMERS_SEGMENTS = "customers-segments"
CUSTOMERS_TOP = "customers-top"
DOWNLOAD_CUSTOMERS_CSV = "download-customers-csv"

# dashboard: comparison
COMPARE = "compare"
CHANGES_CARD = "changes-card"
CHANGES_MEASURE = "changes-measure"
CHANGES_GRAPH = "changes-graph"
CHANGES_TEXT = "changes-text"

# dashboard: several files (add, replace, per-file quality)
FILES_ADD = "files-add"
FILES_REPLACE = "files-replace"
FILES_ACTIONS = "files-actions"
FILES_MENU = "files-menu"
FILES_STATUS = "files-status"
FILES_TABLE = "files-table"
FILES_KEEP_OVERLAPS = "files-keep-overlaps"
FILES_OVERLAPS_APPLY = "files-overlaps-apply"
FILES_OVERLAPS_STATUS = "files-overlaps-status"
FILES_RELOAD = "files-reload"

CHANGES_CHART = "changes-chart"

# -- reader's settings (navbar) --
THEME_CHOICE = "theme-choice"
LOCALE_CHOICE = "locale-choice"
CHART_THEMES = "chart-themes"

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

# dashboard
SESSION_ID = "session-id"
DASHBOARD_ALERTS = "dashboard-alerts"
KPI_ROW = "kpi-row"
GRANULARITY = "granularity"
TIMESERIES_GRAPH = "timeseries-graph"

"""Layout pieces: small pure functions returning dash-bootstrap-components trees."""

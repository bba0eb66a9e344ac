/*
 * The dashboard's filters gathered into one dict (ids.FILTERS, callbacks/filters.py):
 * every callback that follows the filters reads that one store. Written in the browser,
 * so a filter change costs no request of its own; the dict is the one
 * callbacks.filters.filter_state builds on the server.
 */
(function () {
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    smbrc: Object.assign({}, (window.dash_clientside || {}).smbrc, {
      gatherFilters: function (start, end, categories, sku, dimensions) {
        return {
          start: start || null,
          end: end || null,
          categories: categories || [],
          sku: sku || "",
          dimensions: dimensions || {},
        };
      },
    }),
  });
})();

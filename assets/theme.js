/*
 * The reader's theme and number format.
 *
 * Theme: "auto" follows the system's light/dark setting (and its changes); "light" or
 * "dark" is the reader's choice from the navbar, remembered in a cookie (the server
 * draws it from the first paint). Bootstrap reads <html data-bs-theme>. Charts follow
 * too: every figure is drawn on the theme's Plotly template (sent by the server in
 * #chart-themes), swapped in just before Plotly draws it and on every theme change.
 *
 * Number format: the navbar's choice is remembered in a cookie that the server reads
 * on every request (cards, charts, tables, exports and the report), so a change
 * reloads the page.
 */
(function () {
  "use strict";
  var THEME_COOKIE = "smbrc_theme";
  var LOCALE_COOKIE = "smbrc_locale";
  var YEAR = 365 * 24 * 3600;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var templates = null;

  function readCookie(name) {
    var found = document.cookie.split("; ").filter(function (part) {
      return part.indexOf(name + "=") === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function writeCookie(name, value) {
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie =
      name + "=" + encodeURIComponent(value) + "; path=/; max-age=" + YEAR +
      "; SameSite=Lax" + secure;
  }

  function choice() {
    var chosen = readCookie(THEME_COOKIE);
    return chosen === "light" || chosen === "dark" ? chosen : "auto";
  }

  function effectiveTheme() {
    var chosen = choice();
    if (chosen !== "auto") return chosen;
    return media && media.matches ? "dark" : "light";
  }

  function chartTemplates() {
    if (templates) return templates;
    var holder = document.getElementById("chart-themes");
    if (!holder || !holder.dataset.templates) return null;
    try {
      templates = JSON.parse(holder.dataset.templates);
    } catch (error) {
      templates = null;
    }
    return templates;
  }

  /* The figure Plotly is about to draw, on the current theme's template. */
  function themed(figure) {
    var all = chartTemplates();
    if (!all || !figure || typeof figure !== "object") return figure;
    var template = all[effectiveTheme()];
    if (!template) return figure;
    var layout = Object.assign({}, figure.layout || {}, { template: template });
    return Object.assign({}, figure, { layout: layout });
  }

  function wrap(Plotly) {
    // a promise of plotly.js (assets/upload.js) is wrapped when plotly.js replaces it
    if (!Plotly || Plotly.__smbrcThemed || typeof Plotly.then === "function") return Plotly;
    ["react", "newPlot"].forEach(function (name) {
      var original = Plotly[name];
      if (typeof original !== "function") return;
      Plotly[name] = function (gd, dataOrFigure, layout, config) {
        var drawn;
        if (Array.isArray(dataOrFigure)) {
          var all = chartTemplates();
          var template = all && all[effectiveTheme()];
          if (template) layout = Object.assign({}, layout || {}, { template: template });
          drawn = original.call(this, gd, dataOrFigure, layout, config);
        } else {
          drawn = original.call(this, gd, themed(dataOrFigure));
        }
        // the chart's text alternative follows what was drawn (chart_table.js)
        if (drawn && drawn.then && window.smbrcChartTable) {
          drawn.then(function () {
            window.smbrcChartTable.render(typeof gd === "string" ? document.getElementById(gd) : gd);
          }, function () {});
        }
        return drawn;
      };
    });
    Plotly.__smbrcThemed = true;
    return Plotly;
  }

  /* Plotly is loaded on demand by Dash's graph component: wrap it as it arrives. */
  if (window.Plotly) {
    wrap(window.Plotly);
  } else {
    var loaded;
    try {
      Object.defineProperty(window, "Plotly", {
        configurable: true,
        enumerable: true,
        get: function () {
          return loaded;
        },
        set: function (value) {
          loaded = wrap(value);
        },
      });
    } catch (error) {
      /* a browser that refuses: charts keep the light template */
    }
  }

  function redrawCharts() {
    var Plotly = window.Plotly;
    if (!Plotly || !Plotly.react) return;
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (!gd.data || !gd.layout) return;
      Plotly.react(gd, gd.data, gd.layout);
    });
  }

  function apply() {
    var theme = effectiveTheme();
    var root = document.documentElement;
    if (root.getAttribute("data-bs-theme") !== theme) {
      root.setAttribute("data-bs-theme", theme);
      redrawCharts();
    }
  }

  apply();
  if (media) {
    var onSystemChange = function () {
      if (choice() === "auto") apply();
    };
    if (media.addEventListener) media.addEventListener("change", onSystemChange);
    else if (media.addListener) media.addListener(onSystemChange);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || !target.id) return;
    if (target.id === "theme-choice") {
      writeCookie(THEME_COOKIE, target.value);
      apply();
    } else if (target.id === "locale-choice") {
      writeCookie(LOCALE_COOKIE, target.value);
      window.location.reload();
    }
  });

  window.smbrcTheme = { effective: effectiveTheme, apply: apply };
})();

/*
 * A text alternative for every chart: under each Plotly chart, "Show the figures as a
 * table" (a <details> element: keyboard reachable, read by screen readers) lists the
 * chart's data, one row per category or period and one column per series, written in
 * the chart's locale with the chart's currency and percent signs. It is rebuilt each
 * time the chart is drawn (theme.js calls it after Plotly.react), so it always shows
 * what the chart shows.
 */
(function () {
  "use strict";
  var MAX_ROWS = 400;
  var ISO_DAY = /^\d{4}-\d{2}-\d{2}/;

  function localeOf(gd) {
    return (gd._context && gd._context.locale) || "en-US";
  }

  function axisName(letter, ref) {
    var suffix = ref && ref.length > 1 ? ref.slice(1) : "";
    return letter + "axis" + suffix;
  }

  /* The hover format of the value ("y", "x" or "z"): decimals, percent, trailing sign. */
  function valueFormat(trace, key) {
    var template = trace.hovertemplate || "";
    var match = new RegExp("%\\{" + key + ":([^}]*)\\}([^<%{]*%?)").exec(template);
    if (!match) return { decimals: null, percent: false, suffix: "" };
    var spec = match[1];
    var digits = /\.(\d+)/.exec(spec);
    return {
      decimals: digits ? Number(digits[1]) : null,
      percent: /%$/.test(spec),
      suffix: /^%/.test(match[2]) ? "%" : "",
    };
  }

  function numberText(value, locale, format, affixes) {
    if (value === null || value === undefined || value === "" || isNaN(value)) return "—";
    var number = Number(value);
    var decimals = format.decimals;
    if (decimals === null) decimals = Number.isInteger(number) ? 0 : 2;
    var options = { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
    if (format.percent) options.style = "percent";
    var text;
    try {
      text = new Intl.NumberFormat(locale, options).format(format.percent ? number : Math.abs(number));
    } catch (error) {
      text = String(number);
    }
    if (format.percent) return text.replace("-", "\u2212");
    var sign = number < 0 && text.replace(/[^1-9]/g, "") ? "\u2212" : "";
    return sign + affixes[0] + text + affixes[1] + format.suffix;
  }

  /* True when every label is the first day of a month: the chart is monthly. */
  function monthly(labels) {
    if (!labels || !labels.length) return false;
    return Array.prototype.every.call(labels, function (value) {
      return typeof value === "string" && ISO_DAY.test(value) && value.slice(8, 10) === "01";
    });
  }

  function labelText(value, locale, byMonth) {
    if (typeof value === "string" && ISO_DAY.test(value)) {
      var day = new Date(value.slice(0, 10) + "T00:00:00Z");
      if (!isNaN(day)) {
        var parts = byMonth
          ? { year: "numeric", month: "short", timeZone: "UTC" }
          : { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" };
        try {
          return new Intl.DateTimeFormat(locale, parts).format(day);
        } catch (error) {
          return value.slice(0, 10);
        }
      }
    }
    return String(value);
  }

  function cardTitle(gd) {
    var card = gd.closest(".card");
    var heading = card && card.querySelector(".card-header h2, .card-header h3, h2");
    return heading ? heading.textContent.trim() : "Chart";
  }

  /* { columns: [names], rows: [[label, cell, cell…]], total } or null. */
  function tableOf(gd) {
    var traces = (gd._fullData || []).filter(function (t) {
      return t.visible !== false && t.hoverinfo !== "skip" && t.fill !== "toself";
    });
    if (!traces.length) return null;
    var layout = gd._fullLayout || {};
    var locale = localeOf(gd);
    if (traces[0].type === "heatmap") {
      var heat = traces[0];
      var format = valueFormat(heat, "z");
      var zRows = (heat.z || []).map(function (row, i) {
        return [labelText(heat.y[i], locale)].concat(
          Array.prototype.map.call(row, function (v) {
            return numberText(v, locale, format, ["", ""]);
          })
        );
      });
      return {
        columns: [""].concat(Array.prototype.map.call(heat.x || [], String)),
        rows: zRows,
      };
    }
    var titles = (layout.annotations || []).map(function (a) {
      return a.text;
    });
    var columns = [];
    var order = [];
    var byLabel = {};
    traces.forEach(function (trace, index) {
      var horizontal = trace.orientation === "h";
      var labels = horizontal ? trace.y : trace.x;
      var values = horizontal ? trace.x : trace.y;
      if (!labels || !values) return;
      var axis = layout[axisName(horizontal ? "x" : "y", horizontal ? trace.xaxis : trace.yaxis)] || {};
      var affixes = [axis.tickprefix || "", axis.ticksuffix || ""];
      var format = valueFormat(trace, horizontal ? "x" : "y");
      if (format.percent) affixes = ["", ""];
      var byMonth = monthly(labels);
      var name = trace.name && !/^trace \d+$/.test(trace.name) ? trace.name : "";
      if (!name) name = traces.length > 1 && titles[index] ? titles[index] : "Value";
      var column = columns.length;
      columns.push(name);
      for (var i = 0; i < labels.length; i++) {
        var key = String(labels[i]);
        if (!(key in byLabel)) {
          byLabel[key] = { label: labelText(labels[i], locale, byMonth), cells: {} };
          order.push(key);
        }
        byLabel[key].cells[column] = numberText(values[i], locale, format, affixes);
      }
    });
    if (!columns.length) return null;
    var rows = order.map(function (key) {
      var entry = byLabel[key];
      var cells = [entry.label];
      for (var c = 0; c < columns.length; c++) cells.push(entry.cells[c] || "—");
      return cells;
    });
    return { columns: [""].concat(columns), rows: rows };
  }

  function render(gd) {
    if (!gd || !gd.parentElement) return;
    // below the graph component (whose plot fills it), never inside it
    var root = gd.closest(".dash-graph") || gd.parentElement;
    if (!root.parentElement) return;
    var next = root.nextElementSibling;
    var details = next && next.classList.contains("chart-table") ? next : null;
    var table = null;
    try {
      table = tableOf(gd);
    } catch (error) {
      table = null;
    }
    if (!table || !table.rows.length) {
      if (details) details.remove();
      return;
    }
    if (!details) {
      details = document.createElement("details");
      details.className = "chart-table small px-2";
      var summary = document.createElement("summary");
      summary.textContent = "Show the figures as a table";
      details.appendChild(summary);
      root.parentElement.insertBefore(details, root.nextSibling);
    }
    var old = details.querySelector(".table-responsive");
    if (old) old.remove();
    var wrap = document.createElement("div");
    wrap.className = "table-responsive";
    // a scrolling box: reachable by keyboard, named for screen readers
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    var element = document.createElement("table");
    element.className = "table table-sm mb-1";
    var caption = document.createElement("caption");
    var shown = table.rows.slice(0, MAX_ROWS);
    caption.textContent =
      cardTitle(gd) +
      (table.rows.length > shown.length
        ? " (first " + shown.length + " of " + table.rows.length + " rows)"
        : "");
    element.appendChild(caption);
    wrap.setAttribute("aria-label", "Figures of " + caption.textContent);
    var head = element.createTHead().insertRow();
    table.columns.forEach(function (name, index) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = index === 0 && !name ? "Label" : name;
      head.appendChild(th);
    });
    var body = element.createTBody();
    shown.forEach(function (cells) {
      var row = body.insertRow();
      cells.forEach(function (text, index) {
        var cell;
        if (index === 0) {
          cell = document.createElement("th");
          cell.scope = "row";
          row.appendChild(cell);
        } else {
          cell = row.insertCell();
          cell.className = "text-end";
        }
        cell.textContent = text;
      });
    });
    wrap.appendChild(element);
    details.appendChild(wrap);
  }

  window.smbrcChartTable = { render: render, tableOf: tableOf };
})();

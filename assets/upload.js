/* Upload page behaviour: file picker, drag-and-drop, Google Sheets link, progress, messages.
 *
 * One or several files can be chosen or dropped at once: they are sent together (several
 * `file` fields) and become one dashboard. Each file is checked against the size limit and
 * all of them against the total limit before anything is sent.
 *
 * The page is rendered by Dash (React), so handlers are delegated from `document`.
 * Files go to `POST /upload` as multipart form data with the CSRF token from the page's
 * <meta name="csrf-token">; "Try it with sample data" posts to `POST /demo`. On success
 * the browser opens the returned dashboard URL.
 */
(function () {
  "use strict";

  var DROPZONE = "upload-dropzone";
  var FILE_INPUT = "upload-file-input";
  var shared = window.smbrcSendFiles;
  var ACCEPT = shared.ACCEPT;
  var STATUS = "upload-status";
  var PROGRESS = "upload-progress";
  var SHEET_INPUT = "sheet-url-input";
  var SHEET_BUTTON = "sheet-url-button";
  var DEMO_BUTTON = "demo-button";
  var busy = false;

  function byId(id) { return document.getElementById(id); }

  function setStatus(kind, text) {
    shared.showStatus(byId(STATUS), kind, text, "", false);
  }

  function setProgress(percent, label) {
    var bar = byId(PROGRESS);
    if (!bar) { return; }
    var wrap = bar.closest(".upload-progress-wrap");
    if (percent === null) {
      if (wrap) { wrap.classList.add("d-none"); }
      return;
    }
    if (wrap) { wrap.classList.remove("d-none"); }
    var inner = bar.querySelector(".progress-bar") || bar;
    inner.style.width = percent + "%";
    inner.setAttribute("aria-valuenow", String(percent));
    inner.textContent = label || "";
  }

  function formatMB(bytes) { return (bytes / 1024 / 1024).toFixed(1) + " MB"; }

  function accepted(zone) {
    return ((zone && zone.getAttribute("data-accept")) || ACCEPT).split(",").filter(Boolean);
  }

  function validate(file, zone) {
    var max = parseInt((zone && zone.getAttribute("data-max-bytes")) || "0", 10);
    var name = (file.name || "").toLowerCase();
    var ok = accepted(zone).some(function (ext) { return name.endsWith(ext); });
    if (!ok) {
      return "“" + file.name + "” is not a CSV or Excel file. Export your data as CSV, XLSX or XLS and try again.";
    }
    if (max && file.size > max) {
      return "“" + file.name + "” is " + formatMB(file.size) + ", larger than the " +
        formatMB(max) + " limit. Split it into smaller files (for example one per year) or remove unused columns.";
    }
    if (file.size === 0) {
      return "“" + file.name + "” is empty. Choose the exported file that contains your data.";
    }
    return null;
  }

  function openDashboard(url) {
    /* The page's scripts are loaded already: change the address the way dcc.Link does
       and let the routing callback draw the dashboard in this page (no reload). From
       another dashboard, or where the history cannot be written, load the page. */
    if (window.location.pathname.indexOf("/dashboard/") === 0 || !window.history.pushState) {
      window.location.assign(url);
      return;
    }
    window.history.pushState({}, "", url);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  }

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = function () { resolve(window.Plotly); };
      script.onerror = function () { reject(new Error("plotly.js did not load")); };
      document.head.appendChild(script);
    });
  }

  function preloadCharts() {
    /* plotly.js (4.8 MB) is what the dashboard's charts wait for longest: this page
       loads it while the server reads the file. Until it has run, window.Plotly is a
       promise of it, which Dash's graph component waits on (it loads plotly.js itself
       only while window.Plotly is unset); plotly.js puts itself there when it runs. */
    var url = window._dashPlotlyJSURL;
    if (window.Plotly || !url || window.location.pathname.indexOf("/dashboard/") === 0) {
      return;
    }
    window.Plotly = loadScript(url).catch(function () {
      window.Plotly = undefined;
      return loadScript(url);  // once more; a second failure shows on the charts
    });
  }

  function send(formData, label, url) {
    if (busy) { return; }
    preloadCharts();
    busy = true;
    setStatus("", "");
    setProgress(0, label);
    shared.post(url || "/upload", formData, {
      progress: function (event) {
        if (event.lengthComputable) {
          var pct = Math.round((event.loaded / event.total) * 100);
          setProgress(pct, pct < 100 ? "Uploading… " + pct + "%" : "Reading your data…");
        }
      },
      sent: function () { setProgress(100, "Reading your data…"); },
      done: function (status, body) {
        busy = false;
        if (status === 201 && body && body.dashboard_url) {
          setProgress(100, "Opening your dashboard…");
          openDashboard(body.dashboard_url);
          return;
        }
        setProgress(null);
        setStatus("danger", shared.refusal(status, body));
      },
      lost: function (message) {
        busy = false;
        setProgress(null);
        setStatus("danger", message);
      },
    });
  }

  function validateAll(files, zone) {
    var maxTotal = parseInt((zone && zone.getAttribute("data-max-total-bytes")) || "0", 10);
    var maxFiles = parseInt((zone && zone.getAttribute("data-max-files")) || "0", 10);
    if (maxFiles && files.length > maxFiles) {
      return files.length + " files were chosen; one upload takes at most " + maxFiles +
        ". Upload some of them, then add the others with “Add files” on the dashboard.";
    }
    var total = 0;
    for (var i = 0; i < files.length; i++) {
      var problem = validate(files[i], zone);
      if (problem) { return problem; }
      total += files[i].size;
    }
    if (maxTotal && total > maxTotal) {
      return "The " + files.length + " files are " + formatMB(total) + " together, more than the " +
        formatMB(maxTotal) + " limit of one upload. Upload fewer files at once, then add the others with “Add files” on the dashboard.";
    }
    return null;
  }

  function uploadFiles(list) {
    var files = Array.prototype.slice.call(list || []);
    if (!files.length) { return; }
    var problem = validateAll(files, byId(DROPZONE));
    if (problem) { setStatus("danger", problem); return; }
    var form = new FormData();
    files.forEach(function (file) { form.append("file", file, file.name); });
    send(form, files.length > 1 ? "Uploading " + files.length + " files…" : "Uploading…");
  }

  function fileInput() {
    var zone = byId(DROPZONE);
    var accept = zone ? (zone.getAttribute("data-accept") || ACCEPT) : ACCEPT;
    return shared.hiddenFileInput(FILE_INPUT, accept, uploadFiles);
  }

  function pickFile() { fileInput().click(); }

  function loadSheet() {
    var input = byId(SHEET_INPUT);
    var url = input ? input.value.trim() : "";
    if (!url) {
      setStatus("danger", "Paste the link of a Google Sheet first (Share → Copy link).");
      return;
    }
    var form = new FormData();
    form.append("sheet_url", url);
    send(form, "Fetching the sheet…");
  }

  function openDemo() {
    send(new FormData(), "Preparing the sample shop…", "/demo");
  }

  function inZone(target) { return target && target.closest && target.closest("#" + DROPZONE); }

  document.addEventListener("click", function (event) {
    if (inZone(event.target)) { pickFile(); return; }
    if (event.target.closest && event.target.closest("#" + SHEET_BUTTON)) { loadSheet(); }
    if (event.target.closest && event.target.closest("#" + DEMO_BUTTON)) { openDemo(); }
  });
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && inZone(event.target)) {
      event.preventDefault();
      pickFile();
    }
    if (event.key === "Enter" && event.target.id === SHEET_INPUT) { loadSheet(); }
  });
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = inZone(event.target);
      if (zone) { event.preventDefault(); zone.classList.add("dragover"); }
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = inZone(event.target);
    if (zone) { zone.classList.remove("dragover"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = inZone(event.target);
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("dragover");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) { uploadFiles(files); }
  });

  document.addEventListener("DOMContentLoaded", fileInput);
})();
